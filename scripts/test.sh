#!/usr/bin/env bash
# Run every check of the project: ruff, mypy, the docs build, pytest on Airflow 3.3 and 2.11 and the
# release check (scripts/release-check.sh: build, check and install the wheel, run a DAG from it).
#
# Usage: ./scripts/test.sh [--fast] [--] [pytest arguments...]
#   ./scripts/test.sh                     everything (what CI runs)
#   ./scripts/test.sh --fast              the fast lane: unit tests on Airflow 3.3, no subprocess
#                                          tests (under a minute once the virtualenv exists)
#   ./scripts/test.sh -- -k send tests/unit
#                                          pytest only sees the given arguments
# Environment:
#   TEXTIOPRO_AIRFLOW_VERSIONS="3.3 2.11"  Airflow lines whose test suite runs
#   TEXTIOPRO_STEPS="ruff format mypy docs pytest release"
#                                          steps to run (ruff, mypy and docs use the 3.3 virtualenv)
#   PYTHON=python3                         interpreter the virtualenvs are created from
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FAST_LANE=(tests/unit -q -m "not cli and not subprocess")
if [[ ${1:-} == "--fast" ]]; then
    shift
    TEXTIOPRO_AIRFLOW_VERSIONS=3.3
    TEXTIOPRO_STEPS=pytest
    [[ ${1:-} == "--" ]] && shift
    (($#)) || set -- "${FAST_LANE[@]}"
fi
read -r -a VERSIONS <<<"${TEXTIOPRO_AIRFLOW_VERSIONS:-3.3 2.11}"
read -r -a STEPS <<<"${TEXTIOPRO_STEPS:-ruff format mypy docs pytest release}"
[[ ${1:-} == "--" ]] && shift
PYTEST_ARGS=("$@")

for line in "${VERSIONS[@]}"; do check_airflow_line "$line"; done
for step in "${STEPS[@]}"; do
    [[ $step =~ ^(ruff|format|mypy|docs|pytest|release)$ ]] ||
        die "unknown step '$step' (known: ruff format mypy docs pytest release)"
done

SUMMARY=()
FAILED=0
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0

wants() { [[ " ${STEPS[*]} " == *" $1 "* ]]; }

# Run one step with its output shown and kept in build/logs; record pass/fail for the summary.
# Its exit status goes to STEP_RC: calling it from `if` or `||` would switch off `set -e` inside the step.
run_step() {
    local name="$1" slug="$2" rc start=$SECONDS detail=""
    shift 2
    local log="$LOG_DIR/$slug.log"
    printf '\n==> %s\n' "$name" >&2
    set +e
    (
        set -e
        "$@"
    ) 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    if [[ $slug == pytest-* ]]; then
        pytest_counts "$log" "$rc"
        detail="$PYTEST_DETAIL"
    fi
    if ((rc == 0)); then
        SUMMARY+=("$(printf 'PASS  %-40s %4ss  %s' "$name" $((SECONDS - start)) "$detail")")
    else
        FAILED=$((FAILED + 1))
        SUMMARY+=("$(printf 'FAIL  %-40s %4ss  %s (exit %s, log: %s)' "$name" $((SECONDS - start)) \
            "$detail" "$rc" "${log#"$REPO_ROOT"/}")")
    fi
    STEP_RC=$rc
}

# Set PYTEST_DETAIL to pytest's closing counts and add them to the totals; exit status 5 means no test ran.
pytest_counts() {
    local log="$1" rc="$2" closing kind n
    if ((rc == 5)); then
        PYTEST_DETAIL="no test ran"
        return
    fi
    closing="$(grep -E '^(=+ )?[0-9]+ [a-z]+.* in [0-9.]+s' "$log" | tail -n 1 | sed -E 's/^=+ //; s/ =+$//')" || true
    PYTEST_DETAIL="${closing:-no pytest summary line}"
    for kind in passed skipped failed errors error; do
        n="$(grep -oE "[0-9]+ $kind\b" <<<"$closing" | grep -oE '[0-9]+')" || continue
        case $kind in
            passed) TOTAL_PASSED=$((TOTAL_PASSED + n)) ;;
            skipped) TOTAL_SKIPPED=$((TOTAL_SKIPPED + n)) ;;
            *) TOTAL_FAILED=$((TOTAL_FAILED + n)) ;;
        esac
    done
}

in_airflow_env() {
    use_airflow_env "$1"
    shift
    "$@"
}

build_docs() {
    use_airflow_env 3.3
    mkdocs build --strict --config-file "$REPO_ROOT/mkdocs.yml" --site-dir "$REPO_ROOT/build/site"
}

run_pytest() {
    use_airflow_env "$1"
    shift
    python -m pytest "$@"
}

print_summary() {
    printf '\n==================== summary ====================\n'
    printf '%s\n' "${SUMMARY[@]}"
    printf 'total: %s passed, %s failed, %s skipped\n' "$TOTAL_PASSED" "$TOTAL_FAILED" "$TOTAL_SKIPPED"
    if ((FAILED)); then
        printf '%s step(s) failed\n' "$FAILED"
    else
        printf 'all steps passed\n'
    fi
}

main() {
    cd "$REPO_ROOT"
    mkdir -p "$LOG_DIR"
    trap print_summary EXIT

    local static_checks=0
    for step in ruff format mypy docs; do wants "$step" && static_checks=1; done
    if ((static_checks)); then
        run_step "virtualenv (Airflow 3.3)" venv-3.3 ensure_venv 3.3
        if ((STEP_RC == 0)); then
            if wants ruff; then run_step "ruff check" ruff in_airflow_env 3.3 ruff check .; fi
            if wants format; then run_step "ruff format --check" format in_airflow_env 3.3 ruff format --check .; fi
            if wants mypy; then run_step "mypy" mypy in_airflow_env 3.3 mypy; fi
            if wants docs; then run_step "docs (mkdocs build --strict)" docs build_docs; fi
        fi
    fi

    if wants pytest; then
        for line in "${VERSIONS[@]}"; do
            run_step "virtualenv + db migrate (Airflow $line)" "setup-$line" prepare_airflow "$line"
            if ((STEP_RC == 0)); then
                run_step "pytest (Airflow $line)" "pytest-$line" run_pytest "$line" "${PYTEST_ARGS[@]}"
            fi
        done
    fi
    if wants release; then
        run_step "release check (wheel in a fresh venv)" release "$REPO_ROOT/scripts/release-check.sh"
    fi
    ((FAILED == 0))
}

main
