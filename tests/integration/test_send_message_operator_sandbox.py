"""The send-message operator against the sandbox over a real socket."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from airflow_provider_textiopro.exceptions import TextioProError, TextioProInputError
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.links import MESSAGE_URL_XCOM_KEY
from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator
from airflow_provider_textiopro.version_compat import AirflowFailException
from tests.support.contact_helpers import task_context
from tests.support.sandbox import post_statuses, set_conn_extra

pytestmark = pytest.mark.integration

NL_MOBILES = [f"+31 6 1234 {i:04d}" for i in range(250)]
REFUSED = "+44 7700 900008"
SEND = "/sms/send"


def run(**kwargs):
    kwargs.setdefault("message", "Hello from Airflow")
    task = TextioProSendMessageOperator(task_id="send", **kwargs)
    context = task_context(task)
    return task.execute(context), context


def test_single_recipient(textiopro_conn, sandbox):
    result, context = run(recipients="+31 6 1234 5678", sender_id="Airflow")

    assert result["accepted"] == 1
    assert result["refused"] == 0
    (uid,) = result["uids"]
    assert result["outcomes"] == [
        {
            "recipient": "31612345678",
            "uid": uid,
            "status": "Enroute",
            "error": None,
            "cost": "1",
            "segments": 1,
            "sent_immediately": False,
        }
    ]
    assert (result["cost"], result["total_segments"], result["encoding"]) == ("1", 1, "GSM-7")
    message = TextioProHook(textiopro_conn).get_message(uid)
    assert (message.to, message.sender, message.message) == ("31612345678", "Airflow", "Hello from Airflow")
    context["ti"].xcom_push.assert_called_once_with(
        key=MESSAGE_URL_XCOM_KEY, value=f"{sandbox.url}/reports/{uid}/view"
    )
    assert post_statuses(sandbox, SEND) == [200]
    assert json.loads(json.dumps(result)) == result


def test_api_token_style(textiopro_conn_api_token, sandbox):
    result, _ = run(recipients=["31612345678", "447911123456"])
    assert result["accepted"] == 2
    assert len(set(result["uids"])) == 2
    assert post_statuses(sandbox, SEND) == [200]


def test_250_recipients_in_three_requests(textiopro_conn, sandbox, logged):
    result, _ = run(recipients=NL_MOBILES + NL_MOBILES[:10], message="x" * 200)

    assert post_statuses(sandbox, SEND) == [200, 200, 200]
    assert result["accepted"] == 250
    assert len(set(result["uids"])) == 250
    assert (result["segments_per_message"], result["total_segments"], result["cost"]) == (2, 500, "500")
    text = logged()
    assert "2 segment(s) per recipient, 250 recipient(s) = 500 segment(s)" in text
    # The last two requests (100 and 50 recipients) are in flight at once: either may be answered first.
    for progress in (
        "Sent 100 of 250 recipients",
        "Sent 250 of 250 recipients",
    ):
        assert progress in text
    assert "Sent 200 of 250 recipients" in text or "Sent 150 of 250 recipients" in text


def test_national_numbers_with_the_connection_region(textiopro_conn, sandbox, monkeypatch):
    set_conn_extra(monkeypatch, textiopro_conn, default_region="NL")
    result, _ = run(recipients="06 1234 5678\n0031 6 1234 5679; 06-12345678")
    assert [o["recipient"] for o in result["outcomes"]] == ["31612345678", "31612345679"]


def test_invalid_numbers_fail_before_sending(textiopro_conn, sandbox):
    with pytest.raises(TextioProInputError, match="2 of 3 recipients are not usable") as info:
        run(recipients="31612345678, 0612345678, 12")
    assert "0612345678: it looks like a national number without country code" in str(info.value)
    assert post_statuses(sandbox, SEND) == []


def test_invalid_numbers_skipped(textiopro_conn, sandbox):
    result, _ = run(recipients=["31612345678", "0612345678", "12"], on_invalid="skip")
    assert result["accepted"] == 1
    assert [i["recipient"] for i in result["invalid"]] == ["0612345678", "12"]
    assert post_statuses(sandbox, SEND) == [200]


def test_gateway_refusal_is_reported(textiopro_conn, sandbox, logged):
    result, _ = run(recipients=["31612345678", REFUSED])
    assert (result["accepted"], result["refused"], len(result["uids"])) == (1, 1, 1)
    refused = result["outcomes"][1]
    assert refused == {
        "recipient": "447700900008",
        "uid": None,
        "status": None,
        "error": "447700900008 was refused by the gateway: Failed",
        "cost": None,
        "segments": None,
        "sent_immediately": False,
    }
    assert (
        "Refused recipients:\n  - 447700900008: 447700900008 was refused by the gateway: Failed" in logged()
    )


def test_only_refused_recipients_fail(textiopro_conn, sandbox):
    with pytest.raises(TextioProInputError, match="TextioPro refused every recipient"):
        run(recipients=REFUSED)


@pytest.mark.parametrize(
    ("kwargs", "sms_type"),
    [
        ({"type": "plain"}, "plain"),
        ({"type": "plain", "message": "Prix: 10 € — merci"}, "unicode"),
        ({"type": "unicode"}, "unicode"),
        ({"type": "voice", "language": "en-gb", "gender": "female"}, "voice"),
        ({"type": "mms", "media_url": "https://example.com/image.jpg"}, "mms"),
        ({"type": "whatsapp", "sender_id": "waba.1234567890123"}, "whatsapp"),
        ({"type": "whatsapp", "media_url": "https://example.com/doc.pdf"}, "whatsapp"),
        ({"type": "viber", "sender_id": "Viber Service Name"}, "viber"),
        ({"type": "otp", "message": "Your code is 123456", "dlt_template_id": "1107160000000000001"}, "otp"),
    ],
)
def test_every_channel(textiopro_conn, sandbox, kwargs, sms_type):
    result, _ = run(recipients="31612345678", **kwargs)
    assert result["type"] == kwargs["type"]
    (uid,) = result["uids"]
    assert [m.uid for m in TextioProHook(textiopro_conn).list_messages()] == [uid]
    assert post_statuses(sandbox, SEND) == [200]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"type": "voice", "language": "en-gb"}, "Type 'voice' requires gender"),
        ({"type": "mms", "media_url": "not a url"}, "is not a valid http(s) URL"),
        ({"type": "plain", "gender": "male"}, "gender cannot be used with type 'plain'"),
        ({"sender_id": "TooLongSenderName"}, "Sender id 'TooLongSenderName' cannot be used"),
        ({"message": "x" * 161, "max_segments": 1}, "takes 2 segments"),
        ({"schedule_time": "2001-01-01 10:00"}, "is in the past"),
    ],
)
def test_bad_parameters_send_nothing(textiopro_conn, sandbox, kwargs, error):
    with pytest.raises(TextioProInputError) as info:
        run(recipients="31612345678", **kwargs)
    assert error in str(info.value)
    assert sandbox.requests == []


def test_schedule_time(textiopro_conn, sandbox, monkeypatch):
    set_conn_extra(monkeypatch, textiopro_conn, timezone="Europe/Paris")
    when = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(days=1)
    result, context = run(recipients=["31612345678", "447911123456"], schedule_time=when)

    assert (result["scheduled"], result["accepted"], result["uids"], result["cost"]) == (True, 2, [], None)
    assert {o["status"] for o in result["outcomes"]} == {"scheduled"}
    context["ti"].xcom_push.assert_not_called()
    # The sandbox reads "Y-m-d H:i" in UTC, its accounts' timezone: it got the Paris wall-clock time.
    paris_wall_clock = when.astimezone(ZoneInfo("Europe/Paris")).replace(tzinfo=timezone.utc)
    stored = sandbox.state.accounts[sandbox.token].messages.values()
    assert {m.sent_at for m in stored} == {paris_wall_clock.timestamp()}
    assert post_statuses(sandbox, SEND) == [200]


def test_check_balance_refuses_a_send_bigger_than_the_balance(textiopro_conn, sandbox):
    # The sandbox starts every account with 1000 at 1 per segment: 250 x 5 segments do not fit.
    with pytest.raises(TextioProError, match=r"balance \(.*1,?000.*\) is less than the estimated 1250"):
        run(recipients=NL_MOBILES, message="y" * 700, check_balance=True)
    assert post_statuses(sandbox, SEND) == []


def test_check_balance_lets_a_small_send_through(textiopro_conn, sandbox):
    result, _ = run(recipients=NL_MOBILES[:3], check_balance=True)
    assert result["accepted"] == 3
    assert TextioProHook(textiopro_conn).get_balance().amount == 997


def test_templated_fields(textiopro_conn, sandbox):
    task = TextioProSendMessageOperator(
        task_id="send",
        recipients="{{ params.on_call | join(',') }}",
        message="Load of {{ ds }} failed",
        sender_id="{{ params.sender }}",
        type="{{ params.kind }}",
    )
    task.render_template_fields(
        {
            "params": {"on_call": ["31612345678", "447911123456"], "sender": "Ops", "kind": "plain"},
            "ds": "2030-01-01",
        }
    )
    result = task.execute(task_context(task))
    assert result["accepted"] == 2
    message = TextioProHook(textiopro_conn).get_message(result["uids"][0])
    assert (message.message, message.sender) == ("Load of 2030-01-01 failed", "Ops")


def test_failure_after_a_partial_send_is_not_retried(textiopro_conn, sandbox, monkeypatch):
    set_conn_extra(monkeypatch, textiopro_conn, max_retries=0)
    sandbox.set_faults(rate_limit=1)
    with pytest.raises(AirflowFailException, match="after 100 of 250 recipients got the message"):
        run(recipients=NL_MOBILES, durable=False)
    assert len(post_statuses(sandbox, SEND)) == 2
    sandbox.clear_faults()
    assert sum(1 for _ in TextioProHook(textiopro_conn).list_messages()) == 100


def test_uncertain_send_is_not_retried(textiopro_conn, sandbox):
    sandbox.set_faults(fail_next_5xx=1, fail_mode="after")
    with pytest.raises(AirflowFailException, match="may or may not have reached TextioPro"):
        run(recipients="31612345678", durable=False)
    assert post_statuses(sandbox, SEND) == [500]
    assert sum(1 for _ in TextioProHook(textiopro_conn).list_messages()) == 1
