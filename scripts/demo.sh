#!/usr/bin/env bash
# Run the example DAGs against a local TextioPro sandbox, then print what they did.
#
# Usage: ./scripts/demo.sh [dag_id ...]      (default: every DAG in example_dags/, in file order)
# Creates .venvs/airflow-3.3 if needed, starts `textiopro-sandbox` on a free port, points the
# textiopro_default connection at it, exports the examples' Variables (the numbers they text)
# from scripts/demo.env, runs each DAG with `airflow dags test`, stops the sandbox.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SANDBOX_PID=""
SANDBOX_LOG="$LOG_DIR/demo-sandbox.log"
DAG_IDS=()
DAG_RESULTS=()
DEMO_START=""

stop_sandbox() {
    if [[ -n $SANDBOX_PID ]] && kill -0 "$SANDBOX_PID" 2>/dev/null; then
        kill "$SANDBOX_PID"
        wait "$SANDBOX_PID" 2>/dev/null || true
    fi
}

# Start the sandbox on a free port, wait for its ready line, point textiopro_default at it.
# Arguments are more textiopro-sandbox options (scripts/deploy-test.sh slows deliveries).
start_sandbox() {
    local token="demo-token" ready="" deadline=$((SECONDS + 15)) reply replies=()
    # The approval example's approver answers YES: the auto-replies of scripts/demo.env (read in a
    # subshell, so that this works whether or not use_demo_settings ran).
    for reply in $(
        # shellcheck source=scripts/demo.env
        source "$REPO_ROOT/scripts/demo.env" && printf '%s' "$TEXTIOPRO_SANDBOX_AUTO_REPLIES"
    ); do
        replies+=(--auto-reply "$reply")
    done
    textiopro-sandbox --port 0 --token "$token" --seed 1 "${replies[@]}" \
        --quiet "$@" >"$SANDBOX_LOG" 2>&1 &
    SANDBOX_PID=$!
    trap stop_sandbox EXIT
    until [[ -n $ready ]]; do
        if ! kill -0 "$SANDBOX_PID" 2>/dev/null || ((SECONDS > deadline)); then
            cat "$SANDBOX_LOG" >&2
            die "the sandbox did not start (log: $SANDBOX_LOG)"
        fi
        sleep 0.1
        ready="$(grep -m1 -oE 'TextioPro sandbox listening on http://[^ ]+' "$SANDBOX_LOG" || true)"
    done
    SANDBOX_URL="${ready##* }"
    export AIRFLOW_CONN_TEXTIOPRO_DEFAULT
    AIRFLOW_CONN_TEXTIOPRO_DEFAULT="$(printf '{"conn_type": "textiopro", "host": "%s", "password": "%s"}' \
        "$SANDBOX_URL" "$token")"
    info "sandbox listening on $SANDBOX_URL"
}

# Set DAG_IDS to the arguments, or to every DAG in example_dags/ (failing on an import error).
collect_dag_ids() {
    if (($#)); then
        DAG_IDS=("$@")
        return
    fi
    local list="$LOG_DIR/demo-dag-ids.txt"
    python "$REPO_ROOT/scripts/list_dags.py" "$AIRFLOW__CORE__DAGS_FOLDER" "$list" >/dev/null
    mapfile -t DAG_IDS <"$list"
}

run_dag() {
    local dag_id="$1" log="$LOG_DIR/demo-dag-$1.log" start=$SECONDS
    info "airflow dags test $dag_id"
    if airflow dags test "$dag_id" </dev/null >"$log" 2>&1; then
        DAG_RESULTS+=("$(printf 'success  %-40s %4ss' "$dag_id" $((SECONDS - start)))")
    else
        tail -n 30 "$log" >&2
        DAG_RESULTS+=("$(printf 'FAILED   %-40s %4ss  (log: %s)' "$dag_id" $((SECONDS - start)) "${log#"$REPO_ROOT"/}")")
    fi
}

# The demo's closing summary: how each DAG ended, then what the sandbox holds after the runs.
print_summary() {
    printf '\n==================== demo summary ====================\n'
    printf '%s\n' "${DAG_RESULTS[@]}"
    python "$REPO_ROOT/scripts/demo_summary.py" --since "$DEMO_START" "${DAG_IDS[@]}"
}

# Export the Airflow Variables of scripts/demo.env: the numbers the examples text.
use_demo_settings() {
    set -a
    # shellcheck source=scripts/demo.env
    source "$REPO_ROOT/scripts/demo.env"
    set +a
}

main() {
    mkdir -p "$LOG_DIR"
    prepare_airflow 3.3
    use_demo_settings
    collect_dag_ids "$@"
    ((${#DAG_IDS[@]})) || die "no DAG found in $AIRFLOW__CORE__DAGS_FOLDER"
    start_sandbox
    DEMO_START="$(date +%s)"
    local dag_id
    for dag_id in "${DAG_IDS[@]}"; do
        run_dag "$dag_id"
    done
    print_summary
    [[ " ${DAG_RESULTS[*]} " != *FAILED* ]]
}

# scripts/deploy-test.sh sources this file for start_sandbox: run only when executed.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    main "$@"
fi
