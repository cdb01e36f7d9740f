"""What a send or a campaign really did, against a sandbox that behaves as the reference platform 3.8.

The platform sends a scheduled one-recipient send at once, answers ``sms/campaign`` with the
uid of the account's first campaign, reads ``schedule_time`` in the account's zone and lists
gateway refusals in a bulk answer as ``Failed`` messages (see ``platform_sandbox``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from airflow_provider_textiopro.exceptions import TextioProCampaignUntrackedError
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.operators.campaigns import TextioProSendCampaignOperator
from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator
from airflow_provider_textiopro.version_compat import AirflowFailException
from tests.support.contact_helpers import task_context
from tests.support.sandbox import PLATFORM_REFUSED_PREFIX, PLATFORM_ZONE, post_statuses
from textiopro_sandbox import SandboxServer

pytestmark = pytest.mark.integration

ACCEPTED = [f"3161200{index:04d}" for index in range(10)]
REFUSED = [f"{PLATFORM_REFUSED_PREFIX}{index:04d}" for index in range(140)]


def later() -> datetime:
    """An aware time tomorrow, on a whole minute."""
    return datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(days=1)


def api(sandbox: SandboxServer, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the sandbox's bearer API and return the envelope."""
    response = requests.request(
        method,
        f"{sandbox.url}/api/v3/{path}",
        json=body,
        headers={"Authorization": f"Bearer {sandbox.token}", "Accept": "application/json"},
        timeout=10,
    )
    return response.status_code, response.json()


