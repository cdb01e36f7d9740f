"""dag.test(): contacts synced with concurrent writes, then a campaign (deferred, or retried)."""

from __future__ import annotations

import pytest
from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_3_PLUS
from dag_runner import load_dags, recorded_events, run_dag, use_dag_files
from sandbox_fixtures import post_statuses

from airflow_provider_textiopro.hooks.textiopro import TextioProHook

pytestmark = [pytest.mark.dags, pytest.mark.integration]


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
    assert len(post_statuses(sandbox, "/sms/campaign")) == 1
    assert {event["uri"] for event in recorded_events(dag_run)} == {
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
    assert len(post_statuses(sandbox, "/sms/campaign")) == 1
