#!/usr/bin/env bash
# Deployment test: the example DAGs and three faults in a real Airflow 3.3 deployment.
#
# Usage: ./scripts/deploy-test.sh          (about five minutes; CI runs it after scripts/test.sh)
# Installs what it needs: PostgreSQL from Debian packages (apt-get, as root; SQLite when
# PostgreSQL cannot start, saying so) and its drivers (psycopg2-binary, asyncpg) in .venvs/airflow-3.3. Starts the
# sandbox as scripts/demo.sh does, then tests/deployment/run_deployment.py starts PostgreSQL and
# the scheduler, dag-processor, triggerer and api-server (LocalExecutor) on free loopback ports,
# runs every example DAG through the scheduler, SIGKILLs the triggerer, a task process and the
# scheduler at the worst moments, and checks from the sandbox that nobody got a text twice.
# Every process it started is stopped by its id, also on failure. Logs: build/deploy-test/.
# TEXTIOPRO_DEPLOY_DATABASE=sqlite uses SQLite without trying PostgreSQL.
set -euo pipefail

# shellcheck source=scripts/demo.sh
source "$(dirname "${BASH_SOURCE[0]}")/demo.sh"

WORK_DIR="$REPO_ROOT/build/deploy-test"
SANDBOX_LOG="$LOG_DIR/deploy-test-sandbox.log"
# Long enough for a message wait to be still deferred when the test kills the triggerer.
DELIVERY_DELAY=20
DRIVER_PID=""
DRIVER_TIMEOUT=600

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

# Stop the driver (it stops the Airflow processes it started), then the sandbox; both by pid.
# Without a driver, say that the test failed before it began, ending with the counts as it would.
cleanup() {
    if [[ -n $DRIVER_PID ]] && kill -0 "$DRIVER_PID" 2>/dev/null; then
        kill -TERM "$DRIVER_PID" 2>/dev/null || true
        wait "$DRIVER_PID" 2>/dev/null || true
    fi
    stop_sandbox
    if [[ -z $DRIVER_PID ]]; then
        printf '\ndeployment test: FAIL before the deployment started (see above)\n0 passed, 1 failed\n'
    fi
}

main() {
    trap cleanup EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
    mkdir -p "$LOG_DIR"
    ensure_postgres
    ensure_venv 3.3
    use_airflow_env 3.3
    ensure_postgres_drivers
    use_demo_settings
    collect_dag_ids
    start_sandbox --delivery-delay "$DELIVERY_DELAY"
    trap cleanup EXIT # start_sandbox set its own
    # In the background, so that a TERM reaches the trap now rather than when the driver ends.
    timeout --signal=TERM --kill-after=60 "$DRIVER_TIMEOUT" \
        python "$REPO_ROOT/tests/deployment/run_deployment.py" --sandbox-url "$SANDBOX_URL" \
        --work-dir "$WORK_DIR" --database "${TEXTIOPRO_DEPLOY_DATABASE:-postgresql}" "${DAG_IDS[@]}" &
    DRIVER_PID=$!
    wait "$DRIVER_PID"
}

main "$@"
