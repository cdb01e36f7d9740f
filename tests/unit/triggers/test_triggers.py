"""The deferrable triggers: one event per run, reads only, JSON-able kwargs."""

from __future__ import annotations

import asyncio
import importlib
import json
import threading
import time
from unittest import mock

import pytest
import responses

from airflow_provider_textiopro.exceptions import (
    TextioProAuthError,
    TextioProNotFoundError,
    TextioProRateLimitError,
    TextioProServerError,
)
from airflow_provider_textiopro.triggers.textiopro import TextioProCampaignTrigger, TextioProMessageTrigger
from tests.support.hooks import V3, fake_hook, ok, set_connection
from tests.support.model_factories import CAMPAIGN_UID as UID
from tests.support.model_factories import campaign, message

MODULE = "airflow_provider_textiopro.triggers.textiopro"


@pytest.fixture
def hook():
    """The hook the trigger builds, with every call recorded; asyncio.sleep does not wait."""
    fake = fake_hook()
    with (
        mock.patch(
            "airflow_provider_textiopro.hooks.textiopro.TextioProHook", return_value=fake
        ) as hook_class,
        mock.patch(f"{MODULE}.asyncio.sleep", new=mock.AsyncMock()) as sleep,
    ):
        fake.hook_class = hook_class
        fake.sleep = sleep
        yield fake


async def events_of(trigger) -> list[dict]:
    return [event.payload async for event in trigger.run()]


def common(kwargs: dict) -> dict:
    return {"conn_id": "tp", "poll_interval": 7, "end_time": time.time() + 3600, **kwargs}


def campaign_trigger(**kwargs) -> TextioProCampaignTrigger:
    return TextioProCampaignTrigger(campaign_uid=UID, **common(kwargs))


def message_trigger(uids, **kwargs) -> TextioProMessageTrigger:
    return TextioProMessageTrigger(message_uids=uids, **common(kwargs))


@pytest.mark.asyncio
async def test_campaign_success_after_polling(hook):
    hook.get_campaign.side_effect = [campaign("sending", enroute=3), campaign("done", delivered=3)]

    events = await events_of(campaign_trigger())

    assert len(events) == 1
    assert events[0]["status"] == "success"
    assert events[0]["campaign"]["status"] == "done"
    assert events[0]["campaign"]["stats"]["delivered"] == 3
    assert "3 delivered" in events[0]["message"]
    # A hook for each poll, which never retries (no sleep in the polling thread), reads one request
    # after another (no threads of its own beside the event loop) and is closed after the poll.
    made = mock.call(textiopro_conn_id="tp", max_retries=0, max_concurrent_requests=1)
    assert hook.hook_class.call_args_list == [made] * 2
    assert hook.close.call_count == 2
    hook.get_campaign.assert_called_with(UID)
    hook.sleep.assert_awaited_once_with(7.0)
    assert not hook.send_campaign.called
    assert not hook.send_message.called


@pytest.mark.asyncio
@pytest.mark.parametrize("status", ["failed", "error", "cancelled"])
async def test_campaign_failure_carries_the_stats(hook, status):
    hook.get_campaign.return_value = campaign(status, delivered=1, failed=2)

    (event,) = await events_of(campaign_trigger())

    assert event["status"] == "failure"
    assert status in event["message"]
    assert "1 delivered, 2 failed" in event["message"]
    assert event["campaign"]["stats"]["failed"] == 2


@pytest.mark.asyncio
async def test_timeout_reports_the_last_known_state(hook):
    hook.get_campaign.return_value = campaign("sending", enroute=5)

    (event,) = await events_of(campaign_trigger(end_time=time.time() - 1))

    assert event["status"] == "timeout"
    assert "sending" in event["message"]
    assert "5 enroute" in event["message"]
    assert event["campaign"]["status"] == "sending"
    hook.get_campaign.assert_called_once_with(UID)


@pytest.mark.asyncio
async def test_sleep_never_passes_end_time(hook):
    hook.get_campaign.side_effect = [campaign("sending"), campaign("done")]

    await events_of(campaign_trigger(poll_interval=3600, end_time=time.time() + 60))

    (delay,) = hook.sleep.await_args.args
    assert 0 < delay <= 60


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "error",
    [
        TextioProNotFoundError("Campaign 6065ecdc9184a was not found.", status_code=404),
        TextioProAuthError("TextioPro refused the token of connection 'tp'."),
        ValueError("unexpected answer"),
    ],
)
async def test_api_error_ends_with_an_error_event(hook, error):
    hook.get_campaign.side_effect = error

    (event,) = await events_of(campaign_trigger())

    assert event["status"] == "error"
    assert str(error) in event["message"]
    assert type(error).__name__ in event["message"]
    assert event["campaign"] is None
    hook.get_campaign.assert_called_once()


@pytest.mark.asyncio
async def test_transient_errors_are_polled_through(hook, logged):
    hook.get_campaign.side_effect = [
        TextioProRateLimitError("Too Many Attempts."),
        TextioProServerError("TextioPro answered HTTP 502."),
        ConnectionError("connection reset"),
        campaign("delivered", delivered=4),
    ]

    (event,) = await events_of(campaign_trigger())

    assert event["status"] == "success"
    assert hook.get_campaign.call_count == 4
    text = logged()
    assert "Too Many Attempts." in text
    assert "connection reset" in text


