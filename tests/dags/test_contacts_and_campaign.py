"""dag.test(): contacts synced with concurrent writes, then a campaign (deferred, or retried)."""

from __future__ import annotations

import pytest
from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_3_PLUS
from dag_runner import load_dags, run_dag, use_dag_files

from airflow_provider_textiopro.compat import AIRFLOW_V_3_0_PLUS
from airflow_provider_textiopro.hooks.textiopro import TextioProHook

pytestmark = [pytest.mark.dags, pytest.mark.integration]


def campaign_posts(sandbox) -> int:
    return sum(1 for r in sandbox.requests if r.method == "POST" and r.path.endswith("/sms/campaign"))


def recorded_uris(dag_run) -> set[str]:
    from airflow.utils.session import create_session

    if AIRFLOW_V_3_0_PLUS:
        from airflow.models.asset import AssetEvent as Event
    else:
        from airflow.models.dataset import DatasetEvent as Event

    with create_session() as session:
        events = session.query(Event).filter(
            Event.source_dag_id == dag_run.dag_id, Event.source_run_id == dag_run.run_id
        )
        return {(event.asset if AIRFLOW_V_3_0_PLUS else event.dataset).uri for event in events}


def task_instances(dag_run) -> dict:
    return {ti.task_id: ti for ti in dag_run.get_task_instances()}


def test_sync_then_deferred_campaign(monkeypatch, textiopro_conn, sandbox):
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_contacts_and_campaign.py")

    dag_run = run_dag(dags["textiopro_sync_then_campaign"], dags)

    assert dag_run.state == "success"
    tis = task_instances(dag_run)
    group_uid = tis["group"].xcom_pull(task_ids="group")
    campaign_uid = tis["campaign"].xcom_pull(task_ids="campaign")
    assert len(list(TextioProHook(textiopro_conn).list_contacts(group_uid))) == 30
    campaign = TextioProHook(textiopro_conn).get_campaign(campaign_uid)
    assert (campaign.status.value, campaign.stats.total) == ("done", 30)
    assert campaign_posts(sandbox) == 1
    assert recorded_uris(dag_run) == {
        f"textiopro://group/{group_uid}",
        f"textiopro://campaign/{campaign_uid}",
    }


@pytest.mark.skipif(not AIRFLOW_V_3_3_PLUS, reason="the task state store arrived in Airflow 3.3")
def test_retries_follow_the_campaign_instead_of_sending_again(monkeypatch, textiopro_conn, sandbox):
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_contacts_and_campaign.py")

    dag_run = run_dag(dags["textiopro_campaign_retries"], dags)

    assert dag_run.state == "success"
    assert task_instances(dag_run)["campaign"].try_number > 1
    assert campaign_posts(sandbox) == 1
