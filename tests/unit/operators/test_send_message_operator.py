from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_3_PLUS

from airflow_provider_textiopro.exceptions import (
    TextioProError,
    TextioProInputError,
    TextioProSendUncertainError,
    TextioProServerError,
)
from airflow_provider_textiopro.links import MESSAGE_URL_XCOM_KEY, TextioProMessageLink
from airflow_provider_textiopro.models import Balance, RecipientOutcome, SendResult
from airflow_provider_textiopro.operators.messages import MESSAGE_SEND_KEY, TextioProSendMessageOperator
from airflow_provider_textiopro.utils.batching import batched
from airflow_provider_textiopro.utils.send_progress import REQUEST_KEY, SendProgress, took_no_effect
from airflow_provider_textiopro.version_compat import AirflowFailException, ResumableJobMixin
from tests.support.task_state import FakeTaskStateStore, make_context

NL_MOBILES = [f"3161234{i:04d}" for i in range(250)]


def fake_send(recipients, message, *, schedule_time=None, refuse=(), **kwargs):
    """Answer like the hook for one request: one outcome per recipient."""
    assert len(recipients) <= 100
    outcomes = []
    for number in (r.lstrip("+") for r in recipients):
        if number in refuse:
            outcomes.append(RecipientOutcome(recipient=number, error="Number contains in the blacklist"))
        elif schedule_time:
            outcomes.append(RecipientOutcome(recipient=number, status="scheduled"))
        else:
            outcomes.append(
                RecipientOutcome(
                    recipient=number, uid=f"u{number[-6:]}", status="Delivered", cost="0.05", segments=1
                )
            )
    return SendResult(outcomes=outcomes, requests=1)


def failing_on_request(number, error):
    """Return a hook send that raises ``error`` on its request ``number`` (1-based) and answers the others."""
    calls = []

    def send(recipients, message, **kwargs):
        calls.append(list(recipients))
        if len(calls) == number:
            raise error
        return fake_send(recipients, message, **kwargs)

    return send


def per_request(hook):
    """Answer ``send_prepared`` as the hook does with one request in flight at a time (via ``send_message``).

    Each request is written down before it leaves and replaced by its answer (or "not processed" after an
    error that proves it took no effect); ``hook.send_message`` (the mock the tests look at) gets the
    request's numbers with '+' and the checked fields of the send as keyword arguments.
    """

    def send_prepared(batch, *, progress=None, max_concurrent_requests=None):
        fields = dict(batch.fields)
        message = fields.pop("message")
        kwargs = {"schedule_time": None, "dlt_template_id": None, **fields}
        if batch.extra:
            kwargs["extra_params"] = batch.extra
        outcomes = []
        for record in (progress or SendProgress()).plan(list(batched(batch.numbers))):
            record.leaving()
            try:
                result = hook.send_message([f"+{number}" for number in record.numbers], message, **kwargs)
            except Exception as error:
                if took_no_effect(error):
                    record.not_processed()
                raise
            record.answered(result.outcomes)
            outcomes += result.outcomes
        return SendResult(outcomes=outcomes)

    return send_prepared


@pytest.fixture
def hook():
    with mock.patch("airflow_provider_textiopro.hooks.textiopro.TextioProHook", autospec=True) as cls:
        instance = cls.return_value
        instance.send_prepared.side_effect = per_request(instance)
        instance.hook_class = cls
        instance.default_region = "NL"
        instance.timezone = "UTC"
        instance.default_sender_id = "Acme"
        instance.send_message.side_effect = fake_send
        instance.dashboard_url.side_effect = lambda kind, uid: f"https://app.textiopro.com/reports/{uid}/view"
        instance.get_balance.return_value = Balance(remaining="1,000", amount=Decimal(1000))
        yield instance


@pytest.fixture
def context():
    return make_context()


def run(context, **kwargs):
    kwargs.setdefault("task_id", "send")
    kwargs.setdefault("message", "Hello")
    return TextioProSendMessageOperator(**kwargs).execute(context)


