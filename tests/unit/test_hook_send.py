"""send_message: normalisation, chunks of 100, one outcome per recipient, partial failures."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timezone

import pytest
import responses
from hook_support import V3, error, make_hook, ok

from airflow_provider_textiopro.errors import (
    TextioProInputError,
    TextioProSendUncertainError,
)
from airflow_provider_textiopro.outcomes import NO_MESSAGE_REASON, chunked, reasons_by_number

SEND = f"{V3}/sms/send"


def numbers(count: int) -> list[str]:
    """Distinct valid Dutch mobile numbers."""
    return [f"3161200{index:04d}" for index in range(count)]


def echo(request):
    """Answer a send as real servers do: one object for one recipient, else a list with customer_status."""
    recipients = json.loads(request.body)["recipient"].split(",")
    items = [
        {"uid": f"u{number[-4:]}", "to": number, "customer_status": "Delivered", "cost": "1", "sms_count": 1}
        for number in recipients
    ]
    data = items if len(items) > 1 else {**items[0], "status": items[0].pop("customer_status")}
    return 200, {}, json.dumps(ok(data))


def first_echoed_then(later):
    """A send callback: the first request is answered by :func:`echo`, every later one by ``later``."""
    requests = itertools.count(1)
    return lambda request: echo(request) if next(requests) == 1 else later(request)


def sent_recipients() -> list[list[str]]:
    return [json.loads(call.request.body)["recipient"].split(",") for call in responses.calls]


@responses.activate
def test_more_than_100_recipients_are_split_into_requests_of_at_most_100(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add_callback("POST", SEND, callback=echo)
    progress = []

    result = hook.send_message(
        numbers(250), "Hi", on_chunk_sent=lambda done, total: progress.append((done, total))
    )

    assert [len(chunk) for chunk in sent_recipients()] == [100, 100, 50]
    assert [o.recipient for o in result.outcomes] == numbers(250)
    assert result.uids == [f"u{n[-4:]}" for n in numbers(250)]
    assert (result.requests, len(result.refused), result.scheduled) == (3, 0, False)
    assert progress == [(100, 250), (200, 250), (250, 250)]
    assert result.outcomes[0].cost == "1"
    assert result.outcomes[0].segments == 1


@responses.activate
def test_exactly_100_is_one_request(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add_callback("POST", SEND, callback=echo)
    hook.send_message(numbers(100), "Hi")
    assert len(responses.calls) == 1


def test_chunked():
    assert [len(c) for c in chunked(list("x" * 201))] == [100, 100, 1]
    assert list(chunked([])) == []


@responses.activate
def test_single_recipient_answer_is_one_object_without_sms_count(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add(
        "POST",
        SEND,
        json=ok(
            {"uid": "6065ecdc9184a", "to": "31612345678", "from": "Me", "status": "Enroute", "cost": "0.5"}
        ),
    )

    result = hook.send_message("+31 6 1234 5678", "Hi")

    outcome = result.outcomes[0]
    assert (outcome.recipient, outcome.uid, outcome.status, outcome.cost, outcome.segments) == (
        "31612345678",
        "6065ecdc9184a",
        "Enroute",
        "0.5",
        None,
    )
    assert outcome.accepted


@pytest.mark.parametrize("separator", ["\n", ", ", ". ", "; "])
@responses.activate
def test_invalid_numbers_get_their_own_error_text(monkeypatch, separator):
    hook, _ = make_hook(monkeypatch)
    good, bad1, bad2, silent = numbers(4)
    message = separator.join(f"{bad} is a invalid phone number" for bad in (bad1, bad2))
    data = [{"uid": "u1", "to": good, "customer_status": "Delivered", "cost": "1"}]
    responses.add("POST", SEND, json=ok(data, message))

    result = hook.send_message([good, bad1, bad2, silent], "Hi")

    by_number = {o.recipient: o for o in result.outcomes}
    assert by_number[good].uid == "u1"
    assert by_number[bad1].error == f"{bad1} is a invalid phone number"
    assert by_number[bad2].error == f"{bad2} is a invalid phone number"
    assert by_number[silent].error.startswith(NO_MESSAGE_REASON)
    assert [o.recipient for o in result.refused] == [bad1, bad2, silent]


def test_reasons_by_number_needs_the_whole_number():
    assert reasons_by_number(["3161200001"], "31612000010 is a invalid phone number") == {}
    assert reasons_by_number(["31612000010"], "+31612000010 is a invalid phone number") == {
        "31612000010": "+31612000010 is a invalid phone number"
    }


@responses.activate
def test_items_in_another_format_are_paired_in_order(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    first, second = numbers(2)
    data = [
        {"uid": "a", "to": f"+{first}", "customer_status": "Delivered"},
        {"uid": "b", "to": "0612000001", "customer_status": "Accepted"},
    ]
    responses.add("POST", SEND, json=ok(data))

    result = hook.send_message([first, second], "Hi")

    assert [(o.recipient, o.uid, o.status) for o in result.outcomes] == [
        (first, "a", "Delivered"),
        (second, "b", "Accepted"),
    ]


@responses.activate
def test_scheduled_send_answering_null_data(monkeypatch):
    hook, _ = make_hook(monkeypatch, timezone="Asia/Kolkata")
    responses.add("POST", SEND, json=ok(None, "Message is scheduled successfully."))

    result = hook.send_message(
        numbers(2), "Later", schedule_time=datetime(2099, 5, 1, 6, 30, tzinfo=timezone.utc)
    )

    assert json.loads(responses.calls[0].request.body)["schedule_time"] == "2099-05-01 12:00"
    assert result.scheduled
    assert [(o.uid, o.status, o.accepted) for o in result.outcomes] == [(None, "scheduled", True)] * 2
    assert result.uids == []


@responses.activate
def test_gateway_refusal_of_a_single_message_is_a_refused_outcome(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("POST", SEND, status=403, json=error("Failed"))

    result = hook.send_message("31612345678", "Hi")

    outcome = result.outcomes[0]
    assert (outcome.uid, outcome.status, outcome.accepted, outcome.error) == (
        None,
        "Failed",
        False,
        "refused: Failed",
    )


@responses.activate
def test_gateway_refusal_of_every_number_of_a_request_gives_each_its_reason(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    first, second = numbers(2)
    text = f"{first} was refused by the gateway: Failed, {second} was refused by the gateway: Rejected"
    responses.add("POST", SEND, status=403, json=error(text))

    result = hook.send_message([first, second], "Hi")

    assert [(o.recipient, o.error) for o in result.refused] == [
        (first, f"{first} was refused by the gateway: Failed"),
        (second, f"{second} was refused by the gateway: Rejected"),
    ]


@responses.activate
def test_an_error_naming_every_number_of_a_request_refuses_them(monkeypatch):
    hook, _ = make_hook(monkeypatch)

    def all_invalid(request):
        recipients = json.loads(request.body)["recipient"].split(",")
        return 200, {}, json.dumps(error(", ".join(f"{n} is a invalid phone number" for n in recipients)))

    responses.add_callback("POST", SEND, callback=first_echoed_then(all_invalid))

    result = hook.send_message(numbers(102), "Hi")

    assert (len(result.accepted), len(result.refused)) == (100, 2)
    assert result.refused[0].error == f"{numbers(102)[100]} is a invalid phone number"


@responses.activate
def test_a_403_about_the_balance_is_raised_not_reported_as_a_refusal(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add(
        "POST", SEND, status=403, json=error("There is not enough balance available to send this message")
    )
    with pytest.raises(TextioProInputError, match="balance"):
        hook.send_message("31612345678", "Hi")


@responses.activate
def test_skipped_numbers_are_refused_outcomes_with_the_reason(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add_callback("POST", SEND, callback=echo)

    result = hook.send_message(["31612345678", "12", "+31 6 1234 5679"], "Hi", on_invalid="skip")

    assert sent_recipients() == [["31612345678", "31612345679"]]
    assert [o.recipient for o in result.accepted] == ["31612345678", "31612345679"]
    assert [o.recipient for o in result.refused] == ["12"]
    assert "not a usable phone number" in result.refused[0].error


@responses.activate
def test_only_unusable_numbers_with_skip_sends_nothing(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    result = hook.send_message(["12", "34"], "Hi", on_invalid="skip")
    assert (len(responses.calls), len(result.refused), result.requests) == (0, 2, 0)


@responses.activate
def test_default_region_of_the_connection_reads_national_numbers(monkeypatch):
    hook, _ = make_hook(monkeypatch, default_region="NL")
    responses.add_callback("POST", SEND, callback=echo)
    hook.send_message("06 1234 5678; 0612345678", "Hi")
    assert sent_recipients() == [["31612345678"]]


@responses.activate
def test_sender_falls_back_to_the_connection_default(monkeypatch):
    hook, _ = make_hook(monkeypatch, default_sender_id="Alerts")
    responses.add_callback("POST", SEND, callback=echo)
    hook.send_message("31612345678", "Hi")
    hook.send_message("31612345678", "Hi", sender_id="Other")
    assert [json.loads(c.request.body)["sender_id"] for c in responses.calls] == ["Alerts", "Other"]


@pytest.mark.parametrize("sender_id", [None, "", "   "])
@pytest.mark.parametrize(
    "send",
    [
        lambda hook, sender_id: hook.send_message("31612345678", "Hi", sender_id=sender_id),
        lambda hook, sender_id: hook.send_campaign("6415907d0d37a", "Hi", sender_id=sender_id),
    ],
    ids=["send_message", "send_campaign"],
)
@responses.activate
def test_no_sender_anywhere_is_refused_before_any_request(monkeypatch, send, sender_id):
    hook, _ = make_hook(monkeypatch, default_sender_id=None)

    with pytest.raises(TextioProInputError) as raised:
        send(hook, sender_id)

    message = str(raised.value)
    assert "sender_id" in message
    assert "default_sender_id" in message
    assert "Nothing was sent" in message
    assert len(responses.calls) == 0


@responses.activate
def test_a_later_request_maybe_sent_keeps_the_earlier_outcomes(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    bad_gateway = (502, {}, "<html>Bad Gateway</html>")
    responses.add_callback("POST", SEND, callback=first_echoed_then(lambda request: bad_gateway))
    all_numbers = numbers(250)

    with pytest.raises(TextioProSendUncertainError) as raised:
        hook.send_message(all_numbers, "Hi")

    error_ = raised.value
    assert len(responses.calls) == 2
    assert [o.recipient for o in error_.partial_result.outcomes] == all_numbers[:100]
    assert error_.uncertain_recipients == all_numbers[100:200]
    assert error_.unsent_recipients == all_numbers[200:]
    text = str(error_)
    assert "Request 2 of 3 failed" in text
    assert "100 recipients of the failed request may have been sent" in text
    assert "Not sent: 50 recipients" in text


@responses.activate
def test_a_later_request_refused_lists_everything_not_sent(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    no_balance = (403, {}, json.dumps(error("There is not enough balance available to send this message")))
    responses.add_callback("POST", SEND, callback=first_echoed_then(lambda request: no_balance))
    all_numbers = numbers(201)

    with pytest.raises(TextioProInputError) as raised:
        hook.send_message(all_numbers, "Hi")

    error_ = raised.value
    assert len(error_.partial_result.uids) == 100
    assert error_.uncertain_recipients == []
    assert error_.unsent_recipients == all_numbers[100:]
    assert "Not sent: 101 recipients" in str(error_)
    assert "and 91 more" in str(error_)


@responses.activate
def test_a_single_request_failure_is_raised_unchanged(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("POST", SEND, json=error("The sender id field is required."))
    with pytest.raises(TextioProInputError) as raised:
        hook.send_message("31612345678", "Hi")
    assert raised.value.partial_result is None
    assert "Request" not in str(raised.value)
