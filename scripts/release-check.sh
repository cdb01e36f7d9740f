#!/usr/bin/env bash
# Check what a release would ship, as a new user gets it: build the sdist and the wheel, check their
# metadata, install the wheel (not this checkout) into a fresh virtualenv with the pinned Airflow
# 3.3, then run `airflow providers list` and the README's first DAG against the wheel's own
# `textiopro-sandbox` on a free loopback port.
#
# Usage: ./scripts/release-check.sh      (scripts/test.sh runs it as its `release` step)
# The artefacts go to build/dist/, the fresh virtualenv and Airflow home to build/release-check/.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DIST="$REPO_ROOT/build/dist"
WORK="$REPO_ROOT/build/release-check"
PACKAGE=airflow_provider_textiopro
SANDBOX_PID=""

stop_sandbox() {
    if [[ -n $SANDBOX_PID ]]; then
        kill "$SANDBOX_PID" 2>/dev/null || true
        wait "$SANDBOX_PID" 2>/dev/null || true
        SANDBOX_PID=""
    fi
}
trap stop_sandbox EXIT

build_dists() {
    info "building the sdist and the wheel into ${DIST#"$REPO_ROOT"/}"
    rm -rf "$DIST"
    "${UV[@]}" build --quiet --out-dir "$DIST" "$REPO_ROOT"
    SDIST="$(echo "$DIST"/*.tar.gz)"
    WHEEL="$(echo "$DIST"/*.whl)"
    [[ -f $SDIST && -f $WHEEL ]] || die "uv build made no sdist or no wheel in $DIST"
    grep -q "$(basename "$WHEEL")" "$REPO_ROOT/docs/installation.md" ||
        die "docs/installation.md does not name the wheel the build makes, $(basename "$WHEEL")"
}

# twine checks the metadata (the README renders as the long description); the wheel must hold the
# package, its py.typed marker, the sandbox package, the provider entry point and the sandbox's console script.
check_dists() {
    info "checking the metadata of $(basename "$SDIST") and $(basename "$WHEEL")"
    "$(venv_dir 3.3)/bin/twine" check --strict "$SDIST" "$WHEEL"
    "$(venv_dir 3.3)/bin/python" - "$WHEEL" "$SDIST" "$PACKAGE" <<'EOF'
import sys
import tarfile
import zipfile

wheel, sdist, package = sys.argv[1:]
names = zipfile.ZipFile(wheel).namelist()
entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
text = zipfile.ZipFile(wheel).read(entry_points).decode()
problems = [
    f"the wheel has no {path}"
    for path in (f"{package}/__init__.py", f"{package}/py.typed", "textiopro_sandbox/__main__.py")
    if path not in names
]
problems += [
    f"entry_points.txt has no {line!r}"
    for line in (
        "[apache_airflow_provider]",
        f"provider_info = {package}.get_provider_info:get_provider_info",
        "[console_scripts]",
        "textiopro-sandbox = textiopro_sandbox.__main__:main",
    )
    if line not in text.splitlines()
]
problems += [f"the wheel holds {name}" for name in names if name.startswith(("tests/", "example_dags/"))]
if not any(name.endswith(f"/{package}/py.typed") for name in tarfile.open(sdist).getnames()):
    problems.append("the sdist has no py.typed")
if problems:
    sys.exit("error: " + "; ".join(problems))
print(f"the wheel holds {len(names)} files, py.typed, the provider entry point and textiopro-sandbox")
EOF
}

install_wheel() {
    info "installing $(basename "$WHEEL") and ${AIRFLOW_PIN[3.3]} into a fresh virtualenv"
    rm -rf "$WORK"
    mkdir -p "$WORK/dags"
    "${UV[@]}" venv --quiet --python "$PYTHON" "$WORK/venv"
    "${UV[@]}" pip install --quiet --python "$WORK/venv/bin/python" "$WHEEL" "${AIRFLOW_PIN[3.3]}" "${COMMON_PINS[@]}"
    export VIRTUAL_ENV="$WORK/venv"
    export PATH="$WORK/venv/bin:$PATH"
    export AIRFLOW_HOME="$WORK/airflow-home"
    export AIRFLOW__CORE__LOAD_EXAMPLES=False
    export AIRFLOW__CORE__DAGS_FOLDER="$WORK/dags"
    unset PYTHONPATH
    cd "$WORK" # not the checkout: `python -c` would import the package from the current directory
    [[ "$(python -c "import $PACKAGE, pathlib; print(pathlib.Path($PACKAGE.__file__).parent.parent)")" == "$WORK/venv/"* ]] ||
        die "$PACKAGE is not imported from the wheel's install"
}

check_provider_listed() {
    info "airflow providers list"
    migrate_db
    local listed
    listed="$(airflow providers list 2>&1)"
    grep -q "airflow-provider-textiopro" <<<"$listed" || {
        printf '%s\n' "$listed" >&2
        die "airflow providers list does not show airflow-provider-textiopro"
    }
    grep "airflow-provider-textiopro" <<<"$listed"
}

# The first ```python block after "## A first DAG" in the README: the DAG a new user writes first.
readme_dag() {
    awk '/^## A first DAG/ {found = 1} found && /^```python/ {inside = 1; next} inside && /^```/ {exit} inside' \
        "$REPO_ROOT/README.md"
}

run_readme_dag() {
    local log="$WORK/sandbox.log" url="" _
    textiopro-sandbox --port 0 --delivery-delay 0.3 >"$log" 2>&1 &
    SANDBOX_PID=$!
    for _ in $(seq 100); do
        url="$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$log" | head -n 1)" && [[ -n $url ]] && break
        kill -0 "$SANDBOX_PID" 2>/dev/null || die "textiopro-sandbox stopped: $(cat "$log")"
        sleep 0.1
    done
    [[ -n $url ]] || die "textiopro-sandbox did not say where it listens: $(cat "$log")"
    info "textiopro-sandbox (from the wheel) listening on $url"
    readme_dag >"$WORK/dags/textiopro_hello.py"
    grep -q 'dag_id="textiopro_hello"' "$WORK/dags/textiopro_hello.py" || die "README.md has no 'A first DAG' block"
    export AIRFLOW_CONN_TEXTIOPRO_DEFAULT="{\"conn_type\": \"textiopro\", \"host\": \"$url\", \"password\": \"sandbox-token\"}"
    info "airflow dags test textiopro_hello (the README's first DAG)"
    airflow dags test textiopro_hello >"$WORK/dags-test.log" 2>&1 || {
        tail -n 40 "$WORK/dags-test.log" >&2
        die "airflow dags test textiopro_hello failed (log: ${WORK#"$REPO_ROOT"/}/dags-test.log)"
    }
    local served
    served="$(python -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' \
        "$url/_sandbox/requests")"
    grep -q '"path": "/api/v3/sms/send", "status": 200' <<<"$served" || {
        tail -n 40 "$WORK/dags-test.log" >&2
        die "the DAG sent no message to the sandbox (requests served: $served)"
    }
    grep -qE "Marking run <DagRun textiopro_hello .* successful" "$WORK/dags-test.log" || {
        tail -n 40 "$WORK/dags-test.log" >&2
        die "the run of textiopro_hello did not succeed (log: ${WORK#"$REPO_ROOT"/}/dags-test.log)"
    }
    info "textiopro_hello ran to success and sent its message to the sandbox"
    stop_sandbox
}

main() {
    ensure_uv
    ensure_venv 3.3
    build_dists
    check_dists
    install_wheel
    check_provider_listed
    run_readme_dag
    info "release check passed: $(basename "$SDIST"), $(basename "$WHEEL")"
}

main