def test_single_recipient(hook, context):
    result = run(context, recipients="06 1234 5678")

    hook.send_message.assert_called_once_with(
        ["+31612345678"],
        "Hello",
        sender_id="Acme",
        type="plain",
        schedule_time=None,
        dlt_template_id=None,
    )
    assert result == {
        "uids": ["u345678"],
        "outcomes": [
            {
                "recipient": "31612345678",
                "uid": "u345678",
                "status": "Delivered",
                "error": None,
                "cost": "0.05",
                "segments": 1,
                "sent_immediately": False,
            }
        ],
        "accepted": 1,
        "refused": 0,
        "invalid": [],
        "schedule_time": None,
        "type": "plain",
        "encoding": "GSM-7",
        "characters": 5,
        "segments_per_message": 1,
        "total_segments": 1,
        "cost": "0.05",
        "scheduled": False,
        "sent_immediately": 0,
    }
    assert json.loads(json.dumps(result)) == result
    context["ti"].xcom_push.assert_called_once_with(
        key=MESSAGE_URL_XCOM_KEY, value="https://app.textiopro.com/reports/u345678/view"
    )
    hook.get_balance.assert_not_called()


def test_uses_the_connection(hook, context):
    run(context, recipients="31612345678", textiopro_conn_id="other")
    hook.hook_class.assert_called_once_with(textiopro_conn_id="other")


def test_large_send_logs_progress_and_segments(hook, context, logged):
    result = run(context, recipients=",".join(NL_MOBILES), message="x" * 200)

    assert result["accepted"] == 250
    assert result["segments_per_message"] == 2
    assert result["total_segments"] == 250
    assert result["cost"] == "12.50"
    text = logged()
    assert (
        "The message is 200 characters, encoding GSM-7, 2 segment(s) per recipient, 250 recipient(s) = 500"
        in text
    )
    for done in ("Sent 100 of 250", "Sent 200 of 250", "Sent 250 of 250"):
        assert done in text
    assert [len(c.args[0]) for c in hook.send_message.call_args_list] == [100, 100, 50]


def test_server_segments_are_summed_and_missing_ones_estimated(hook, context):
    hook.send_message.side_effect = None
    hook.send_message.return_value = SendResult(
        outcomes=[
            RecipientOutcome(recipient="31612345678", uid="a", status="Delivered", cost="0.1", segments=3),
            RecipientOutcome(recipient="447911123456", uid="b", status="Delivered", cost=None),
        ]
    )
    result = run(context, recipients=["31612345678", "+447911123456"], message="y" * 170)
    assert result["total_segments"] == 3 + 2
    assert result["cost"] is None


def test_invalid_numbers_fail_before_any_request(hook, context):
    with pytest.raises(TextioProInputError, match=r"1 of 2 recipients are not usable phone numbers") as info:
        run(context, recipients="31612345678, 123")
    assert "- 123: not a valid phone number" in str(info.value)
    hook.send_message.assert_not_called()


def test_invalid_numbers_skipped_and_reported(hook, context, logged):
    result = run(context, recipients=["31612345678", "123", "31612345678"], on_invalid="skip")
    assert hook.send_message.call_args.args[0] == ["+31612345678"]
    assert result["invalid"] == [{"recipient": "123", "reason": mock.ANY}]
    assert "too short" in result["invalid"][0]["reason"]
    assert "Skipping 1 unusable number(s) (on_invalid='skip'):\n  - 123: not a valid" in logged()


def test_only_invalid_numbers_skipped_sends_nothing(hook, context):
    with pytest.raises(TextioProInputError, match="None of the 2 recipients is a usable phone number"):
        run(context, recipients="123, 456", on_invalid="skip")
    hook.send_message.assert_not_called()


def test_refused_recipients_are_reported(hook, context, logged):
    hook.send_message.side_effect = lambda *a, **k: fake_send(*a, refuse={"447911123456"}, **k)
    result = run(context, recipients="31612345678, +44 7911 123456")
    assert result["accepted"] == 1
    assert result["refused"] == 1
    assert result["uids"] == ["u345678"]
    text = logged()
    assert "TextioPro accepted 1 recipient(s) and refused 1; 1 segment(s), cost 0.05." in text
    assert "Refused recipients:\n  - 447911123456: Number contains in the blacklist" in text