def send_message(**kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    task = TextioProSendMessageOperator(task_id="send", message="Hello", sender_id="Shop", **kwargs)
    context = task_context(task)
    return task.execute(context), context


# The sandbox learns the platform's behaviour


def test_sandbox_sends_a_scheduled_single_recipient_at_once(platform_conn, platform_sandbox):
    moment = later().astimezone(ZoneInfo(PLATFORM_ZONE))

    status, single = api(
        platform_sandbox,
        "POST",
        "sms/send",
        {"recipient": ACCEPTED[0], "message": "x", "schedule_time": f"{moment:%Y-%m-%d %H:%M}"},
    )
    _, several = api(
        platform_sandbox,
        "POST",
        "sms/send",
        {"recipient": ",".join(ACCEPTED[1:3]), "message": "x", "schedule_time": f"{moment:%Y-%m-%d %H:%M}"},
    )

    assert status == 200
    assert (single["data"]["to"], single["data"]["status"]) == (ACCEPTED[0], "Enroute")
    assert several == {"status": "success", "message": "Message is scheduled successfully.", "data": None}
    sent_at = {
        m.to: m.sent_at for m in platform_sandbox.state.accounts[platform_sandbox.token].messages.values()
    }
    assert sent_at[ACCEPTED[0]] <= platform_sandbox.state.clock.now()
    assert (sent_at[ACCEPTED[1]], sent_at[ACCEPTED[2]]) == (moment.timestamp(), moment.timestamp())


def test_sandbox_answers_the_first_campaigns_uid(platform_conn, platform_sandbox):
    _, group = api(platform_sandbox, "POST", "contacts", {"name": "Spring"})
    api(platform_sandbox, "POST", f"contacts/{group['data']['uid']}/store", {"PHONE": ACCEPTED[0]})
    body = {"contact_list_id": group["data"]["uid"], "message": "first"}

    _, first = api(platform_sandbox, "POST", "sms/campaign", body)
    _, second = api(platform_sandbox, "POST", "sms/campaign", {**body, "message": "second"})

    assert first["data"]["uid"] == second["data"]["uid"]
    assert len(platform_sandbox.state.accounts[platform_sandbox.token].campaigns) == 2


def test_sandbox_account_reads_schedule_time_in_its_timezone(platform_conn, platform_sandbox):
    _, profile = api(platform_sandbox, "GET", "me")

    assert profile["data"]["timezone"] == PLATFORM_ZONE


def test_sandbox_lists_gateway_refusals_of_a_bulk_send(platform_conn, platform_sandbox):
    _, answer = api(
        platform_sandbox, "POST", "sms/send", {"recipient": f"{ACCEPTED[0]},{REFUSED[0]}", "message": "x"}
    )
    status, single = api(platform_sandbox, "POST", "sms/send", {"recipient": REFUSED[1], "message": "x"})

    refused = answer["data"][1]
    assert (refused["to"], refused["customer_status"], refused["cost"]) == (REFUSED[0], "Failed", "0")
    assert refused["uid"]
    assert (status, single["message"]) == (403, "Failed")


# The provider reports what really happened


def test_a_scheduled_send_to_one_recipient_says_it_was_sent_immediately(
    platform_conn, platform_sandbox, logged
):
    result, _ = send_message(recipients=ACCEPTED[0], schedule_time=later())

    (uid,) = result["uids"]
    assert (result["scheduled"], result["sent_immediately"], result["accepted"]) == (False, 1, 1)
    assert result["outcomes"][0]["sent_immediately"] is True
    assert [m.uid for m in TextioProHook(platform_conn).list_messages()] == [uid]
    text = logged()
    assert "TextioPro sent 1 message(s) at once, not at schedule_time" in text
    assert "(scheduled)" not in text


def test_schedule_time_is_sent_in_the_accounts_timezone(platform_conn, platform_sandbox, logged):
    when = later()

    result, _ = send_message(recipients=ACCEPTED[:2], schedule_time=when)

    assert (result["scheduled"], result["sent_immediately"]) == (True, 0)
    assert result["schedule_time"] == when.astimezone(ZoneInfo(PLATFORM_ZONE)).strftime("%Y-%m-%d %H:%M")
    stored = platform_sandbox.state.accounts[platform_sandbox.token].messages.values()
    assert {m.sent_at for m in stored} == {when.timestamp()}
    assert f"Schedule times are written in {PLATFORM_ZONE}, the account's timezone (its profile)." in logged()
    assert [r.path for r in platform_sandbox.requests if r.method == "GET"] == ["/api/v3/me"]


def test_gateway_refusals_in_a_bulk_send_are_refused(platform_conn, platform_sandbox, logged):
    everyone = ACCEPTED + REFUSED

    direct = TextioProHook(platform_conn).send_message(everyone, "Hello", sender_id="Shop")
    result, _ = send_message(recipients=everyone)

    assert (len(direct.accepted), len(direct.refused)) == (10, 140)
    assert (result["accepted"], result["refused"], len(result["uids"])) == (10, 140, 10)
    assert all(o["uid"] and o["status"] == "Failed" for o in result["outcomes"][10:])
    text = logged()
    assert "TextioPro accepted 10 of 150 recipients in 2 requests; 140 refused" in text
    assert "TextioPro accepted 10 recipient(s) and refused 140" in text


def test_a_campaign_answered_with_another_campaigns_uid_fails_without_sending_again(
    platform_conn, platform_sandbox
):
    hook = TextioProHook(platform_conn)
    group = hook.create_group("Spring")
    hook.create_contact(group.uid, ACCEPTED[0])
    first = hook.send_campaign(group.uid, "Spring sale!", sender_id="Shop")

    task = TextioProSendCampaignOperator(
        task_id="campaign",
        contact_list_ids=group.uid,
        message="Summer sale!",
        sender_id="Shop",
        wait_for_completion=True,
        poll_interval=0.1,
    )
    context = task_context(task)
    with pytest.raises(AirflowFailException) as info:
        task.execute(context)

    text = str(info.value)
    assert f"the uid it answered ({first.uid}) is not known to be the new campaign's" in text
    assert "that campaign's message is 'Spring sale!', not the one just sent" in text
    assert "The task is not retried, so that no second campaign goes out." in text
    assert isinstance(info.value.__cause__, TextioProCampaignUntrackedError)
    assert post_statuses(platform_sandbox, "sms/campaign") == [200, 200]
    assert len(platform_sandbox.state.accounts[platform_sandbox.token].campaigns) == 2
    context["ti"].xcom_push.assert_not_called()