@pytest.mark.asyncio
async def test_transient_errors_until_end_time_give_a_timeout(hook):
    hook.get_campaign.side_effect = TextioProServerError("TextioPro answered HTTP 503.")

    (event,) = await events_of(campaign_trigger(end_time=time.time() - 1))

    assert event["status"] == "timeout"
    assert "nothing could be fetched" in event["message"]


@pytest.mark.asyncio
async def test_messages_all_delivered(hook):
    hook.get_message.side_effect = lambda uid: message(uid, "Delivered")

    (event,) = await events_of(message_trigger(["a1", "b2"]))

    assert event["status"] == "success"
    assert [m["uid"] for m in event["messages"]] == ["a1", "b2"]
    assert "2 of 2 messages delivered" in event["message"]


@pytest.mark.asyncio
async def test_final_messages_are_not_fetched_again(hook):
    answers = {
        "a1": [message("a1", "Delivered")],
        "b2": [message("b2", "Enroute"), message("b2", "Delivered")],
    }
    hook.get_message.side_effect = lambda uid: answers[uid].pop(0)

    (event,) = await events_of(message_trigger(["a1", "b2"]))

    assert event["status"] == "success"
    assert [c.args[0] for c in hook.get_message.call_args_list] == ["a1", "b2", "b2"]


@pytest.mark.asyncio
async def test_messages_failure_lists_failed_recipients(hook):
    statuses = {"a1": "Delivered", "b2": "Undelivered", "c3": "Rejected"}
    hook.get_message.side_effect = lambda uid: message(uid, statuses[uid], to=f"3161234567{uid[-1]}")

    (event,) = await events_of(message_trigger(list(statuses)))

    assert event["status"] == "failure"
    assert "1 of 3 messages delivered" in event["message"]
    assert "31612345672 (uid b2): Undelivered" in event["message"]
    assert "31612345673 (uid c3): Rejected" in event["message"]
    assert "a1" not in event["message"]


@pytest.mark.asyncio
async def test_min_success_ratio_accepts_some_failures(hook):
    statuses = {"a1": "Delivered", "b2": "Delivered", "c3": "Expired"}
    hook.get_message.side_effect = lambda uid: message(uid, statuses[uid])

    (event,) = await events_of(message_trigger(list(statuses), min_success_ratio=0.6))

    assert event["status"] == "success"


@pytest.mark.asyncio
async def test_unknown_status_counts_as_failure_and_is_logged(hook, logged):
    hook.get_message.side_effect = lambda uid: message(uid, "Gateway said maybe")

    (event,) = await events_of(message_trigger(["a1"]))

    assert event["status"] == "failure"
    assert "unknown status 'Gateway said maybe'" in event["message"]
    assert "counted as a failure" in logged()


@pytest.mark.asyncio
async def test_unknown_status_can_mean_keep_waiting(hook):
    answers = [message("a1", "Gateway said maybe"), message("a1", "Delivered")]
    hook.get_message.side_effect = lambda uid: answers.pop(0)

    (event,) = await events_of(message_trigger(["a1"], unknown_is_failure=False))

    assert event["status"] == "success"
    assert hook.get_message.call_count == 2


@pytest.mark.asyncio
async def test_message_timeout_lists_what_is_pending(hook):
    hook.get_message.side_effect = lambda uid: message(uid, "Enroute")

    (event,) = await events_of(message_trigger(["a1"], end_time=time.time() - 1))

    assert event["status"] == "timeout"
    assert "(uid a1): Enroute" in event["message"]
    assert event["messages"][0]["status"] == "Enroute"


@pytest.mark.asyncio
async def test_no_end_time_waits_without_limit(hook):
    hook.get_campaign.side_effect = [campaign("queued")] * 3 + [campaign("done")]

    (event,) = await events_of(campaign_trigger(end_time=None))

    assert event["status"] == "success"
    assert hook.sleep.await_count == 3


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["campaign", "messages"])
async def test_hook_calls_run_off_the_event_loop_thread(hook, kind):
    threads = []

    def read_campaign(uid):
        threads.append(threading.get_ident())
        return campaign("done")

    def read_message(uid):
        threads.append(threading.get_ident())
        return message(uid, "Delivered")

    hook.get_campaign.side_effect = read_campaign
    hook.get_message.side_effect = read_message
    trigger = campaign_trigger() if kind == "campaign" else message_trigger(["a1", "b2"])

    (event,) = await events_of(trigger)

    assert event["status"] == "success"
    assert len(threads) == (1 if kind == "campaign" else 2)
    assert threading.get_ident() not in threads


