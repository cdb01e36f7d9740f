"""TextioProReplySensor and TextioProReplyTrigger against a mocked hook: cursor, modes, timeout, opt-outs."""

from __future__ import annotations

import importlib
import json
import time
from unittest import mock

import pytest
from airflow.exceptions import AirflowRescheduleException
from airflow.providers.common.compat.sdk import AirflowSensorTimeout, TaskDeferred

from airflow_provider_textiopro.exceptions import TextioProInputError, TextioProServerError
from airflow_provider_textiopro.models import Contact, Message
from airflow_provider_textiopro.sensors.textiopro import REPLY_CURSOR_KEY, TextioProReplySensor
from airflow_provider_textiopro.triggers.textiopro import TextioProReplyTrigger
from tests.support.task_state import FakeTaskStateStore, make_context

BOSS = "31612345671"
DEPUTY = "31612345672"
TRIGGERS = "airflow_provider_textiopro.triggers.textiopro"


def inbound(uid: str, number: str, text: str) -> Message:
    return Message.from_api({"uid": uid, "to": "12025550100", "from": number, "message": text})


@pytest.fixture
def hook():
    fake = mock.MagicMock(name="TextioProHook()", default_region=None)
    fake.latest_message_uid.return_value = "start"
    fake.list_messages_since.return_value = []
    with mock.patch.object(TextioProReplySensor, "hook", new=property(lambda self: fake)):
        yield fake


@pytest.fixture
def context():
    context = make_context()
    # Airflow 2.11 looks up the reschedules of the task instance by these
    context["ti"].configure_mock(dag_id="d", task_id="t", run_id="r", map_index=-1, max_tries=0)
    context["ti"].get_first_reschedule_date.return_value = None
    return context


def sensor(**kwargs) -> TextioProReplySensor:
    return TextioProReplySensor(
        **{"task_id": "wait", "numbers": f"+{BOSS}", "poke_interval": 0, "deferrable": False, **kwargs}
    )


def test_poke_mode_records_the_cursor_once_and_returns_the_reply(hook, context):
    hook.list_messages_since.side_effect = [[], [inbound("r1", BOSS, "yes")]]

    result = sensor().execute(context)

    assert result == {"number": BOSS, "text": "yes", "uid": "r1", "keyword": "YES", "opted_out": False}
    hook.latest_message_uid.assert_called_once_with()
    assert hook.list_messages_since.call_args_list == [mock.call(["start"]), mock.call(["start"])]
    hook.update_contact.assert_not_called()


def test_after_a_send_result_is_the_cursor(hook, context):
    hook.list_messages_since.return_value = [inbound("r1", BOSS, "NO")]

    result = sensor(after={"uids": ["s1", "s2"], "accepted": 2}).execute(context)

    assert result["keyword"] == "NO"
    hook.latest_message_uid.assert_not_called()
    hook.list_messages_since.assert_called_once_with(["s1", "s2"])


def test_an_empty_list_makes_every_message_new(hook, context):
    hook.latest_message_uid.return_value = None
    hook.list_messages_since.return_value = [inbound("r1", BOSS, "YES")]

    sensor().execute(context)

    hook.list_messages_since.assert_called_once_with([])


def test_each_returns_one_reply_per_number_in_order(hook, context):
    hook.list_messages_since.return_value = [inbound("r2", BOSS, "NO"), inbound("r1", DEPUTY, "YES")]

    result = sensor(numbers=[BOSS, DEPUTY], wait_for="each").execute(context)

    assert [(r["number"], r["keyword"]) for r in result] == [(BOSS, "NO"), (DEPUTY, "YES")]


def test_deferral_carries_the_cursor_in_the_trigger_kwargs(hook, context):
    with pytest.raises(TaskDeferred) as deferred:
        sensor(deferrable=True, timeout=60, keywords=["APPROVE", "REJECT"]).execute(context)

    trigger = deferred.value.trigger
    classpath, kwargs = trigger.serialize()
    assert classpath == f"{TRIGGERS}.TextioProReplyTrigger"
    assert kwargs["cursor"] == ["start"]
    assert kwargs["numbers"] == [BOSS]
    assert kwargs["keywords"] == ["APPROVE", "REJECT"]
    assert kwargs["opt_out_keywords"] == []
    assert kwargs["end_time"] == pytest.approx(time.time() + 60, abs=5)
    assert json.loads(json.dumps(kwargs)) == kwargs
    hook.list_messages_since.assert_not_called()


def test_reschedule_keeps_the_cursor_in_the_task_state(hook, context):
    store = context["task_state_store"] = FakeTaskStateStore()
    with pytest.raises(AirflowRescheduleException):
        sensor(mode="reschedule").execute(context)
    assert store.values[REPLY_CURSOR_KEY] == ["start"]

    hook.latest_message_uid.return_value = "later"
    hook.list_messages_since.return_value = [inbound("r1", BOSS, "YES")]
    assert sensor(mode="reschedule").execute(context)["uid"] == "r1"
    hook.latest_message_uid.assert_called_once_with()
    hook.list_messages_since.assert_called_with(["start"])


