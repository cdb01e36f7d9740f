# shellcheck shell=bash
# Shared by scripts/test.sh and scripts/demo.sh: uv, one virtualenv and Airflow home per Airflow line.
#
# Each virtualenv lives in .venvs/airflow-<line> and holds the pinned Airflow, the pinned common
# providers and this package installed editable. A stamp file records what was installed, so a
# second run reuses the virtualenv and only reinstalls when a pin or pyproject.toml changed.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
LOG_DIR="$REPO_ROOT/build/logs"

# The only place where versions are pinned.
declare -A AIRFLOW_PIN=([3.3]="apache-airflow==3.3.2" [2.11]="apache-airflow==2.11.2")
declare -A PACKAGE_EXTRAS=([3.3]="test,sql,docs" [2.11]="test,sql")
COMMON_PINS=(
    "apache-airflow-providers-common-compat==1.23.0"
    "apache-airflow-providers-common-sql==2.4.0"
    "apache-airflow-providers-sqlite==4.3.4"
)
# Installed into .venvs/airflow-3.3 by scripts/deploy-test.sh only, for its CeleryExecutor part.
# Celery 5.7 dropped celery.backends.database.retry, which this provider's executor imports.
CELERY_PINS=("apache-airflow-providers-celery==3.26.0" "celery[redis]==5.6.3")

export UV_COMPILE_BYTECODE=1
export UV_PYTHON_DOWNLOADS=never

info() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

check_airflow_line() {
    [[ -n ${AIRFLOW_PIN[$1]+set} ]] || die "unknown Airflow version '$1' (known: ${!AIRFLOW_PIN[*]})"
}

venv_dir() { printf '%s/.venvs/airflow-%s' "$REPO_ROOT" "$1"; }

# Set UV to a command that runs uv, installing uv with pip when the machine has none.
ensure_uv() {
    if command -v uv >/dev/null 2>&1; then
        UV=(uv)
        return
    fi
    if ! "$PYTHON" -m uv --version >/dev/null 2>&1; then
        info "uv not found: installing it with pip"
        "$PYTHON" -m pip install --quiet uv
    fi
    UV=("$PYTHON" -m uv)
}

# Create or update the virtualenv of one Airflow line ("3.3" or "2.11").
ensure_venv() {
    local line="$1" venv stamp wanted
    check_airflow_line "$line"
    venv="$(venv_dir "$line")"
    stamp="$venv/.textiopro-stamp"
    local requirements=("${AIRFLOW_PIN[$line]}" "${COMMON_PINS[@]}")
    local editable="${REPO_ROOT}[${PACKAGE_EXTRAS[$line]}]"
    wanted="$({
        printf '%s\n' "$PYTHON" "${requirements[@]}" "$editable"
        cat "$REPO_ROOT/pyproject.toml"
    } | sha256sum | cut -d' ' -f1)"
    if [[ -x $venv/bin/python && -f $stamp && "$(<"$stamp")" == "$wanted" ]]; then
        info "reusing $venv (pins unchanged)"
        return
    fi
    ensure_uv
    if [[ ! -x $venv/bin/python ]]; then
        info "creating $venv"
        "${UV[@]}" venv --quiet --python "$PYTHON" "$venv"
    fi
    info "installing ${requirements[*]} and -e .[${PACKAGE_EXTRAS[$line]}] into $venv"
    # --python, not VIRTUAL_ENV: `python -m uv pip` would install into the interpreter running uv.
    "${UV[@]}" pip install --quiet --python "$venv/bin/python" "${requirements[@]}" -e "$editable"
    [[ -x $venv/bin/airflow ]] || die "the install did not put airflow into $venv"
    printf '%s\n' "$wanted" >"$stamp"
}

# Export the environment that Airflow commands and the tests of one Airflow line run in.
use_airflow_env() {
    local line="$1" venv
    venv="$(venv_dir "$line")"
    export VIRTUAL_ENV="$venv"
    export PATH="$venv/bin:$PATH"
    export AIRFLOW_HOME="$REPO_ROOT/.airflow-home/airflow-$line"
    export AIRFLOW__CORE__LOAD_EXAMPLES=False
    export AIRFLOW__CORE__DAGS_FOLDER="$REPO_ROOT/example_dags"
    # Airflow 3's behaviour; silences the deprecation warning Airflow 2.11 prints on every command.
    export AIRFLOW__METRICS__TIMER_UNIT_CONSISTENCY=True
    mkdir -p "$AIRFLOW_HOME"
}

# Migrate the metadata database of the current Airflow home; print the log only on failure.
migrate_db() {
    local log="$LOG_DIR/db-migrate-${AIRFLOW_HOME##*/}.log"
    mkdir -p "$LOG_DIR"
    if ! airflow db migrate >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        printf 'error: airflow db migrate failed (full log: %s)\n' "$log" >&2
        return 1
    fi
}

# Create the virtualenv of one Airflow line, enter its environment and migrate its database.
prepare_airflow() {
    ensure_venv "$1"
    use_airflow_env "$1"
    info "migrating the Airflow database in $AIRFLOW_HOME"
    migrate_db
}
