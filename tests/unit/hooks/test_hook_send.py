"""send_message: normalisation, chunks of 100, one outcome per recipient, partial failures."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import responses

from airflow_provider_textiopro.exceptions import (
    TextioProCampaignUntrackedError,
    TextioProError,
    TextioProInputError,
    TextioProSendUncertainError,
)
from airflow_provider_textiopro.hooks._internal.answers import NO_MESSAGE_REASON, reasons_by_number
from airflow_provider_textiopro.models import parse_display_date
from airflow_provider_textiopro.utils.batching import batched
from tests.support.hooks import V3, error, make_hook, ok

SEND = f"{V3}/sms/send"
ME = f"{V3}/me"
LATER = datetime(2099, 5, 1, 6, 30, tzinfo=timezone.utc)


def profile(zone: str | None) -> dict:
    """The data of ``GET me`` for an account in ``zone``."""
    return {"uid": "6065ecdc9184a", "first_name": "Jo", "email": "jo@example.com", "timezone": zone}


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
    posts = [call for call in responses.calls if call.request.method == "POST"]
    return [json.loads(call.request.body)["recipient"].split(",") for call in posts]


@responses.activate
def test_more_than_100_recipients_are_split_into_requests_of_at_most_100(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add_callback("POST", SEND, callback=echo)

    result = hook.send_message(numbers(250), "Hi")

    assert [len(chunk) for chunk in sent_recipients()] == [100, 100, 50]
    assert [o.recipient for o in result.outcomes] == numbers(250)
    assert result.uids == [f"u{n[-4:]}" for n in numbers(250)]
    assert (result.requests, len(result.refused), result.scheduled) == (3, 0, False)
    assert result.outcomes[0].cost == "1"
    assert result.outcomes[0].segments == 1


@responses.activate
def test_exactly_100_is_one_request(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add_callback("POST", SEND, callback=echo)
    hook.send_message(numbers(100), "Hi")
    assert len(responses.calls) == 1


def test_chunked():
    assert [len(c) for c in batched(list("x" * 250))] == [100, 100, 50]
    assert list(batched([])) == []
    assert list(batched(["x"])) == [["x"]]


@pytest.mark.parametrize(("count", "sizes"), [(101, [99, 2]), (201, [100, 99, 2])])
def test_chunked_never_leaves_one_number_alone_in_a_request(count, sizes):
    numbers_ = [str(index) for index in range(count)]

    chunks = list(batched(numbers_))

    assert [len(c) for c in chunks] == sizes
    assert [n for chunk in chunks for n in chunk] == numbers_


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
    responses.add("GET", ME, json=ok(profile("Asia/Kolkata")))
    responses.add("POST", SEND, json=ok(None, "Message is scheduled successfully."))

    result = hook.send_message(
        numbers(2), "Later", schedule_time=datetime(2099, 5, 1, 6, 30, tzinfo=timezone.utc)
    )

    assert json.loads(responses.calls[-1].request.body)["schedule_time"] == "2099-05-01 12:00"
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
        hook.send_message(all_numbers, "Hi", max_concurrent_requests=1)

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


def refusing(refused: set[str]):
    """A send callback answering like the platform: each number listed, ``refused`` ones Failed at cost 0."""

    def answer(request):
        recipients = json.loads(request.body)["recipient"].split(",")
        items = [
            {
                "uid": f"u{number[-4:]}",
                "to": number,
                "customer_status": "Failed" if number in refused else "Delivered",
                "cost": "0" if number in refused else "1",
            }
            for number in recipients
        ]
        data = items if len(items) > 1 else {**items[0], "status": items[0].pop("customer_status")}
        return 200, {}, json.dumps(ok(data, "Your message was successfully delivered"))

    return answer


@responses.activate
def test_gateway_refusals_inside_a_bulk_send_are_refused(monkeypatch, caplog):
    hook, _ = make_hook(monkeypatch)
    everyone = numbers(150)
    responses.add_callback("POST", SEND, callback=refusing(set(everyone[10:])))

    result = hook.send_message(everyone, "Hi")

    assert result.to_dict()["accepted"] == 10
    assert result.to_dict()["refused"] == 140
    assert result.uids == [f"u{n[-4:]}" for n in everyone[:10]]
    assert [o.uid for o in result.refused] == [f"u{n[-4:]}" for n in everyone[10:]]
    assert {(o.status, o.cost) for o in result.refused} == {("Failed", "0")}
    assert "TextioPro accepted 10 of 150 recipients in 2 requests; 140 refused" in caplog.text


@responses.activate
def test_a_gateway_refusal_of_one_recipient_answered_as_a_message_is_refused(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    (number,) = numbers(1)
    responses.add_callback("POST", SEND, callback=refusing({number}))

    result = hook.send_message(number, "Hi")

    assert ([o.uid for o in result.refused], result.accepted, result.uids) == ([f"u{number[-4:]}"], [], [])


@responses.activate
def test_a_scheduled_send_to_one_recipient_that_went_out_at_once_says_so(monkeypatch, caplog):
    hook, _ = make_hook(monkeypatch, timezone="UTC")
    responses.add("GET", ME, json=ok(profile("UTC")))
    responses.add_callback("POST", SEND, callback=echo)
    (number,) = numbers(1)

    result = hook.send_message(number, "Later", schedule_time=LATER)

    assert json.loads(responses.calls[-1].request.body)["schedule_time"] == "2099-05-01 06:30"
    (outcome,) = result.outcomes
    assert (outcome.uid, outcome.status, outcome.sent_immediately) == (f"u{number[-4:]}", "Delivered", True)
    summary = result.to_dict()
    assert (summary["scheduled"], summary["sent_immediately"], summary["accepted"]) == (False, 1, 1)
    json.dumps(summary)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [
        f"TextioPro sent 1 message(s) at once although schedule_time was 2099-05-01 06:30: {number}. "
        "TextioPro ignores schedule_time in a request to a single recipient; they are not scheduled."
    ]
    assert "scheduled)" not in caplog.text


@responses.activate
def test_a_scheduled_send_never_leaves_one_recipient_alone_in_a_request(monkeypatch):
    hook, _ = make_hook(monkeypatch, timezone="UTC")
    responses.add("GET", ME, json=ok(profile("UTC")))
    responses.add("POST", SEND, json=ok(None, "Message is scheduled successfully."))

    result = hook.send_message(numbers(101), "Later", schedule_time=LATER)

    assert [len(chunk) for chunk in sent_recipients()] == [99, 2]
    assert (result.scheduled, len(result.sent_immediately)) == (True, 0)


# The account's time zone


@responses.activate
def test_schedule_time_is_written_in_the_profile_timezone_read_once(monkeypatch, caplog):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", ME, json=ok(profile("Asia/Kolkata")))
    responses.add("POST", SEND, json=ok(None, "Message is scheduled successfully."))

    hook.send_message(numbers(2), "Later", schedule_time=LATER)
    hook.send_message(numbers(2), "Later", schedule_time="2099-05-01 12:00")

    assert [call.request.method for call in responses.calls] == ["GET", "POST", "POST"]
    sent = [json.loads(call.request.body)["schedule_time"] for call in responses.calls[1:]]
    assert sent == ["2099-05-01 12:00", "2099-05-01 12:00"]
    assert "Schedule times are written in Asia/Kolkata, the account's timezone (its profile)." in caplog.text


@responses.activate
def test_a_send_without_schedule_time_does_not_read_the_profile(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add_callback("POST", SEND, callback=echo)

    hook.send_message(numbers(2), "Now")

    assert [call.request.url for call in responses.calls] == [SEND]


@responses.activate
def test_a_connection_timezone_other_than_the_profiles_is_used_with_a_warning(monkeypatch, caplog):
    hook, _ = make_hook(monkeypatch, timezone="Europe/Paris")
    responses.add("GET", ME, json=ok(profile("Asia/Kolkata")))
    responses.add("POST", SEND, json=ok(None, "Message is scheduled successfully."))

    hook.send_message(numbers(2), "Later", schedule_time=LATER)

    assert json.loads(responses.calls[-1].request.body)["schedule_time"] == "2099-05-01 08:30"
    differ = "The connection's timezone Europe/Paris differs from the account's timezone Asia/Kolkata"
    assert differ in caplog.text


@responses.activate
def test_an_unreadable_profile_without_connection_timezone_sends_nothing(monkeypatch):
    hook, _ = make_hook(monkeypatch, max_retries=0)
    responses.add("GET", ME, json=error("Unauthenticated."))

    with pytest.raises(TextioProError, match="Cannot read the account's timezone") as info:
        hook.send_message(numbers(2), "Later", schedule_time=LATER)

    assert "Set the connection extra 'timezone'" in str(info.value)
    assert [call.request.method for call in responses.calls] == ["GET"]


# send_campaign reads back the campaign TextioPro answered

CAMPAIGN_SEND = f"{V3}/sms/campaign"
GROUP = "6415907d0d37a"
OLD = "606812e63f78b"


def display(moment: datetime) -> str:
    """A date as the dashboard writes it, e.g. ``3rd Dec 27, 2:34 AM``."""
    suffix = "th" if 11 <= moment.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(moment.day % 10, "th")
    return f"{moment.day}{suffix} {moment:%b %y}, {moment.hour % 12 or 12}:{moment:%M %p}"


def answer_campaign(message: str, created: datetime) -> None:
    """Answer the send with uid OLD, and its view with ``message`` created at ``created``."""
    responses.add("POST", CAMPAIGN_SEND, json=ok({"uid": OLD, "campaign_name": "api", "status": "queued"}))
    view = {"id": OLD, "name": "api", "message": message, "status": "queued", "created_at": display(created)}
    responses.add("GET", f"{V3}/campaign/{OLD}/view", json=ok(view))


def test_display_dates_are_read():
    assert parse_display_date("3rd Dec 27, 2:34 AM") == datetime(2027, 12, 3, 2, 34)
    assert parse_display_date("29th Jan 27, 12:05 PM") == datetime(2027, 1, 29, 12, 5)
    assert parse_display_date(display(datetime(2026, 12, 11, 0, 7))) == datetime(2026, 12, 11, 0, 7)
    assert parse_display_date("yesterday") is None


@pytest.mark.parametrize("skew", [timedelta(0), timedelta(minutes=-4), timedelta(hours=1)])
@responses.activate
def test_a_campaign_read_back_as_the_one_sent_is_returned(monkeypatch, skew):
    hook, _ = make_hook(monkeypatch)
    answer_campaign("Sale today", datetime.now(timezone.utc) + skew)

    campaign = hook.send_campaign(GROUP, "Sale today", sender_id="Shop")

    assert campaign.uid == OLD
    assert [call.request.method for call in responses.calls] == ["POST", "GET"]


@pytest.mark.parametrize(
    ("message", "age", "reason"),
    [
        ("Another text", timedelta(0), "that campaign's message is 'Another text', not the one just sent"),
        ("Sale today", timedelta(days=3), "that campaign was created "),
    ],
    ids=["other-message", "created-long-ago"],
)
@responses.activate
def test_another_campaigns_uid_fails_as_untracked_and_sends_once(monkeypatch, message, age, reason):
    hook, _ = make_hook(monkeypatch, timezone="UTC")
    responses.add("GET", ME, json=ok(profile("UTC")))
    answer_campaign(message, datetime.now(timezone.utc) - age)

    with pytest.raises(TextioProCampaignUntrackedError) as info:
        hook.send_campaign(GROUP, "Sale today", sender_id="Shop")

    text = str(info.value)
    assert reason in text
    assert f"TextioPro sent the campaign, but the uid it answered ({OLD}) is not known to be the new" in text
    assert "https://app.textiopro.com/campaigns" in text
    assert info.value.answered_uid == OLD
    assert isinstance(info.value, TextioProSendUncertainError)
    assert [c.request.url for c in responses.calls if c.request.method == "POST"] == [CAMPAIGN_SEND]


@responses.activate
def test_a_campaign_created_now_in_the_accounts_timezone_is_the_one_sent(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", ME, json=ok(profile("Asia/Kolkata")))
    answer_campaign("Sale today", datetime.now(ZoneInfo("Asia/Kolkata")).replace(tzinfo=timezone.utc))

    assert hook.send_campaign(GROUP, "Sale today", sender_id="Shop").uid == OLD


@responses.activate
def test_a_campaign_that_cannot_be_read_back_is_untracked(monkeypatch):
    hook, _ = make_hook(monkeypatch, max_retries=0)
    responses.add("POST", CAMPAIGN_SEND, json=ok({"uid": OLD, "campaign_name": "api", "status": "queued"}))
    responses.add(
        "GET", f"{V3}/campaign/{OLD}/view", json=error(f"No query results for model [Campaigns] {OLD}")
    )

    with pytest.raises(TextioProCampaignUntrackedError, match="reading it back failed"):
        hook.send_campaign(GROUP, "Sale today", sender_id="Shop")
