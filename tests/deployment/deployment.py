"""An Airflow 3.3 deployment of its own: PostgreSQL (or SQLite), the four components, the REST API.

With the CeleryExecutor (:func:`celery_settings`), also a Redis broker (:class:`Redis`) and the
Celery workers (``Deployment.start("worker")``).

Everything listens on loopback ports checked free, lives under one work directory and is started
through a :class:`~processes.ProcessTable`, so that the test stops exactly what it started.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import requests
from processes import ProcessTable

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
TEST_DAGS = HERE / "dags"
"""The DAGs of the test's own scenarios (a DAG bundle beside the examples)."""
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
TERMINAL_RUN_STATES = {"success", "failed"}

T = TypeVar("T")


class DeploymentError(AssertionError):
    """The deployment did not do what the test expected (within its time)."""


def load_test_dag_file(name: str) -> ModuleType:
    """Import one DAG file of :data:`TEST_DAGS` (``name`` without ``.py``), for its constants."""
    spec = importlib.util.spec_from_file_location(name, TEST_DAGS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def log(message: str) -> None:
    """Print one progress line of the test."""
    print(f"[deploy-test {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    """Return a loopback TCP port that nothing listens on (the system's choice, checked free)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    with socket.socket() as check:
        if check.connect_ex(("127.0.0.1", port)) == 0:
            raise DeploymentError(f"port {port} was free a moment ago and is taken now")
    return port


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, every: float = 0.5) -> T:
    """Call ``probe`` until it returns something other than None; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise DeploymentError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


class Database:
    """A PostgreSQL cluster of the test's own, or a SQLite file when PostgreSQL cannot start."""

    def __init__(self, work: Path, processes: ProcessTable) -> None:
        self.work = work
        self.processes = processes
        self.url = ""
        self.kind = ""

    def start(self, kind: str = "postgresql") -> None:
        """Start PostgreSQL on a free loopback port, or SQLite when asked or when PostgreSQL cannot start."""
        if kind == "postgresql":
            try:
                self.url = self._start_postgres()
                self.kind = "PostgreSQL"
                return
            except (DeploymentError, OSError, subprocess.SubprocessError) as error:
                log(f"PostgreSQL cannot start ({error}): using SQLite instead")
        self.url = f"sqlite:///{self.work / 'airflow.db'}"
        self.kind = "SQLite"

    def _start_postgres(self) -> str:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        initdb = binaries[-1] if binaries else shutil.which("initdb")
        if initdb is None:
            raise DeploymentError("no initdb found (apt-get install postgresql)")
        bindir = Path(initdb).parent
        try:
            import asyncpg  # noqa: F401
            import psycopg2  # noqa: F401
        except ImportError as error:
            raise DeploymentError(f"{error.name} is not installed in the virtualenv") from error
        # PostgreSQL refuses to run as root: as root, its files and processes belong to `postgres`.
        as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        data = Path(tempfile.mkdtemp(prefix="textiopro-deploy-pg-"))
        if as_user:
            shutil.chown(data, "postgres")
        port = free_port()
        subprocess.run(
            [*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync",
             "-E", "UTF8"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        self.processes.start(
            "postgres",
            [*as_user, str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(data),
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off"],
            self.work / "postgres.log",
            os.environ,
        )  # fmt: skip
        wait_for("PostgreSQL to accept connections", lambda: _pg_ready(port), timeout=60)
        subprocess.run(
            [*as_user, str(bindir / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-q", "-c",
             "CREATE DATABASE airflow"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        return f"postgresql+psycopg2://postgres@127.0.0.1:{port}/airflow"


def _pg_ready(port: int) -> bool | None:
    import psycopg2

    try:
        psycopg2.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="postgres", connect_timeout=2
        ).close()
    except psycopg2.OperationalError:
        return None
    return True


class Redis:
    """A Redis server of the test's own (Debian's ``redis-server``): the Celery broker, no service."""

    def __init__(self, work: Path, processes: ProcessTable) -> None:
        self.work = work
        self.processes = processes
        self.url = ""

    def start(self) -> None:
        """Start ``redis-server`` on a free loopback port, keeping nothing on disk; wait for its PONG."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise DeploymentError("no redis-server found (apt-get install redis-server)")
        port = free_port()
        self.processes.start(
            "redis",
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.work)],
            self.work / "redis.log",
            os.environ,
        )  # fmt: skip
        wait_for("Redis to answer PING", lambda: _redis_ready(port), timeout=30)
        self.url = f"redis://127.0.0.1:{port}/0"


def _redis_ready(port: int) -> bool | None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            connection.sendall(b"PING\r\n")
            return True if connection.recv(16).startswith(b"+PONG") else None
    except OSError:
        return None


def celery_settings(broker_url: str, database_url: str) -> dict[str, str]:
    """Return the Airflow settings of a CeleryExecutor deployment on ``broker_url``.

    The result backend is the metadata database, named for psycopg2 (``db+postgresql+psycopg2://``):
    a plain ``postgresql://`` asks for psycopg 3.
    """
    if not database_url.startswith("postgresql+psycopg2://"):
        raise DeploymentError(f"the CeleryExecutor needs PostgreSQL through psycopg2, not {database_url}")
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__PARALLELISM": "16",
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{database_url}",
        # A lost worker's tasks: found by their missing heartbeats, then retried elsewhere.
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
    }


class Deployment:
    """The Airflow components, their environment and a REST client of the api-server.

    :param settings: Airflow settings (environment variables) over the LocalExecutor's defaults,
        such as :func:`celery_settings`.
    """

    def __init__(
        self,
        work: Path,
        processes: ProcessTable,
        database_url: str,
        dag_folders: dict[str, Path],
        settings: dict[str, str] | None = None,
    ) -> None:
        self.work = work
        self.processes = processes
        self.api_port = free_port()
        self.api = f"http://127.0.0.1:{self.api_port}"
        self.home = work / "airflow-home"
        self.home.mkdir(parents=True, exist_ok=True)
        (work / "tmp").mkdir(exist_ok=True)
        self._instances: dict[str, int] = {}
        self._session = requests.Session()
        bundles = [
            {
                "name": name,
                "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
                "kwargs": {"path": str(folder), "refresh_interval": 5},
            }
            for name, folder in dag_folders.items()
        ]
        self.env = {
            **os.environ,
            "AIRFLOW_HOME": str(self.home),
            # The examples' warehouse is a SQLite file in the temporary directory: keep it ours.
            "TMPDIR": str(work / "tmp"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__API__BASE_URL": self.api,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps(bundles),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "60",
            # Only the runs the test triggers: no scheduled run texting the examples' numbers again.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "2",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD": "10",
            "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60",
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
            "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "10",
            # Not served (see start_components), but never the default ports another run may use.
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            **(settings or {}),
        }

    def airflow(self, *args: str, timeout: float = 300) -> None:
        """Run one ``airflow`` command to its end; fail with the end of its output."""
        out = self.work / "airflow-cli.log"
        with out.open("ab") as log_file:
            done = subprocess.run(
                [sys.executable, "-m", "airflow", *args],
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        if done.returncode:
            tail = "\n".join(out.read_text(errors="replace").splitlines()[-30:])
            raise DeploymentError(f"airflow {' '.join(args)} failed (exit {done.returncode}):\n{tail}")

    def start(self, component: str, *options: str) -> int:
        """Start one component (a second one after a kill is ``triggerer-2`` ...); return its pid.

        ``worker`` is a Celery worker (``airflow celery worker``), named for Celery as its process
        is; ``options`` go after the command (``"--concurrency", "4"``).
        """
        count = self._instances.get(component, 0) + 1
        self._instances[component] = count
        name = component if count == 1 else f"{component}-{count}"
        argv = [sys.executable, "-m", "airflow", component]
        if component == "worker":
            # Each with a pid file and a Celery hostname of its own, as on two machines.
            argv = [sys.executable, "-m", "airflow", "celery", "worker", "--celery-hostname",
                    f"{name}@%h", "--pid", str(self.work / f"{name}.pid")]  # fmt: skip
        if component in ("scheduler", "triggerer", "worker"):
            # serve-logs listens on every interface; the task logs are files on this machine anyway.
            argv.append("--skip-serve-logs")
        if component == "api-server":
            argv += ["--host", "127.0.0.1", "--port", str(self.api_port)]
        argv += options
        popen = self.processes.start(name, argv, self.work / f"{name}.log", self.env)
        log(f"started {name} (pid {popen.pid})")
        return popen.pid

    def current(self, component: str) -> str:
        """Return the process name of the running instance of ``component``."""
        count = self._instances[component]
        return component if count == 1 else f"{component}-{count}"

    # REST API

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the api-server's REST API with an admin token; return the JSON answer."""
        if "Authorization" not in self._session.headers:
            token = self._session.get(f"{self.api}/auth/token", timeout=30).json()["access_token"]
            self._session.headers["Authorization"] = f"Bearer {token}"
        response = self._session.request(method, f"{self.api}/api/v2/{path}", timeout=60, **kwargs)
        if response.status_code >= 400:
            raise DeploymentError(
                f"{method} /api/v2/{path} answered {response.status_code}: {response.text[:500]}"
            )
        return response.json() if response.content else None

    def wait_healthy(self, timeout: float) -> None:
        """Wait until the api-server answers and reports every component healthy."""

        def healthy() -> bool | None:
            self.processes.record()
            self._check_running()
            try:
                health = requests.get(f"{self.api}/api/v2/monitor/health", timeout=5).json()
            except (requests.RequestException, ValueError):
                return None
            parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
            return True if all((health.get(p) or {}).get("status") == "healthy" for p in parts) else None

        wait_for("the api-server to report every component healthy", healthy, timeout, every=1)

    def wait_worker(self, name: str, timeout: float) -> None:
        """Wait until the Celery worker ``name`` logged that it is ready to take tasks."""

        def ready() -> bool | None:
            self.processes.record()
            self._check_running()
            return True if " ready." in (self.work / f"{name}.log").read_text(errors="replace") else None

        wait_for(f"the Celery worker {name} to be ready", ready, timeout, every=1)

    def _check_running(self) -> None:
        for name, popen in self.processes.started.items():
            if popen.poll() is not None:
                raise DeploymentError(
                    f"{name} exited with code {popen.returncode} (log: {self.work / name}.log)"
                )

    def wait_dags(self, dag_ids: list[str], timeout: float) -> None:
        """Wait until the dag-processor has parsed every DAG of ``dag_ids``."""

        def parsed() -> bool | None:
            self._check_running()
            known = {dag["dag_id"] for dag in self.request("GET", "dags", params={"limit": 100})["dags"]}
            return True if set(dag_ids) <= known else None

        wait_for(f"the dag-processor to parse {', '.join(dag_ids)}", parsed, timeout, every=1)
        errors = self.request("GET", "importErrors")["import_errors"]
        if errors:
            raise DeploymentError(f"DAG import errors: {errors}")

    def set_paused(self, dag_id: str, paused: bool) -> None:
        """Pause or unpause one DAG."""
        self.request("PATCH", f"dags/{dag_id}", json={"is_paused": paused})

    def trigger(self, dag_id: str) -> str:
        """Trigger a manual run of ``dag_id``; return its run id."""
        return str(self.request("POST", f"dags/{dag_id}/dagRuns", json={"logical_date": None})["dag_run_id"])

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict[str, Any]]:
        """Return the task instances of one run by task id."""
        tis = self.request("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
        return {ti["task_id"]: ti for ti in tis}

    def wait_run(self, dag_id: str, run_id: str, timeout: float) -> str:
        """Wait until the run has ended; return its state."""

        def ended() -> str | None:
            self.processes.record()
            state = self.request("GET", f"dags/{dag_id}/dagRuns/{run_id}")["state"]
            return state if state in TERMINAL_RUN_STATES else None

        return wait_for(f"run {run_id} of {dag_id} to end", ended, timeout, every=1)

    def clear_task(self, dag_id: str, run_id: str, task_id: str) -> None:
        """Clear one task of a run, so that the scheduler runs it again."""
        self.request(
            "POST",
            f"dags/{dag_id}/clearTaskInstances",
            json={"dry_run": False, "dag_run_id": run_id, "task_ids": [task_id], "only_failed": False,
                  "reset_dag_runs": True},
        )  # fmt: skip

    def failure_detail(self, dag_id: str, run_id: str) -> str:
        """Describe the states of a run's tasks, and where the logs are, for a failure message."""
        states = {task: ti["state"] for task, ti in self.task_instances(dag_id, run_id).items()}
        return f"task states {states}; logs under {self.home / 'logs'}"
