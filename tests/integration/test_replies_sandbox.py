"""Two-way messaging against the sandbox over a real socket: inbound replies, opt-outs, voice channels."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.notifications.textiopro import TextioProNotifier
from airflow_provider_textiopro.operators.campaigns import TextioProSendCampaignOperator
from airflow_provider_textiopro.sensors.textiopro import TextioProReplySensor
from tests.support.contact_helpers import task_context
from textiopro_sandbox import run_sandbox
from textiopro_sandbox.state import INBOUND_NUMBER

pytestmark = pytest.mark.integration

APPROVER = "31612345671"


@pytest.fixture(params=["bearer", "api_token"])
def conn(request, textiopro_conn, monkeypatch):
    """The sandbox connection in each auth style."""
    if request.param == "api_token":
        return request.getfixturevalue("textiopro_conn_api_token")
    return textiopro_conn


def inject(sandbox: Any, number: str, text: str, **extra: Any) -> dict[str, Any]:
    answer = requests.post(
        f"{sandbox.url}/_sandbox/inbound", json={"from": number, "message": text, **extra}, timeout=5
    )
    answer.raise_for_status()
    return answer.json()["data"]


def test_an_injected_reply_is_listed_like_the_platforms(conn, sandbox):
    hook = TextioProHook(conn)
    sent = hook.send_message(APPROVER, "Reply YES to release", sender_id="Payouts")
    reply = inject(sandbox, f"+{APPROVER}", "YES")

    listed = hook.list_messages_since(sent.uids)

    assert [(m.uid, m.sender_number, m.to, m.message) for m in listed] == [
        (reply["uid"], APPROVER, INBOUND_NUMBER, "YES")
    ]
    assert hook.latest_message_uid() == reply["uid"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"from": "", "message": "YES"}, "Send"),
        ({"from": "1", "message": "x", "account": "nope"}, "Unknown account"),
    ],
)
def test_bad_inbound_requests_say_what_to_send(sandbox, body, error):
    answer = requests.post(f"{sandbox.url}/_sandbox/inbound", json=body, timeout=5)
    assert answer.status_code == 400
    assert error in answer.json()["message"]


def test_auto_replies_answer_sends_after_their_delay():
    with run_sandbox(
        port=0, seed=5, auto_replies={"1": "YES", "71": "NO"}, auto_reply_delay=30, quiet=True
    ) as box:
        headers = {"Authorization": f"Bearer {box.token}", "Accept": "application/json"}
        body = {"recipient": "31612345671,31612345672,31612345681", "message": "Approve?", "sender_id": "Ops"}
        requests.post(f"{box.url}/api/v3/sms/send", json=body, headers=headers, timeout=5).raise_for_status()

        def listed() -> list[tuple[str, str]]:
            page = requests.get(f"{box.url}/api/v3/sms", headers=headers, timeout=5).json()["data"]["data"]
            return [(m["from"], m["message"]) for m in page if m["to"] == INBOUND_NUMBER]

        assert listed() == []
        box.advance(30)
        assert sorted(listed()) == [("31612345671", "NO"), ("31612345681", "YES")]


def test_a_stop_reply_unsubscribes_the_contact(conn, sandbox):
    hook = TextioProHook(conn)
    group = hook.create_group("Payout approvers")
    contact = hook.create_contact(group.uid, APPROVER)
    other = hook.create_contact(group.uid, "31612345672")
    sent = hook.send_message([APPROVER, "31612345672"], "Reply YES to release", sender_id="Payouts")
    inject(sandbox, APPROVER, "Stop sending me these")

    sensor = TextioProReplySensor(
        task_id="wait",
        numbers=[APPROVER, "31612345672"],
        after=sent.to_dict(),
        opt_out_group_uid=group.uid,
        poke_interval=0,
        timeout=5,
        deferrable=False,
        textiopro_conn_id=conn,
    )
    reply = sensor.execute(task_context(sensor))

    assert (reply["number"], reply["keyword"], reply["opted_out"]) == (APPROVER, "STOP", True)
    assert hook.get_contact(group.uid, contact.uid).subscribed is False
    assert hook.get_contact(group.uid, other.uid).subscribed is True


def voice_records(sandbox: Any) -> list[Any]:
    messages = sandbox.state.accounts[sandbox.token].messages.values()
    return [m for m in messages if m.sms_type == "voice"]


def test_a_voice_notifier_reaches_the_sandbox_with_language_and_gender(conn, sandbox):
    TextioProNotifier(
        recipients=APPROVER,
        message="The payout run failed.",
        type="voice",
        language="en-gb",
        gender="female",
        textiopro_conn_id=conn,
    ).notify({})

    (call,) = voice_records(sandbox)
    assert (call.to, call.channel) == (APPROVER, {"language": "en-gb", "gender": "female"})
    assert [(r.method, r.status) for r in sandbox.requests] == [("POST", 200)]


def test_a_voice_campaign_reaches_the_sandbox_with_language_and_gender(textiopro_conn, sandbox):
    hook = TextioProHook(textiopro_conn)
    group = hook.create_group("Night shift")
    hook.create_contact(group.uid, APPROVER)

    campaign = TextioProSendCampaignOperator(
        task_id="campaign",
        contact_list_ids=group.uid,
        message="The payout run failed.",
        sender_id="Ops",
        type="voice",
        language="en-gb",
        gender="male",
        textiopro_conn_id=textiopro_conn,
    )
    campaign.execute(task_context(campaign))

    campaign_requests = [r for r in sandbox.requests if r.path.endswith("/sms/campaign")]
    assert [(r.method, r.status) for r in campaign_requests] == [("POST", 200)]
    sandbox.advance(10)
    (call,) = voice_records(sandbox)
    assert (call.to, call.channel) == (APPROVER, {"language": "en-gb", "gender": "male"})


def test_the_sandbox_refuses_a_voice_campaign_without_language_and_gender(textiopro_conn, sandbox):
    hook = TextioProHook(textiopro_conn)
    group = hook.create_group("Night shift")
    headers = {"Authorization": f"Bearer {sandbox.token}", "Accept": "application/json"}
    body = {"contact_list_id": group.uid, "message": "Call", "sender_id": "Ops", "type": "voice"}

    answer = requests.post(f"{sandbox.url}/api/v3/sms/campaign", json=body, headers=headers, timeout=5).json()

    assert answer == {"status": "error", "message": "Language and gender parameters are required"}