def test_every_recipient_refused_fails(hook, context):
    hook.send_message.side_effect = lambda *a, **k: fake_send(*a, refuse={"31612345678"}, **k)
    with pytest.raises(TextioProInputError, match="TextioPro refused every recipient"):
        run(context, recipients="31612345678")
    context["ti"].xcom_push.assert_not_called()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"type": "voice", "language": "en-gb"}, "Type 'voice' requires gender"),
        ({"type": "voice", "language": "xx", "gender": "male"}, "Unknown language 'xx'"),
        ({"type": "mms"}, "Type 'mms' requires media_url"),
        ({"type": "mms", "media_url": "file:///etc/passwd"}, "is not a valid http(s) URL"),
        ({"type": "plain", "language": "en-gb"}, "language cannot be used with type 'plain'"),
        ({"message": "  "}, "The message is empty"),
        ({"sender_id": "A very long sender"}, "Sender id 'A very long sender' cannot be used"),
        ({"schedule_time": "2000-01-01 10:00"}, "is in the past"),
        ({"schedule_time": "next week"}, "cannot be read"),
        (
            {"message": "z" * 161, "max_segments": 1},
            "takes 2 segments (161 characters, GSM-7), more than max",
        ),
        (
            {"type": "unicode", "message": "z" * 71, "max_segments": 1},
            "takes 2 segments (71 characters, UCS-2)",
        ),
        ({"recipients": []}, "No recipient given"),
    ],
)
def test_bad_parameters_fail_before_any_request(hook, context, kwargs, error):
    kwargs.setdefault("recipients", "31612345678")
    with pytest.raises(TextioProInputError) as info:
        run(context, check_balance=True, **kwargs)
    assert error in str(info.value)
    hook.send_message.assert_not_called()
    hook.get_balance.assert_not_called()


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        (
            {"type": "voice", "language": "EN-GB", "gender": "female"},
            {"language": "en-gb", "gender": "female"},
        ),
        (
            {"type": "mms", "media_url": "https://example.com/a.jpg"},
            {"media_url": "https://example.com/a.jpg"},
        ),
        ({"type": "whatsapp", "sender_id": "my.whatsapp.business.id"}, {}),
        (
            {"type": "viber", "media_url": "https://example.com/v.mp4"},
            {"media_url": "https://example.com/v.mp4"},
        ),
        ({"type": "otp", "dlt_template_id": "1107160000000000001"}, {}),
        ({"type": "unicode"}, {}),
    ],
)
def test_channels(hook, context, kwargs, fields):
    result = run(context, recipients="31612345678", **kwargs)
    call = hook.send_message.call_args
    assert call.kwargs["type"] == kwargs["type"]
    assert {k: call.kwargs[k] for k in ("language", "gender", "media_url") if k in call.kwargs} == fields
    assert call.kwargs["dlt_template_id"] == kwargs.get("dlt_template_id")
    assert result["type"] == kwargs["type"]
    assert result["encoding"] == ("UCS-2" if kwargs["type"] == "unicode" else "GSM-7")


def test_sender_id_phone_is_sent_as_digits(hook, context):
    run(context, recipients="31612345678", sender_id="+31 6 9999 0000")
    assert hook.send_message.call_args.kwargs["sender_id"] == "31699990000"


def test_schedule_time_in_the_connection_timezone(hook, context):
    hook.timezone = "Europe/Paris"
    when = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(days=2)
    result = run(context, recipients="31612345678", schedule_time=when)
    expected = when.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%d %H:%M")
    assert hook.send_message.call_args.kwargs["schedule_time"] == expected
    assert result["scheduled"] is True
    assert result["uids"] == []
    assert result["accepted"] == 1
    context["ti"].xcom_push.assert_not_called()


def test_a_scheduled_message_sent_at_once_is_reported_as_sent_not_scheduled(hook, context, logged):
    def sent_at_once(recipients, message, **kwargs):
        (number,) = (r.lstrip("+") for r in recipients)
        outcome = RecipientOutcome(
            recipient=number, uid="u1", status="Delivered", cost="1", sent_immediately=True
        )
        return SendResult(outcomes=[outcome], requests=1)

    hook.send_message.side_effect = sent_at_once
    when = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(days=2)

    result = run(context, recipients="31612345678", schedule_time=when)

    assert (result["scheduled"], result["sent_immediately"], result["accepted"], result["uids"]) == (
        False,
        1,
        1,
        ["u1"],
    )
    assert result["schedule_time"] == when.strftime("%Y-%m-%d %H:%M")
    assert result["outcomes"][0]["sent_immediately"] is True
    text = logged()
    assert "(scheduled)" not in text
    assert (
        f"TextioPro sent 1 message(s) at once, not at schedule_time {when:%Y-%m-%d %H:%M}: it ignores "
        "schedule_time in a request to a single recipient. They are not scheduled."
    ) in text


