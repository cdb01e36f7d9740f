"""Run DAGs as a new user does: in a process of their own, on a fresh metadata database.

``airflow db migrate`` runs once into a template Airflow home (:func:`migrated_template`); every run
then gets a copy of it (:meth:`FreshAirflow.new_home`), so no DAG was ever parsed, serialized or run
in its database: no scheduler, DAG processor or earlier test prepared anything for it. A run is
either ``airflow dags test <dag_id>`` (:meth:`FreshAirflow.dags_test`) or a DAG file imported by
path and run with ``dag.test()``, without serializing it first (:meth:`FreshAirflow.dag_test`);
what it left is read back from that database with ``sqlite3``.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow_provider_textiopro.version_compat import AIRFLOW_V_3_0_PLUS

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
RUN_TIMEOUT = 240  # seconds, for one DAG run in its own process
# Imports a DAG file by path (as the DAG processor does) and runs one of its DAGs with dag.test().
DAG_TEST = """
import importlib.util, sys
from airflow.providers.common.compat.sdk import DAG
spec = importlib.util.spec_from_file_location("fresh_dag_file", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
[dag] = [v for v in vars(module).values() if isinstance(v, DAG) and v.dag_id == sys.argv[2]]
dag.test()
"""


def _base_env(home: Path) -> dict[str, str]:
    """The environment of an Airflow process whose home and database are ``home``'s."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__METRICS__TIMER_UNIT_CONSISTENCY="True",
    )
    return env


def migrated_template(home: Path) -> Path:
    """Create ``home`` and migrate a new metadata database into it (``airflow db migrate``)."""
    home.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [AIRFLOW, "db", "migrate"], env=_base_env(home), capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"airflow db migrate failed:\n{result.stdout}\n{result.stderr}"
    return home


@dataclass
class Run:
    """One DAG run in its own process and database: what the process printed and what it left."""

    dag_id: str
    home: Path
    returncode: int
    output: str

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.home / "airflow.db") as db:
            return db.execute(sql, args).fetchall()

    @property
    def state(self) -> str | None:
        rows = self.query("SELECT state FROM dag_run WHERE dag_id = ?", self.dag_id)
        return rows[0][0] if len(rows) == 1 else None

    @property
    def task_states(self) -> dict[str, str]:
        rows = self.query("SELECT task_id, state FROM task_instance WHERE dag_id = ?", self.dag_id)
        return dict(rows)

    @property
    def event_uris(self) -> list[str]:
        """The URIs of the asset (dataset) events the run recorded, sorted."""
        kind = "asset" if AIRFLOW_V_3_0_PLUS else "dataset"
        rows = self.query(
            f"SELECT a.uri FROM {kind}_event e JOIN {kind} a ON a.id = e.{kind}_id WHERE e.source_dag_id = ?",
            self.dag_id,
        )
        return sorted(uri for (uri,) in rows)

    def failure(self) -> str:
        """Say how the run ended, with the end of its output."""
        return (
            f"{self.dag_id}: exit {self.returncode}, {self.state}, {self.task_states}\n{self.output[-4000:]}"
        )


class FreshAirflow:
    """Copies of one migrated Airflow home, each a fresh database for one run.

    :param template: a migrated Airflow home (:func:`migrated_template`).
    :param workdir: where the copies go.
    :param connections: connection id -> its JSON, set in each run's environment.
    :param env: more environment for each run, e.g. the examples' Variables (``AIRFLOW_VAR_*``).
    """

    def __init__(
        self,
        template: Path,
        workdir: Path,
        connections: dict[str, dict[str, Any]],
        env: dict[str, str] | None = None,
    ) -> None:
        self.template = template
        self.workdir = workdir
        self.connections = connections
        self.env = dict(env or {})
        self._homes = 0
        self._examples: dict[str, Run] = {}

    def new_home(self) -> Path:
        self._homes += 1
        home = self.workdir / f"home-{self._homes}"
        shutil.copytree(self.template, home)
        return home

    def _run(self, dag_id: str, args: list[str], dags_folder: Path) -> Run:
        home = self.new_home()
        env = _base_env(home)
        env["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags_folder)
        env.update(
            {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(c) for conn_id, c in self.connections.items()}
        )
        env.update(self.env)
        result = subprocess.run(
            args, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=str(home)
        )
        return Run(dag_id, home, result.returncode, result.stdout + result.stderr)

    def dags_test(self, dag_id: str, dags_folder: Path) -> Run:
        """Run ``airflow dags test <dag_id>`` with ``dags_folder`` on a fresh database."""
        return self._run(dag_id, [AIRFLOW, "dags", "test", dag_id], dags_folder)

    def example(self, dag_id: str, dags_folder: Path) -> Run:
        """Return the run of :meth:`dags_test` for ``dag_id``, made on the first call only."""
        if dag_id not in self._examples:
            self._examples[dag_id] = self.dags_test(dag_id, dags_folder)
        return self._examples[dag_id]

    def dag_test(self, dag_file: Path, dag_id: str) -> Run:
        """Import ``dag_file`` by path and run its DAG ``dag_id`` with ``dag.test()`` on a fresh database."""
        return self._run(dag_id, [sys.executable, "-c", DAG_TEST, str(dag_file), dag_id], dag_file.parent)
