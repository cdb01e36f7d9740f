"""The campaign operator against the sandbox over a real socket."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone

import pytest
from airflow.providers.common.compat.sdk import TaskDeferred

from airflow_provider_textiopro.exceptions import TextioProInputError, TextioProWaitTimeoutError
from airflow_provider_textiopro.hooks._internal import pacing
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.links import CAMPAIGN_URL_XCOM_KEY
from airflow_provider_textiopro.operators.campaigns import (
    CAMPAIGN_UID_XCOM_KEY,
    TextioProSendCampaignOperator,
)
from airflow_provider_textiopro.version_compat import AirflowFailException
from tests.support.contact_helpers import emitted_assets, task_context
from tests.support.sandbox import post_statuses
from tests.support.task_state import FakeTaskStateStore

pytestmark = pytest.mark.integration


@pytest.fixture
def group_uid(textiopro_conn):
    hook = TextioProHook(textiopro_conn)
    group = hook.create_group("Spring")
    for i in range(3):
        hook.create_contact(group.uid, f"3161234{i:04d}", FIRST_NAME=f"C{i}")
    return group.uid


def op(group_uid, **kwargs):
    return TextioProSendCampaignOperator(
        task_id="campaign", contact_list_ids=group_uid, message="Spring sale!", sender_id="Shop", **kwargs
    )


def pushed(context):
    return {c.kwargs["key"]: c.kwargs["value"] for c in context["ti"].xcom_push.call_args_list}


def test_send_and_wait_until_done(textiopro_conn, sandbox, group_uid):
    task = op(group_uid, wait_for_completion=True, poll_interval=0.2, timeout=60)
    context = task_context(task, task_state_store=FakeTaskStateStore())
    uid = task.execute(context)
    campaign = TextioProHook(textiopro_conn).get_campaign(uid)
    assert campaign.status.value == "done"
    assert campaign.stats.total == 3
    assert pushed(context) == {
        CAMPAIGN_UID_XCOM_KEY: uid,
        CAMPAIGN_URL_XCOM_KEY: f"{sandbox.url}/campaigns/{uid}/overview",
    }
    [(uri, extra)] = emitted_assets(context)
    assert uri == f"textiopro://campaign/{uid}"
    assert extra["status"] == "done"
    assert sum(v for k, v in extra.items() if k not in ("campaign_uid", "status")) == 3


def test_send_without_waiting_returns_at_once(textiopro_conn, sandbox, group_uid):
    task = op(group_uid)
    uid = task.execute(task_context(task))
    assert TextioProHook(textiopro_conn).get_campaign(uid).status.value in ("queued", "processing", "done")
    assert len(post_statuses(sandbox, "/sms/campaign")) == 1


def test_a_retry_does_not_send_again(textiopro_conn, sandbox, group_uid):
    store = FakeTaskStateStore()
    task = op(group_uid)
    first = task.execute(task_context(task, task_state_store=store))
    retry = op(group_uid, wait_for_completion=True, poll_interval=0.2, timeout=60)
    context = task_context(retry, task_state_store=store)
    context["ti"].try_number = 2
    again = retry.execute(context)
    assert again == first
    assert len(post_statuses(sandbox, "/sms/campaign")) == 1


class WorkerLost(BaseException):
    """The worker's process is gone: nothing after this point runs."""


def test_a_retry_after_the_campaign_was_refused_at_the_limit_sends_it(
    textiopro_conn, sandbox, group_uid, monkeypatch
):
    """Issue 16: the worker is lost while the campaign request waits out the limit; the next try sends it."""
    store = FakeTaskStateStore()
    sandbox.set_faults(rate_limit=1)
    TextioProHook(textiopro_conn).get_balance()  # the account's one request of this window
    task = op(group_uid)

    def lost(seconds):
        raise WorkerLost

    task.hook._sleep = lost
    with pytest.raises(WorkerLost):
        task.execute(task_context(task, task_state_store=store))
    assert post_statuses(sandbox, "/sms/campaign") == [200]  # answered "Too Many Attempts."
    assert sandbox.app.faults.limited == 1

    sandbox.clear_faults()
    monkeypatch.setattr(pacing, "_PACERS", {})  # the retry runs on another worker, with its own pacer
    retry = op(group_uid)
    context = task_context(retry, task_state_store=store)
    context["ti"].try_number = 2
    uid = retry.execute(context)

    assert [c.uid for c in sandbox.state.accounts[sandbox.token].campaigns.values()] == [uid]


def test_without_task_state_a_wait_timeout_fails_without_retry(textiopro_conn, sandbox, group_uid):
    later = datetime.now(timezone.utc) + timedelta(days=1)
    task = op(
        group_uid,
        schedule_time=later,
        wait_for_completion=True,
        poll_interval=0.1,
        timeout=0.3,
        durable=False,
    )
    with pytest.raises(AirflowFailException, match="a retry would send the campaign again") as info:
        task.execute(task_context(task, task_state_store=FakeTaskStateStore()))
    assert isinstance(info.value.__cause__, TextioProWaitTimeoutError)
    named = re.search(r"TextioProCampaignSensor\(campaign_uid='(\w+)'\)", str(info.value))
    assert named is not None
    uid = named[1]
    assert TextioProHook(textiopro_conn).get_campaign(uid).status.value == "scheduled"
    assert len(post_statuses(sandbox, "/sms/campaign")) == 1


def test_bad_input_sends_no_request(textiopro_conn, sandbox):
    with pytest.raises(TextioProInputError, match="not a contact group uid"):
        op("Spring").execute(task_context(None))
    assert sandbox.requests == []


def test_deferred_wait_resumes_with_the_trigger_event(textiopro_conn, sandbox, group_uid):
    task = op(group_uid, wait_for_completion=True, deferrable=True, poll_interval=0.2, timeout=60)
    context = task_context(task)
    with pytest.raises(TaskDeferred) as deferred:
        task.execute(context)

    async def first_event():
        async for event in deferred.value.trigger.run():
            return event.payload

    payload = asyncio.run(first_event())
    assert payload["status"] == "success"
    uid = task.execute_complete(context, payload)
    assert uid == payload["campaign"]["uid"]
    assert emitted_assets(context)[0][0] == f"textiopro://campaign/{uid}"
    assert len(post_statuses(sandbox, "/sms/campaign")) == 1


def test_a_dry_run_checks_and_reads_and_sends_no_campaign(textiopro_conn, sandbox, group_uid):
    from textiopro_sandbox.api import is_write

    sandbox.clear_requests()
    task = op(group_uid, dry_run=True)

    result = task.execute(task_context(task, task_state_store=FakeTaskStateStore()))

    assert result["dry_run"] is True
    assert result["subscribed_contacts"] == {group_uid: 3}
    assert result["estimated_segments"] == 3
    assert result["request"]["contact_list_ids"] == [group_uid]
    assert [r for r in sandbox.requests if is_write(r.method, r.path)] == []
    assert sandbox.state.accounts[sandbox.token].campaigns == {}
