#!/usr/bin/env bash
# Deployment test: the example DAGs and faults in real Airflow 3.3 deployments, one per executor.
#
# Usage: ./scripts/deploy-test.sh [local] [celery]   (default both, about ten minutes; CI runs it
#                                                     after scripts/test.sh)
# Installs what it needs: PostgreSQL from Debian packages (apt-get, as root; SQLite when
# PostgreSQL cannot start, saying so) and its drivers (psycopg2-binary, asyncpg) in .venvs/airflow-3.3;
# for the celery part also redis-server (Debian) and the pinned Celery provider (CELERY_PINS in
# scripts/lib.sh). For each part it starts a fresh sandbox as scripts/demo.sh does, then
# tests/deployment/run_deployment.py starts PostgreSQL and the scheduler, dag-processor, triggerer
# and api-server on free loopback ports and runs every example DAG through the scheduler:
# - local (LocalExecutor): SIGKILLs the triggerer, a task process and the scheduler at the worst
#   moments, and checks from the sandbox that nobody got a text twice;
# - celery (CeleryExecutor, PostgreSQL only): also a Redis broker and two Celery workers of 4 slots;
#   fans 8 mapped sends of 500 recipients out at a rate-limited sandbox account, SIGKILLs one
#   worker's process tree while its sends wait at the limit, and checks that each of the 4,000
#   recipients got the text exactly once and that the run succeeded.
# Every process it started is stopped by its id, also on failure. Logs: build/deploy-test/<part>/.
# TEXTIOPRO_DEPLOY_DATABASE=sqlite uses SQLite without trying PostgreSQL (the celery part fails).
set -euo pipefail

# shellcheck source=scripts/demo.sh
source "$(dirname "${BASH_SOURCE[0]}")/demo.sh"

WORK_DIR="$REPO_ROOT/build/deploy-test"
# Long enough for a message wait to be still deferred when the test kills the triggerer.
DELIVERY_DELAY=20
DRIVER_PID=""
DRIVER_TIMEOUT=900
PARTS=()
FAILED=0

# Install PostgreSQL from Debian packages when it is missing and we may (root, apt-get).
ensure_postgres() {
    if [[ ${TEXTIOPRO_DEPLOY_DATABASE:-} == sqlite ]] || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
        return
    fi
    if ((EUID != 0)) || ! command -v apt-get >/dev/null; then
        info "PostgreSQL is not installed and cannot be installed here (needs root and apt-get): the test uses SQLite"
        return
    fi
    info "installing PostgreSQL (apt-get install postgresql)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } \
        >"$LOG_DIR/deploy-test-apt.log" 2>&1; then
        info "apt-get install postgresql failed (log: $LOG_DIR/deploy-test-apt.log): the test uses SQLite"
    fi
}

# Install Airflow's PostgreSQL drivers into the 3.3 virtualenv (psycopg2, and asyncpg for its
# async engine) when PostgreSQL is there and they are not.
ensure_postgres_drivers() {
    [[ ${TEXTIOPRO_DEPLOY_DATABASE:-} != sqlite ]] || return 0
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || return 0
    python -c 'import psycopg2, asyncpg' 2>/dev/null && return 0
    ensure_uv
    info "installing psycopg2-binary and asyncpg into $VIRTUAL_ENV"
    "${UV[@]}" pip install --quiet --python "$VIRTUAL_ENV/bin/python" psycopg2-binary asyncpg ||
        info "the PostgreSQL drivers could not be installed: the test uses SQLite"
}

# Install Debian's redis-server when it is missing and we may (root, apt-get). The test starts
# its own on a free loopback port; it never uses a service the package may have started.
ensure_redis() {
    command -v redis-server >/dev/null && return 0
    if ((EUID != 0)) || ! command -v apt-get >/dev/null; then
        info "redis-server is not installed and cannot be installed here (needs root and apt-get)"
        return 0
    fi
    info "installing Redis (apt-get install redis-server)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; } \
        >"$LOG_DIR/deploy-test-apt-redis.log" 2>&1 ||
        info "apt-get install redis-server failed (log: $LOG_DIR/deploy-test-apt-redis.log)"
}