def test_recipients_refused_with_a_uid_are_not_counted_as_accepted(hook, context, logged):
    def refused_in_bulk(recipients, message, **kwargs):
        outcomes = [
            RecipientOutcome(
                recipient=number, uid=f"u{number[-6:]}", status="Failed", cost="0", error="refused: Failed"
            )
            if index >= 10
            else RecipientOutcome(recipient=number, uid=f"u{number[-6:]}", status="Delivered", cost="1")
            for index, number in enumerate(r.lstrip("+") for r in recipients)
        ]
        return SendResult(outcomes=outcomes, requests=1)

    hook.send_message.side_effect = refused_in_bulk

    result = run(context, recipients=NL_MOBILES[:100])

    assert (result["accepted"], result["refused"], len(result["uids"]), result["cost"]) == (10, 90, 10, "10")
    assert "TextioPro accepted 10 recipient(s) and refused 90" in logged()


@pytest.mark.parametrize(
    ("balance", "sends"),
    [
        (Balance(remaining="1,000", amount=Decimal(1000)), True),
        (Balance(remaining="500", amount=Decimal(500)), True),
        (Balance(remaining="Unlimited", unlimited=True), True),
        (Balance(remaining="n/a"), True),
        (Balance(remaining="₱499", amount=Decimal(499)), False),
    ],
)
def test_check_balance(hook, context, balance, sends):
    hook.get_balance.return_value = balance
    kwargs = {"recipients": NL_MOBILES, "message": "x" * 200, "check_balance": True}
    if sends:
        run(context, **kwargs)
        assert hook.send_message.call_count == 3
    else:
        with pytest.raises(TextioProError, match=r"balance \(₱499\) is less than the estimated 500 segment"):
            run(context, **kwargs)
        hook.send_message.assert_not_called()


def test_failure_before_anything_was_sent_propagates_for_retry(hook, context):
    hook.send_message.side_effect = TextioProServerError("TextioPro answered 500")
    with pytest.raises(TextioProServerError):
        run(context, recipients="31612345678")


def test_failure_after_a_partial_send_is_not_retried(hook, context):
    hook.send_message.side_effect = failing_on_request(2, TextioProServerError("TextioPro answered 502"))
    with pytest.raises(AirflowFailException, match=r"after 100 of 250 recipients got the message") as info:
        run(context, recipients=NL_MOBILES, durable=False)
    assert "send to the 150 remaining recipient(s) (the first is 31612340100)" in str(info.value)
    assert hook.send_message.call_count == 2


@pytest.mark.parametrize(
    "error", [TextioProSendUncertainError("no answer"), RuntimeError("connection pool broke")]
)
def test_uncertain_send_is_not_retried(hook, context, error):
    hook.send_message.side_effect = error
    with pytest.raises(AirflowFailException, match="may or may not have reached TextioPro"):
        run(context, recipients="31612345678", durable=False)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"on_invalid": "ignore"}, "on_invalid must be 'fail' or 'skip', not 'ignore'"),
        ({"type": "sms"}, "Unknown message type 'sms'"),
        ({"max_segments": 0}, "max_segments must be a whole number of at least 1, not 0"),
        ({"max_segments": "3"}, "max_segments must be a whole number of at least 1, not '3'"),
        ({"max_segments": True}, "max_segments must be a whole number of at least 1, not True"),
    ],
)
def test_literal_parameters_checked_at_init(kwargs, error):
    with pytest.raises(TextioProInputError) as info:
        TextioProSendMessageOperator(task_id="send", recipients="31612345678", message="Hi", **kwargs)
    assert error in str(info.value)


def test_templated_type_is_checked_at_execute(hook, context):
    op = TextioProSendMessageOperator(
        task_id="send", recipients="31612345678", message="Hi", type="{{ params.kind }}"
    )
    op.type = "fax"
    with pytest.raises(TextioProInputError, match="Unknown message type 'fax'"):
        op.execute(context)