@pytest.mark.parametrize(
    "trigger",
    [
        campaign_trigger(end_time=1893456000.5),
        campaign_trigger(end_time=None),
        message_trigger(["a1", "b2"], end_time=1893456000.0, min_success_ratio=0.5, unknown_is_failure=False),
    ],
    ids=["campaign", "campaign-no-end", "messages"],
)
def test_serialize_round_trip_rebuilds_an_equal_trigger(trigger):
    classpath, kwargs = trigger.serialize()

    module_name, _, class_name = classpath.rpartition(".")
    rebuilt = getattr(importlib.import_module(module_name), class_name)(**json.loads(json.dumps(kwargs)))

    assert type(rebuilt) is type(trigger)
    assert rebuilt.serialize() == (classpath, kwargs)
    assert kwargs["conn_id"] == "tp"
    assert kwargs["poll_interval"] == 7


def test_message_trigger_rejects_a_bad_ratio():
    with pytest.raises(ValueError, match="min_success_ratio"):
        message_trigger(["a1"], min_success_ratio=1.5)


@pytest.mark.asyncio
async def test_a_restarted_triggerer_resumes_from_the_kwargs_alone(hook):
    trigger = message_trigger(["a1", "b2"])
    answers = {
        "a1": [message("a1", "Delivered")] * 2,
        "b2": [message("b2", "Enroute"), message("b2", "Failed")],
    }
    hook.get_message.side_effect = lambda uid: answers[uid].pop(0)
    hook.sleep.side_effect = asyncio.CancelledError  # the triggerer stops during the first wait

    with pytest.raises(asyncio.CancelledError):
        await events_of(trigger)
    hook.sleep.side_effect = None
    _, kwargs = trigger.serialize()
    restarted = TextioProMessageTrigger(**json.loads(json.dumps(kwargs)))

    (event,) = await events_of(restarted)

    assert event["status"] == "failure"
    assert [m["status"] for m in event["messages"]] == ["Delivered", "Failed"]
    assert not hook.send_message.called


@pytest.mark.asyncio
async def test_message_trigger_reads_at_most_max_reads_per_poll_in_turns(hook, logged):
    uids = ["a1", "b2", "c3", "d4", "e5"]
    reads: dict[str, int] = dict.fromkeys(uids, 0)

    def read(uid):
        reads[uid] += 1
        return message(uid, "Delivered" if reads[uid] == 2 else "Enroute")

    hook.get_message.side_effect = read
    per_poll: list[int] = []
    hook.sleep.side_effect = lambda delay: per_poll.append(hook.get_message.call_count - sum(per_poll))

    (event,) = await events_of(message_trigger(uids, max_reads_per_poll=2))

    assert event["status"] == "success"
    assert [m["uid"] for m in event["messages"]] == uids
    assert reads == dict.fromkeys(uids, 2)  # each read until final, then never again
    assert per_poll == [2, 2, 2, 2]  # and the last poll read the last 2
    assert "0 of 5 messages final (0 delivered); 5 left (3 not read yet), read at most 2 a poll" in logged()


@pytest.mark.asyncio
async def test_a_failed_poll_never_sleeps_in_its_thread_and_the_next_poll_waits_the_interval(monkeypatch):
    set_connection(monkeypatch, "tp", retry_wait_min=5, retry_wait_max=5)
    url = f"{V3}/campaign/{UID}/view"
    with (
        responses.RequestsMock() as server,
        mock.patch("time.sleep") as thread_sleep,
        mock.patch(f"{MODULE}.asyncio.sleep", new=mock.AsyncMock()) as loop_sleep,
    ):
        server.add("GET", url, status=503, body="Service Unavailable")
        server.add("GET", url, json=ok({"uid": UID, "status": "done", "stats": {}}))

        (event,) = await events_of(campaign_trigger())
        requests_made = len(server.calls)

    assert event["status"] == "success"
    assert requests_made == 2  # one request a poll: the hook did not retry the 503
    thread_sleep.assert_not_called()
    loop_sleep.assert_awaited_once_with(7.0)


@pytest.mark.asyncio
async def test_the_wait_ends_after_max_failed_polls_in_a_row(hook, logged):
    hook.get_campaign.side_effect = TextioProServerError("TextioPro answered HTTP 503.")

    (event,) = await events_of(campaign_trigger(max_failed_polls=3))

    assert event["status"] == "error"
    assert event["message"].startswith("Gave up after 3 polls in a row failed (max_failed_polls)")
    assert "HTTP 503" in event["message"]
    assert hook.get_campaign.call_count == 3
    assert "(2 of at most 3 failed polls in a row)" in logged()


@pytest.mark.asyncio
async def test_rate_limits_and_polls_that_succeed_between_failures_do_not_end_the_wait(hook):
    busy = TextioProRateLimitError("Too Many Attempts.")
    down = TextioProServerError("TextioPro answered HTTP 502.")
    hook.get_campaign.side_effect = [busy, busy, down, busy, campaign("sending"), down, campaign("done")]

    (event,) = await events_of(campaign_trigger(max_failed_polls=2))

    assert event["status"] == "success"


def test_max_failed_polls_and_max_reads_per_poll_are_checked():
    with pytest.raises(ValueError, match="max_failed_polls"):
        campaign_trigger(max_failed_polls=0)
    with pytest.raises(ValueError, match="max_reads_per_poll"):
        message_trigger(["a1"], max_reads_per_poll=0)
