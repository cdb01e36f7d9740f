"""The send operator's personal texts, windows, suppression, dry run and private data (hook mocked)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from unittest import mock

import pytest

from airflow_provider_textiopro.exceptions import TextioProInputError, TextioProServerError
from airflow_provider_textiopro.models import Contact
from airflow_provider_textiopro.operators import messages
from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator
from airflow_provider_textiopro.utils.send_plan import SENSITIVE_TEXT
from airflow_provider_textiopro.utils.send_progress import REQUEST_KEY
from tests.support.task_state import FakeTaskStateStore, make_context
from tests.unit.operators.test_send_message_operator import failing_on_request, fake_send, hook, track

__all__ = ["hook"]  # the fixture, shared with the send operator's tests

ROWS = [{"PHONE": f"+3161234{i:04d}", "NAME": ("Jo", "Al", None)[i % 3]} for i in range(300)]


def run(context, **kwargs):
    kwargs.setdefault("task_id", "send")
    kwargs.setdefault("message", "Hi {NAME|there}")
    return TextioProSendMessageOperator(**kwargs).execute(context)


def sent_texts(hook):
    """Return (number, text) of every recipient of every request the hook made."""
    return [(r.lstrip("+"), c.args[1]) for c in hook.send_message.call_args_list for r in c.args[0]]


def test_rows_are_grouped_by_their_text(hook):
    result = run(make_context(), recipients=ROWS)

    assert [len(c.args[0]) for c in hook.send_message.call_args_list] == [100, 100, 100]
    assert {text for _, text in sent_texts(hook)} == {"Hi Jo", "Hi Al", "Hi there"}
    assert dict(sent_texts(hook)) == {
        row["PHONE"].lstrip("+"): f"Hi {row['NAME'] or 'there'}" for row in ROWS
    }
    assert [(t["text"], t["recipients"], t["total_segments"]) for t in result["plan"]["texts"]] == [
        ("Hi Jo", 100, 100),
        ("Hi Al", 100, 100),
        ("Hi there", 100, 100),
    ]
    assert result["accepted"] == 300


def test_a_tag_without_value_or_default_fails_before_any_request(hook):
    with pytest.raises(
        TextioProInputError, match=r"row 2 \(recipients\[1\]\) has no value for the tag \{CITY\}"
    ):
        run(
            make_context(),
            recipients=[{"PHONE": "+31612340000", "CITY": "Delft"}, {"PHONE": "+31612340001"}],
            message="In {CITY}",
        )
    hook.send_message.assert_not_called()


def test_tag_defaults_fill_missing_values(hook):
    run(
        make_context(),
        recipients=[{"PHONE": "+31612340000"}],
        message="In {CITY}",
        tag_defaults={"city": "town"},
    )
    assert sent_texts(hook) == [("31612340000", "In town")]


def test_a_retry_sends_each_text_only_to_those_not_reached(hook):
    store, answered = FakeTaskStateStore(), Counter()
    track(hook, failing_on_request(2, TextioProServerError("TextioPro answered 502")), answered)
    with pytest.raises(TextioProServerError):
        run(make_context(store=store), recipients=ROWS)
    first = sent_texts(hook)[:100]

    hook.send_message.reset_mock()
    track(hook, fake_send, answered)
    result = run(make_context(try_number=2, store=store), recipients=ROWS)

    assert answered == Counter(row["PHONE"].lstrip("+") for row in ROWS)
    assert {text for _, text in sent_texts(hook)} == {"Hi Al", "Hi there"}
    assert set(first) | set(sent_texts(hook)) == {
        (r["PHONE"].lstrip("+"), f"Hi {r['NAME'] or 'there'}") for r in ROWS
    }
    assert {REQUEST_KEY.format(i) for i in range(4)} <= set(store.values)
    assert result["accepted"] == 300


def test_suppressed_recipients_are_not_sent_and_counted(hook):
    hook.list_contacts.return_value = iter(
        [Contact(uid="c1", phone="31612340001", status="unsubscribe"), Contact(uid="c2", phone="31612340002")]
    )
    result = run(
        make_context(),
        recipients=["+31612340000", "+31612340001", "+31612340002", "+31612340003"],
        message="Hello",
        suppress=lambda: ["06 1234 0003"],
        suppress_unsubscribed_in="6065ecdc9184a",
    )

    assert [n for n, _ in sent_texts(hook)] == ["31612340000", "31612340002"]
    assert result["suppressed"] == 2
    assert result["refused"] == 0
    assert [(o["recipient"], o["status"]) for o in result["outcomes"][2:]] == [
        ("31612340001", "suppressed"),
        ("31612340003", "suppressed"),
    ]
    hook.list_contacts.assert_called_once_with("6065ecdc9184a")


def test_everyone_suppressed_sends_nothing_and_succeeds(hook):
    result = run(make_context(), recipients=["+31612340000"], message="Hello", suppress="+31612340000")
    hook.send_message.assert_not_called()
    assert (result["accepted"], result["suppressed"]) == (0, 1)


def test_a_window_and_a_schedule_time_together_are_refused(hook):
    with pytest.raises(TextioProInputError, match="send_window or schedule_time"):
        run(make_context(), recipients=ROWS, send_window=("09:00", "21:00"), schedule_time="2099-01-01 10:00")
    hook.send_message.assert_not_called()


def test_window_groups_go_with_schedule_time_or_are_held(hook, monkeypatch):
    now = datetime(2027, 1, 15, 13, 0, tzinfo=timezone.utc)  # 14:00 Amsterdam, 08:00 New York
    monkeypatch.setattr(messages, "utc_now", lambda: now)
    held = []
    monkeypatch.setattr(messages, "sleep_until", held.append)
    recipients = ["+31612340000", "+12125550101", "+12125550102", "+61293744000"]

    result = run(make_context(), recipients=recipients, message="Hello", send_window=("09:00", "21:00"))

    calls = [
        (sorted(r.lstrip("+") for r in c.args[0]), c.kwargs["schedule_time"])
        for c in hook.send_message.call_args_list
    ]
    assert calls == [
        (["31612340000"], None),
        (["12125550101", "12125550102"], "2027-01-15 14:00"),
        (["61293744000"], None),
    ]
    assert held == [datetime(2027, 1, 15, 22, 0, tzinfo=timezone.utc)]
    assert [s["how"] for s in result["plan"]["steps"]] == ["now", "schedule_time", "hold in the task"]


def test_an_opening_too_near_for_schedule_time_is_held(hook, monkeypatch):
    now = datetime(2027, 1, 15, 13, 59, 30, tzinfo=timezone.utc)  # New York opens in 30 s
    monkeypatch.setattr(messages, "utc_now", lambda: now)
    held = []
    monkeypatch.setattr(messages, "sleep_until", held.append)

    run(
        make_context(),
        recipients=["+12125550101", "+12125550102"],
        message="Hi",
        send_window=("09:00", "21:00"),
    )

    assert held == [datetime(2027, 1, 15, 14, 0, tzinfo=timezone.utc)]
    assert hook.send_message.call_args.kwargs["schedule_time"] is None


def test_a_dry_run_sends_nothing_and_returns_the_plan(hook, logged):
    result = run(make_context(), recipients=ROWS, dry_run=True, check_balance=True)

    hook.send_message.assert_not_called()
    hook.send_prepared.assert_not_called()
    hook.get_balance.assert_called_once()
    assert result["dry_run"] is True
    assert result["plan"]["estimated_segments"] == 300
    assert "DRY RUN: nothing was sent" in logged()


def test_the_connection_forces_a_dry_run(hook):
    type(hook).dry_run = mock.PropertyMock(return_value=True)
    result = run(make_context(), recipients=["+31612340000"], message="Hello")
    hook.send_message.assert_not_called()
    assert result["dry_run"] is True


def test_otp_is_sensitive_by_default_and_rendered_as_a_placeholder(hook):
    task = TextioProSendMessageOperator(
        task_id="otp",
        recipients="+31612340000",
        message="Code {{ params.code }}",
        type="otp",
        sender_id="Acme",
    )
    assert task.sensitive is True
    assert TextioProSendMessageOperator(task_id="t", recipients="1", message="m").sensitive is False
    with mock.patch.object(messages, "mask_secret") as masked:
        task.render_template_fields({"params": {"code": "482913"}})
    masked.assert_called_once_with("Code 482913")
    assert task.message == SENSITIVE_TEXT
    result = task.execute(make_context())
    assert sent_texts(hook) == [("31612340000", "Code 482913")]
    assert "482913" not in str(result)


def test_masked_recipients(hook):
    result = run(
        make_context(), recipients=[*ROWS[:2], {"PHONE": "bad"}], store_recipients="masked", on_invalid="skip"
    )
    assert [o["recipient"] for o in result["outcomes"]] == ["+3161****000", "+3161****001"]
    assert result["invalid"] == [{"recipient": "(not shown)", "reason": "not a usable phone number"}]
    assert "31612340000" not in str(result)
    assert result["uids"]


def test_store_recipients_must_be_full_or_masked():
    with pytest.raises(TextioProInputError, match="store_recipients"):
        TextioProSendMessageOperator(task_id="t", recipients="1", message="m", store_recipients="hidden")