def test_template_fields_render(hook, context):
    op = TextioProSendMessageOperator(
        task_id="send",
        recipients="{{ params.to }}",
        message="Load of {{ ds }} failed",
        sender_id="{{ params.sender }}",
        type="{{ params.kind }}",
        schedule_time="{{ params.when }}",
        language="{{ params.language }}",
        gender="{{ params.gender }}",
        media_url=None,
        dlt_template_id="{{ params.dlt }}",
    )
    params = {
        "to": "31612345678,447911123456",
        "sender": "Ops",
        "kind": "voice",
        "when": "2099-01-01 10:00",
        "language": "en-gb",
        "gender": "male",
        "dlt": "42",
    }
    op.render_template_fields({"params": params, "ds": "2030-01-01"})
    assert op.recipients == "31612345678,447911123456"
    assert op.message == "Load of 2030-01-01 failed"
    assert (op.sender_id, op.type, op.schedule_time) == ("Ops", "voice", "2099-01-01 10:00")
    assert (op.language, op.gender, op.dlt_template_id) == ("en-gb", "male", "42")

    result = op.execute(context)
    assert result["scheduled"] is True
    assert hook.send_message.call_args.args[0] == ["+31612345678", "+447911123456"]
    assert hook.send_message.call_args.kwargs["schedule_time"] == "2099-01-01 10:00"


def test_operator_declares_templates_and_link():
    assert set(TextioProSendMessageOperator.template_fields) >= {
        "recipients",
        "message",
        "sender_id",
        "schedule_time",
        "media_url",
        "language",
        "gender",
        "dlt_template_id",
        "type",
    }
    assert [type(link) for link in TextioProSendMessageOperator.operator_extra_links] == [
        TextioProMessageLink
    ]


def test_dynamic_task_mapping(hook, context):
    from airflow_provider_textiopro.version_compat import AIRFLOW_V_3_0_PLUS

    if AIRFLOW_V_3_0_PLUS:
        from airflow.sdk import DAG
    else:
        from airflow import DAG

    batches = [["31612345678", "447911123456"], "8801721970168"]
    with DAG("mapped_send", schedule=None, start_date=datetime(2030, 1, 1)):
        mapped = TextioProSendMessageOperator.partial(task_id="send", message="Hi", on_invalid="skip").expand(
            recipients=batches
        )
    assert mapped.operator_class is TextioProSendMessageOperator or (
        getattr(mapped.operator_class, "__name__", None) == "TextioProSendMessageOperator"
    )
    assert mapped.partial_kwargs["on_invalid"] == "skip"

    results = []
    for batch in batches:  # each mapped task instance has a task state of its own
        op = TextioProSendMessageOperator(task_id="send", message="Hi", on_invalid="skip", recipients=batch)
        results.append(op.execute(make_context()))
    assert [r["accepted"] for r in results] == [2, 1]
    assert [c.args[0] for c in hook.send_message.call_args_list] == [
        ["+31612345678", "+447911123456"],
        ["+8801721970168"],
    ]


def track(hook, send, answered):
    """Make ``send`` the hook's send; count in ``answered`` the numbers of each request it answers."""

    def counting(recipients, message, **kwargs):
        result = send(recipients, message, **kwargs)
        answered.update(r.lstrip("+") for r in recipients)
        return result

    hook.send_message.side_effect = counting


def test_operator_is_resumable():
    assert isinstance(
        TextioProSendMessageOperator(task_id="s", recipients="1", message="m"), ResumableJobMixin
    )