# Install the pinned Celery provider and Celery (with the Redis client) into the 3.3 virtualenv.
ensure_celery_provider() {
    if python - "${CELERY_PINS[@]}" 2>/dev/null <<'PY'; then
import sys
from importlib.metadata import version

pins = [pin.split("==") for pin in sys.argv[1:]]
sys.exit(any(version(name.split("[")[0]) != wanted for name, wanted in pins))
PY
        return 0
    fi
    ensure_uv
    info "installing ${CELERY_PINS[*]} into $VIRTUAL_ENV"
    "${UV[@]}" pip install --quiet --python "$VIRTUAL_ENV/bin/python" "${CELERY_PINS[@]}" ||
        info "the Celery provider could not be installed: the celery part will fail"
}

# Stop the driver (it stops the Airflow processes it started), then the sandbox; both by pid.
stop_part() {
    if [[ -n $DRIVER_PID ]] && kill -0 "$DRIVER_PID" 2>/dev/null; then
        kill -TERM "$DRIVER_PID" 2>/dev/null || true
        wait "$DRIVER_PID" 2>/dev/null || true
    fi
    stop_sandbox
}

# Print how each part ended, then the counts of every check; set FAILED to their failures. A part
# whose driver left no counts (it did not run, or was stopped) counts as one failure.
print_summary() {
    local part counts passed=0 p f verdict
    FAILED=0
    printf '\n==================== deployment test ====================\n'
    for part in "${PARTS[@]}"; do
        counts="$WORK_DIR/$part/counts"
        p=0 f=1
        [[ -f $counts ]] && read -r p f <"$counts"
        verdict=PASS
        ((f == 0)) || verdict=FAIL
        printf '%-7s %s (%s passed, %s failed)\n' "$part" "$verdict" "$p" "$f"
        passed=$((passed + p)) FAILED=$((FAILED + f))
    done
    printf '%s passed, %s failed\n' "$passed" "$FAILED"
}

# On an early exit (an error, TERM, Ctrl-C): stop what runs, then say how far the parts got.
cleanup() {
    stop_part
    print_summary
}

# Run one part (local or celery) against a sandbox of its own.
run_part() {
    local part="$1"
    SANDBOX_LOG="$LOG_DIR/deploy-test-sandbox-$part.log"
    local options=(--delivery-delay "$DELIVERY_DELAY")
    # The fan-out's 4,000 texts need more than the default balance.
    [[ $part == local ]] || options+=(--balance unlimited)
    start_sandbox "${options[@]}"
    trap cleanup EXIT # start_sandbox set its own
    info "deployment test, $part part (logs: $WORK_DIR/$part/)"
    # In the background, so that a TERM reaches the trap now rather than when the driver ends.
    timeout --signal=TERM --kill-after=60 "$DRIVER_TIMEOUT" \
        python "$REPO_ROOT/tests/deployment/run_deployment.py" --sandbox-url "$SANDBOX_URL" \
        --work-dir "$WORK_DIR/$part" --executor "$part" \
        --database "${TEXTIOPRO_DEPLOY_DATABASE:-postgresql}" "${DAG_IDS[@]}" &
    DRIVER_PID=$!
    wait "$DRIVER_PID" || true
    stop_part
    DRIVER_PID=""
}

main() {
    if (($#)); then PARTS=("$@"); else PARTS=(local celery); fi
    local part
    for part in "${PARTS[@]}"; do
        [[ $part == local || $part == celery ]] || die "unknown part '$part' (known: local celery)"
    done
    for part in "${PARTS[@]}"; do rm -f "$WORK_DIR/$part/counts"; done
    trap cleanup EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
    mkdir -p "$LOG_DIR"
    ensure_postgres
    ensure_venv 3.3
    use_airflow_env 3.3
    ensure_postgres_drivers
    if [[ " ${PARTS[*]} " == *" celery "* ]]; then
        ensure_redis
        ensure_celery_provider
    fi
    use_demo_settings
    collect_dag_ids
    for part in "${PARTS[@]}"; do
        run_part "$part"
    done
    trap - EXIT
    print_summary
    ((FAILED == 0))
}

main "$@"
