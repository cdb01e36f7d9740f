"""Run the DAG files of tests/dags/dag_files with ``dag.test()`` on Airflow 2.11 and 3.x."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import DAG

from airflow_provider_textiopro.version_compat import AIRFLOW_V_3_0_PLUS

DAG_FILES = Path(__file__).resolve().parent / "dag_files"


def use_dag_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``dag_files`` the DAGS_FOLDER: Airflow 3's ``dag.test()`` parses the DAG from there.

    New DAGs are not paused, so asset events can queue runs of the DAGs scheduled on them.
    """
    import airflow.settings

    monkeypatch.setattr(airflow.settings, "DAGS_FOLDER", str(DAG_FILES))
    monkeypatch.setenv("AIRFLOW__CORE__DAGS_FOLDER", str(DAG_FILES))
    monkeypatch.setenv("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "False")


def load_dags(file_name: str) -> dict[str, DAG]:
    """Import a file of ``dag_files`` by path, as the DAG processor does; return its DAGs by id."""
    path = DAG_FILES / file_name
    spec = importlib.util.spec_from_file_location(f"textiopro_dag_files_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {value.dag_id: value for value in vars(module).values() if isinstance(value, DAG)}


def run_dag(dag: DAG, dags: dict[str, DAG], **kwargs: Any) -> Any:
    """Run ``dag`` with ``dag.test()`` and return its DagRun.

    Airflow 3 stores the DAGs of the folder itself; on 2.11 they are stored (and unpaused)
    first, as a scheduler's DAG processor would have done, so that the DAGs scheduled on assets
    are known and get queued. tests/dags/test_fresh_database.py runs DAGs without this, on a
    fresh database.
    """
    if not AIRFLOW_V_3_0_PLUS:
        from airflow.models.dag import DagModel
        from airflow.utils.session import create_session

        DAG.bulk_write_to_db(list(dags.values()))
        with create_session() as session:
            session.query(DagModel).filter(DagModel.dag_id.in_(list(dags))).update(
                {DagModel.is_paused: False}, synchronize_session=False
            )
    return dag.test(**kwargs)


def recorded_events(dag_run: Any) -> list[dict[str, Any]]:
    """Return the asset events ``dag_run`` recorded: uri, extra and task id of each."""
    from airflow.utils.session import create_session

    if AIRFLOW_V_3_0_PLUS:
        from airflow.models.asset import AssetEvent as Event
    else:
        from airflow.models.dataset import DatasetEvent as Event

    with create_session() as session:
        events = session.query(Event).filter(
            Event.source_dag_id == dag_run.dag_id, Event.source_run_id == dag_run.run_id
        )
        return [
            {
                "uri": (event.asset if AIRFLOW_V_3_0_PLUS else event.dataset).uri,
                "extra": event.extra,
                "task_id": event.source_task_id,
            }
            for event in events
        ]