class TestRetries:
    def test_a_retry_sends_only_to_the_recipients_not_reached(self, hook, logged):
        store, answered = FakeTaskStateStore(), Counter()
        track(hook, failing_on_request(2, TextioProServerError("TextioPro answered 502")), answered)
        with pytest.raises(TextioProServerError, match="502"):
            run(make_context(store=store), recipients=NL_MOBILES)
        # Each request is written down before the first leaves: the one answered, the failed one (it took
        # no effect) and the one never sent are written down as not processed.
        assert set(store.values) == {REQUEST_KEY.format(i) for i in range(3)}
        assert [set(value) for value in store.values.values()] == [
            {"answer"},
            {"not_processed"},
            {"not_processed"},
        ]
        assert "a retry sends only to the 150 recipient(s) not reached yet" in logged()

        track(hook, fake_send, answered)
        result = run(make_context(try_number=2, store=store), recipients=NL_MOBILES)

        assert result["accepted"] == 250
        assert [o["recipient"] for o in result["outcomes"]] == NL_MOBILES
        assert [len(c.args[0]) for c in hook.send_message.call_args_list] == [100, 100, 100, 50]
        assert answered == Counter(NL_MOBILES)
        assert "sending to the 150 recipient(s) they did not reach" in logged()

    def test_a_retry_after_the_whole_send_sends_nothing(self, hook):
        store, answered = FakeTaskStateStore(), Counter()
        track(hook, fake_send, answered)
        first = run(make_context(store=store), recipients=NL_MOBILES, message="x" * 200)
        assert set(store.values) == {MESSAGE_SEND_KEY, *(REQUEST_KEY.format(i) for i in range(3))}
        assert "outcomes" not in store.values[MESSAGE_SEND_KEY]
        assert all(len(json.dumps(value)) < 65535 for value in store.values.values())

        context = make_context(try_number=2, store=store)
        again = run(
            context, recipients="no longer a number", message="x" * 200, schedule_time="2001-01-01 10:00"
        )

        assert again == first
        assert hook.send_message.call_count == 3
        assert answered == Counter(NL_MOBILES)
        context["ti"].xcom_push.assert_called_once_with(
            key=MESSAGE_URL_XCOM_KEY, value=f"https://app.textiopro.com/reports/{first['uids'][0]}/view"
        )

    def test_a_retry_of_a_send_refused_everywhere_fails_again_without_sending(self, hook):
        store = FakeTaskStateStore()
        hook.send_message.side_effect = lambda *a, **k: fake_send(*a, refuse={"31612345678"}, **k)
        for try_number in (1, 2):
            with pytest.raises(TextioProInputError, match="refused every recipient"):
                run(make_context(try_number=try_number, store=store), recipients="31612345678")
        assert hook.send_message.call_count == 1

    @pytest.mark.parametrize(
        "error",
        [TextioProSendUncertainError("no answer within 30 s"), KeyboardInterrupt("worker lost")],
        ids=["no-answer", "worker-lost"],
    )
    def test_recipients_of_an_unanswered_request_are_never_sent_again(self, hook, error):
        store, answered = FakeTaskStateStore(), Counter()
        track(hook, failing_on_request(2, error), answered)
        with pytest.raises(type(error)):
            run(make_context(store=store), recipients=NL_MOBILES)

        track(hook, fake_send, answered)
        for try_number in (2, 3):
            with pytest.raises(
                AirflowFailException, match=r"no answer to the request for 100 recipient"
            ) as info:
                run(make_context(try_number=try_number, store=store), recipients=NL_MOBILES)
            assert "(the first is 31612340100)" in str(info.value)

        assert [len(c.args[0]) for c in hook.send_message.call_args_list] == [100, 100, 50]
        assert answered == Counter(NL_MOBILES[:100] + NL_MOBILES[200:])


@pytest.mark.parametrize(
    "durable",
    [
        pytest.param(False, id="durable-false"),
    ],
)
def test_without_task_state_a_retry_sends_again_and_warns(hook, logged, durable):
    store = FakeTaskStateStore()
    kwargs = {} if durable is None else {"durable": durable}
    for try_number in (1, 2):
        run(make_context(try_number=try_number, store=store), recipients="31612345678", **kwargs)
    assert hook.send_message.call_count == 2
    assert store.values == {}
    text = logged()
    assert "Try 2: no task state keeps what earlier tries sent here" in text
    assert "if an earlier try sent it, this try sends it again" in text


def test_extra_params_go_to_every_request(hook, context):
    run(context, recipients="06 1234 5678", extra_params={"callback_url": "https://x.test/cb"})

    assert hook.send_message.call_args.kwargs["extra_params"] == {"callback_url": "https://x.test/cb"}


def test_extra_params_cannot_override_the_recipient(hook, context):
    with pytest.raises(TextioProInputError, match="extra_params cannot set recipient"):
        run(context, recipients="06 1234 5678", extra_params={"recipient": "31600000000"})
    hook.send_message.assert_not_called()


@pytest.mark.skipif(AIRFLOW_V_3_3_PLUS, reason="below Airflow 3.3 the task state is kept in a Variable")
def test_below_3_3_the_task_instance_s_variable_keeps_the_send_across_tries(hook, variables):
    context = make_context()
    context["ti"].configure_mock(dag_id="d", run_id="r", task_id="send", map_index=-1)
    task = TextioProSendMessageOperator(task_id="send", message="Hello", recipients=NL_MOBILES[:2])

    task.execute(context)  # the worker is lost before the task is marked done
    assert list(variables.values) == ["textiopro_task_state/d/r/send/-1"]
    context["ti"].try_number = 2
    result = task.execute(context)

    assert hook.send_message.call_count == 1
    assert result["accepted"] == 2
    task.post_execute(context, result)
    assert variables.values == {}
