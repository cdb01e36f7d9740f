"""The sensors and triggers against the sandbox: poke, reschedule and deferrable mode."""

from __future__ import annotations

from unittest import mock

import pytest
from airflow.exceptions import AirflowRescheduleException
from airflow.providers.common.compat.sdk import TaskDeferred

from airflow_provider_textiopro.exceptions import TextioProDeliveryError
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.links import CAMPAIGN_URL_XCOM_KEY, MESSAGE_URL_XCOM_KEY
from airflow_provider_textiopro.sensors.textiopro import TextioProCampaignSensor, TextioProMessageSensor

pytestmark = pytest.mark.integration

DELIVERED = "447700900000"
UNDELIVERED = "447700900002"
STUCK = "447700900009"


@pytest.fixture
def hook(textiopro_conn) -> TextioProHook:
    return TextioProHook(textiopro_conn_id=textiopro_conn)


@pytest.fixture
def context():
    ti = mock.MagicMock(name="ti", dag_id="d", task_id="t", run_id="r", map_index=-1, max_tries=0)
    ti.get_first_reschedule_date.return_value = None
    return {"ti": ti}


def send(hook: TextioProHook, *numbers: str) -> dict:
    return hook.send_message(list(numbers), "Your parcel arrives today.", sender_id="Shop").to_dict()


def campaign_uid(hook: TextioProHook, *numbers: str) -> str:
    group = hook.create_group("Parcel customers")
    for number in numbers:
        hook.create_contact(group.uid, number)
    return hook.send_campaign([group.uid], "Spring sale: 20% off today.", sender_id="Shop").uid


async def run_deferred(sensor, context) -> object:
    """Execute a deferrable sensor: run its trigger to its event, then resume the sensor."""
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(context)
    events = [event.payload async for event in deferred.value.trigger.run()]
    assert len(events) == 1
    return getattr(sensor, deferred.value.method_name)(context, events[0])


def test_poke_mode_waits_for_delivery(hook, context, sandbox):
    result = send(hook, DELIVERED, "447700900006")
    sensor = TextioProMessageSensor(
        task_id="wait", message_uids=result, poke_interval=0.1, timeout=30, deferrable=False
    )

    messages = sensor.execute(context)

    assert [m["status"] for m in messages] == ["Delivered", "Delivered"]
    assert [m["uid"] for m in messages] == result["uids"]
    key, url = context["ti"].xcom_push.call_args.kwargs.values()
    assert key == MESSAGE_URL_XCOM_KEY
    assert url == f"{sandbox.url}/reports/{result['uids'][0]}/view"


def test_poke_mode_fails_with_the_undelivered_recipients(hook, context):
    result = send(hook, DELIVERED, UNDELIVERED)
    sensor = TextioProMessageSensor(
        task_id="wait", message_uids=result["uids"], poke_interval=0.1, timeout=30, deferrable=False
    )

    with pytest.raises(TextioProDeliveryError, match=f"{UNDELIVERED} \\(uid \\w+\\): Undelivered"):
        sensor.execute(context)


def test_reschedule_mode_gives_back_the_slot_then_succeeds(hook, context, sandbox):
    result = send(hook, DELIVERED)
    sensor = TextioProMessageSensor(
        task_id="wait", message_uids=result, mode="reschedule", poke_interval=60, deferrable=False
    )

    with pytest.raises(AirflowRescheduleException):
        sensor.execute(context)
    sandbox.advance(5)
    messages = TextioProMessageSensor(
        task_id="wait", message_uids=result, mode="reschedule", poke_interval=60, deferrable=False
    ).execute(context)

    assert messages[0]["status"] == "Delivered"


@pytest.mark.asyncio
async def test_deferrable_message_sensor(hook, context):
    result = send(hook, DELIVERED, UNDELIVERED)
    sensor = TextioProMessageSensor(
        task_id="wait", message_uids=result, min_success_ratio=0.5, poke_interval=0.1, deferrable=True
    )

    messages = await run_deferred(sensor, context)

    assert sorted(m["status"] for m in messages) == ["Delivered", "Undelivered"]


@pytest.mark.asyncio
async def test_deferrable_sensor_times_out_with_the_last_state(hook, context):
    result = send(hook, STUCK)
    sensor = TextioProMessageSensor(
        task_id="wait", message_uids=result, poke_interval=0.1, timeout=0.5, deferrable=True
    )

    with pytest.raises(Exception, match=r"timed out.*Enroute") as error:
        await run_deferred(sensor, context)

    assert type(error.value).__name__ == "AirflowSensorTimeout"


@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferrable"])
@pytest.mark.asyncio
async def test_campaign_sensor_waits_until_done(hook, context, sandbox, deferrable):
    uid = campaign_uid(hook, DELIVERED, "447700900006")
    sensor = TextioProCampaignSensor(
        task_id="wait", campaign_uid=uid, poke_interval=0.1, timeout=30, deferrable=deferrable
    )

    campaign = await run_deferred(sensor, context) if deferrable else sensor.execute(context)

    assert campaign["status"] == "done"
    assert campaign["stats"]["delivered"] + campaign["stats"]["enroute"] == 2
    context["ti"].xcom_push.assert_called_once_with(
        key=CAMPAIGN_URL_XCOM_KEY, value=f"{sandbox.url}/campaigns/{uid}/overview"
    )


@pytest.mark.asyncio
async def test_bad_token_gives_an_error_without_the_token(hook, context, sandbox, monkeypatch):
    uid = campaign_uid(hook, DELIVERED)
    monkeypatch.setenv(
        "AIRFLOW_CONN_TEXTIOPRO_BAD",
        f'{{"conn_type": "textiopro", "host": "{sandbox.url}", "password": "9|wrong-token-value"}}',
    )
    sensor = TextioProCampaignSensor(
        task_id="wait", campaign_uid=uid, textiopro_conn_id="textiopro_bad", deferrable=True
    )

    with pytest.raises(Exception, match="Could not read from TextioPro") as error:
        await run_deferred(sensor, context)

    assert "wrong-token-value" not in str(error.value)


@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferrable"])
@pytest.mark.asyncio
async def test_a_wait_on_hundreds_of_messages_reads_a_bounded_number_a_poll(
    hook, context, sandbox, deferrable
):
    uids = send(hook, *[f"316{12340000 + i}" for i in range(250)], STUCK)["uids"]
    stuck = sandbox.state.accounts[sandbox.token].messages[uids[-1]]
    sandbox.advance(5)  # every message but the stuck one is final before the first read
    read = TextioProHook.get_messages

    def get_messages(hook, uids, **kwargs):
        if get_messages_spy.call_count == 5:
            with sandbox.state.lock:
                stuck.outcome = "Delivered"  # the stuck one is delivered at last
        return read(hook, uids, **kwargs)

    sensor = TextioProMessageSensor(
        task_id="wait", message_uids=uids, max_reads_per_poke=100, poke_interval=0.05, deferrable=deferrable
    )
    with mock.patch.object(
        TextioProHook, "get_messages", autospec=True, side_effect=get_messages
    ) as get_messages_spy:
        messages = await run_deferred(sensor, context) if deferrable else sensor.execute(context)

    assert len(messages) == 251
    assert {m["status"] for m in messages} == {"Delivered"}
    # 100 a poll, in turns; a message read final is never read again: only the stuck one is.
    assert [len(call.args[1]) for call in get_messages_spy.call_args_list] == [100, 100, 51, 1, 1]
    message_reads = [r for r in sandbox.requests if r.method == "GET" and "/sms/" in r.path]
    assert len(message_reads) == 253