def test_reschedule_without_task_state_needs_after(hook, context):
    with pytest.raises(TextioProInputError, match="pass after="):
        sensor(mode="reschedule").execute(context)
    hook.latest_message_uid.assert_not_called()


def test_transient_errors_are_poked_through(hook, context):
    hook.list_messages_since.side_effect = [TextioProServerError("HTTP 502"), [inbound("r1", BOSS, "YES")]]
    assert sensor().execute(context)["uid"] == "r1"


def test_bad_arguments_fail_at_parse_time():
    with pytest.raises(TextioProInputError, match="not both"):
        sensor(keywords=["YES"], pattern="y.*")
    with pytest.raises(TextioProInputError, match="wait_for"):
        sensor(wait_for="all")


def test_opt_out_in_poke_mode_unsubscribes(hook, context):
    hook.list_messages_since.return_value = [inbound("r1", BOSS, "STOP")]
    hook.list_contacts.return_value = [Contact(uid="c1", phone=BOSS, status="subscribe")]

    result = sensor(opt_out_group_uid="g1").execute(context)

    assert (result["keyword"], result["opted_out"]) == ("STOP", True)
    hook.update_contact.assert_called_once_with("g1", "c1", BOSS, status="unsubscribe")


def test_stop_is_no_answer_without_an_opt_out_group(hook, context):
    hook.list_messages_since.side_effect = [[inbound("r1", BOSS, "STOP")], [inbound("r2", BOSS, "YES")]]
    assert sensor().execute(context)["uid"] == "r2"


def test_execute_complete_unsubscribes_then_returns_the_reply(hook, context):
    hook.list_contacts.return_value = [Contact(uid="c1", phone=BOSS)]
    reply = {"number": BOSS, "text": "Stop", "uid": "r1", "keyword": "STOP", "opted_out": True}

    result = sensor(opt_out_group_uid="g1").execute_complete(
        context, {"status": "success", "message": "ok", "replies": [reply]}
    )

    assert result == reply
    hook.update_contact.assert_called_once_with("g1", "c1", BOSS, status="unsubscribe")


def test_execute_complete_times_out(hook, context):
    with pytest.raises(AirflowSensorTimeout, match="Timed out"):
        sensor(wait_for="each").execute_complete(
            context, {"status": "timeout", "message": "Timed out; last seen: 0 of 1", "replies": []}
        )


@pytest.fixture
def trigger_hook():
    fake = mock.MagicMock(name="TextioProHook()")
    with (
        mock.patch("airflow_provider_textiopro.hooks.textiopro.TextioProHook", return_value=fake),
        mock.patch(f"{TRIGGERS}.asyncio.sleep", new=mock.AsyncMock()),
    ):
        yield fake


def reply_trigger(**kwargs) -> TextioProReplyTrigger:
    return TextioProReplyTrigger(
        **{
            "numbers": [BOSS],
            "cursor": ["start"],
            "conn_id": "tp",
            "poll_interval": 5,
            "end_time": time.time() + 3600,
            "keywords": ["YES", "NO"],
            **kwargs,
        }
    )


async def events_of(trigger) -> list[dict]:
    return [event.payload async for event in trigger.run()]


@pytest.mark.asyncio
async def test_trigger_polls_until_a_reply_and_only_reads(trigger_hook):
    trigger_hook.list_messages_since.side_effect = [
        [inbound("r1", BOSS, "maybe")],
        [inbound("r2", BOSS, "No")],
    ]

    (event,) = await events_of(reply_trigger())

    assert event["status"] == "success"
    assert event["replies"] == [
        {"number": BOSS, "text": "No", "uid": "r2", "keyword": "NO", "opted_out": False}
    ]
    trigger_hook.list_messages_since.assert_called_with(["start"])
    called = {name for name, _, _ in trigger_hook.method_calls}
    assert called == {"list_messages_since", "close"}


@pytest.mark.asyncio
async def test_trigger_times_out_with_the_replies_found(trigger_hook):
    trigger_hook.list_messages_since.return_value = [inbound("r1", BOSS, "YES")]

    (event,) = await events_of(
        reply_trigger(numbers=[BOSS, DEPUTY], wait_for="each", end_time=time.time() - 1)
    )

    assert event["status"] == "timeout"
    assert [reply["uid"] for reply in event["replies"]] == ["r1"]


def test_trigger_round_trips_through_serialize():
    trigger = reply_trigger(pattern=None, opt_out_keywords=["STOP"], wait_for="each")
    classpath, kwargs = trigger.serialize()
    module, name = classpath.rsplit(".", 1)
    rebuilt = getattr(importlib.import_module(module), name)(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)
