"""dag.test(): contacts synced with concurrent writes, then a campaign (deferred, or retried)."""

from __future__ import annotations

from unittest import mock

import pytest
from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_3_PLUS

from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.operators.campaigns import CAMPAIGN_UID_XCOM_KEY
from tests.dags.dag_runner import load_dags, recorded_events, run_dag, use_dag_files
from tests.support.sandbox import post_statuses

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


def test_retries_follow_the_campaign_instead_of_sending_again(monkeypatch, slow_campaign_sandbox):
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_contacts_and_campaign.py")

    dag_run = run_dag(dags["textiopro_campaign_retries"], dags)

    assert dag_run.state == "success"
    assert task_instances(dag_run)["campaign"].try_number > 1
    assert len(post_statuses(slow_campaign_sandbox, "/sms/campaign")) == 1


def first_campaign_answered_5xx(sandbox):
    """Return a hook send_campaign whose first request takes effect, then gets an HTTP 500."""
    send = TextioProHook.send_campaign

    def send_campaign(hook, *args, **kwargs):
        if not post_statuses(sandbox, "/sms/campaign"):
            sandbox.set_faults(fail_next_5xx=1, fail_mode="after")
        return send(hook, *args, **kwargs)

    return send_campaign


def campaigns_in_sandbox(sandbox) -> int:
    return len(sandbox.state.accounts[sandbox.token].campaigns)


def test_a_campaign_request_without_answer_is_not_retried(monkeypatch, textiopro_conn, sandbox):
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_contacts_and_campaign.py")
    fail_after = first_campaign_answered_5xx(sandbox)
    with mock.patch.object(TextioProHook, "send_campaign", autospec=True, side_effect=fail_after):
        dag_run = run_dag(dags["textiopro_campaign_once"], dags)

    assert post_statuses(sandbox, "/sms/campaign") == [500]
    assert campaigns_in_sandbox(sandbox) == 1
    assert dag_run.state == "failed"
    ti = task_instances(dag_run)["campaign"]
    assert (ti.state, ti.try_number) == ("failed", 1)


@pytest.mark.skipif(not AIRFLOW_V_3_3_PLUS, reason="the task state store arrived in Airflow 3.3")
def test_a_retry_after_a_worker_lost_before_the_uid_was_written_sends_nothing(
    monkeypatch, textiopro_conn, sandbox
):
    from airflow.sdk.execution_time.context import TaskStateStoreAccessor

    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_contacts_and_campaign.py")
    write, lost = TaskStateStoreAccessor.set, []

    def lost_before_the_uid(store, key, value, **kwargs):
        if key == CAMPAIGN_UID_XCOM_KEY and not lost:
            lost.append(key)
            raise RuntimeError("worker lost before the campaign uid was written")
        return write(store, key, value, **kwargs)

    with mock.patch.object(TaskStateStoreAccessor, "set", autospec=True, side_effect=lost_before_the_uid):
        dag_run = run_dag(dags["textiopro_campaign_once"], dags)

    assert post_statuses(sandbox, "/sms/campaign") == [200]
    assert campaigns_in_sandbox(sandbox) == 1
    assert dag_run.state == "failed"
    ti = task_instances(dag_run)["campaign"]
    assert (ti.state, ti.try_number) == ("failed", 2)
