#!/usr/bin/env bash
# Run the benchmarks in benchmarks/ with the dev virtualenv and print their tables.
#
# Usage: ./scripts/bench.sh [name ...]
#   ./scripts/bench.sh                        all of them (about 15 minutes on 2 cores)
#   ./scripts/bench.sh send_throughput        only the runs of benchmarks/send_throughput.py
# Names: import_time send_throughput personal_send contact_upsert sql_sync_memory sandbox_startup
#        send_at_limit list_at_limit trigger_waits.
# Environment:
#   TEXTIOPRO_AIRFLOW_VERSION=3.3             Airflow line whose virtualenv runs them (3.3 or 2.11)
#   PYTHON=python3                            interpreter the virtualenv is created from
# The output is also written to build/logs/bench-<Airflow line>.txt. Each benchmark talks only
# to a sandbox it starts on 127.0.0.1 and stops by itself; see benchmarks/README.md.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# One run per line: the script's name, then its arguments.
RUNS=(
    "import_time"
    "send_throughput"
    "personal_send"
    "contact_upsert"
    "contact_upsert --contacts 300 --latency 0.01"
    "sql_sync_memory"
    "sql_sync_memory --rows 10000 --chunk-sizes 100,1000,10000"
    "sandbox_startup"
    "send_at_limit"
    "list_at_limit"
    "trigger_waits"
)

main() {
    local line="${TEXTIOPRO_AIRFLOW_VERSION:-3.3}" run wanted selected=() known
    check_airflow_line "$line"
    known="$(printf '%s\n' "${RUNS[@]%% *}" | uniq | paste -sd' ')"
    for wanted in "$@"; do
        [[ " $known " == *" $wanted "* ]] || die "unknown benchmark '$wanted' (known: $known)"
    done
    for run in "${RUNS[@]}"; do
        if (($# == 0)) || [[ " $* " == *" ${run%% *} "* ]]; then
            selected+=("$run")
        fi
    done

    ensure_venv "$line"
    use_airflow_env "$line"
    cd "$REPO_ROOT"
    mkdir -p "$LOG_DIR"
    local output="$LOG_DIR/bench-$line.txt"
    for run in "${selected[@]}"; do
        read -r -a words <<<"$run"
        printf '\n==> python benchmarks/%s.py%s\n\n' "${words[0]}" "${run#"${words[0]}"}"
        python "benchmarks/${words[0]}.py" "${words[@]:1}"
    done 2>&1 | tee "$output"
    info "output saved to ${output#"$REPO_ROOT"/}"
}

main "$@"
