"""A group's asset event, recorded at run time through the alias, queues the DAG scheduled on it."""

from __future__ import annotations

import pytest

from airflow_provider_textiopro.version_compat import AIRFLOW_V_3_0_PLUS
from tests.dags.dag_runner import load_dags, recorded_events, run_dag, use_dag_files

pytestmark = pytest.mark.dags

GROUP_URI = "textiopro://group/6065ecdc9184a"
AFTER_SYNC = "textiopro_after_group_sync"


def queue_rows(target_dag_id: str, *, delete: bool = False) -> int:
    """Count (or delete) the asset-triggered runs queued for ``target_dag_id``."""
    from airflow.utils.session import create_session

    if AIRFLOW_V_3_0_PLUS:
        from airflow.models.asset import AssetDagRunQueue as Queue
    else:
        from airflow.models.dataset import DatasetDagRunQueue as Queue

    with create_session() as session:
        rows = session.query(Queue).filter(Queue.target_dag_id == target_dag_id)
        return rows.delete() if delete else rows.count()


def test_group_event_is_recorded_and_queues_the_scheduled_dag(monkeypatch):
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_group_assets.py")
    queue_rows(AFTER_SYNC, delete=True)

    dag_run = run_dag(dags["textiopro_sync_group"], dags)

    assert dag_run.state == "success"
    assert recorded_events(dag_run) == [
        {"uri": GROUP_URI, "extra": {"created": 2, "updated": 1}, "task_id": "sync_group"}
    ]
    assert queue_rows(AFTER_SYNC) == 1


def test_nested_extra_reaches_the_event_flattened(monkeypatch):
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_group_assets.py")

    dag_run = run_dag(dags["textiopro_sync_group_nested_extra"], dags)

    assert dag_run.state == "success"
    assert recorded_events(dag_run) == [
        {
            "uri": GROUP_URI,
            "extra": {"created": 2, "stats.delivered": 1, "stats.failed.count": 1, "uids": '["a", "b"]'},
            "task_id": "sync_group_nested_extra",
        }
    ]
