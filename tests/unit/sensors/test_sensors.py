"""The message and campaign sensors in poke, reschedule and deferrable mode, against a mocked hook."""

from __future__ import annotations

from unittest import mock

import pytest
from airflow.exceptions import AirflowRescheduleException
from airflow.providers.common.compat.sdk import AirflowSensorTimeout, TaskDeferred

from airflow_provider_textiopro.exceptions import (
    TextioProAuthError,
    TextioProDeliveryError,
    TextioProError,
    TextioProInputError,
    TextioProServerError,
)
from airflow_provider_textiopro.links import CAMPAIGN_URL_XCOM_KEY, MESSAGE_URL_XCOM_KEY
from airflow_provider_textiopro.sensors.textiopro import (
    TextioProCampaignSensor,
    TextioProMessageSensor,
)
from airflow_provider_textiopro.triggers.textiopro import TextioProCampaignTrigger, TextioProMessageTrigger
from airflow_provider_textiopro.utils.uids import parse_message_uids
from tests.support.hooks import fake_hook
from tests.support.model_factories import CAMPAIGN_UID as UID
from tests.support.model_factories import campaign, message

SENSORS_MODULE = "airflow_provider_textiopro.sensors.textiopro"


@pytest.fixture
def hook():
    fake = fake_hook()
    fake.dashboard_url.side_effect = lambda kind, uid: f"https://tp.example/{kind}/{uid}"
    with mock.patch("airflow_provider_textiopro.hooks.textiopro.TextioProHook", return_value=fake):
        yield fake


@pytest.fixture
def context():
    ti = mock.MagicMock(name="ti", dag_id="d", task_id="t", run_id="r", map_index=-1, max_tries=0)
    ti.get_first_reschedule_date.return_value = None
    return {"ti": ti}


def message_sensor(**kwargs) -> TextioProMessageSensor:
    return TextioProMessageSensor(
        **{"task_id": "wait", "message_uids": "m1,m2", "poke_interval": 0, "deferrable": False, **kwargs}
    )


def campaign_sensor(**kwargs) -> TextioProCampaignSensor:
    return TextioProCampaignSensor(
        **{"task_id": "wait", "campaign_uid": UID, "poke_interval": 0, "deferrable": False, **kwargs}
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("m1", ["m1"]),
        (" m1, m2 ,m1,", ["m1", "m2"]),
        (["m1", "m2"], ["m1", "m2"]),
        ({"uids": ["m1", "m2"], "accepted": 2}, ["m1", "m2"]),
        ([{"uids": ["m1"]}, {"uids": ["m2", "m1"]}], ["m1", "m2"]),
        ("{'uids': ['m1', 'm2'], 'scheduled': False}", ["m1", "m2"]),
        ('{"uids": ["m1"], "scheduled": false}', ["m1"]),
        ("['m1', 'm2']", ["m1", "m2"]),
        (("m1", "m2"), ["m1", "m2"]),
    ],
)
def test_parse_message_uids(value, expected):
    assert parse_message_uids(value) == expected


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("", "no message uids"),
        ({"uids": [], "scheduled": True}, "scheduled send"),
        ({"uid": "m1"}, "dict with 'uids'"),
        ("{not python", "Could not read"),
        (42, "not int"),
    ],
)
def test_parse_message_uids_explains_bad_input(value, error):
    with pytest.raises(TextioProInputError, match=error):
        parse_message_uids(value)


def test_bad_ratio_fails_at_parse_time():
    with pytest.raises(TextioProInputError, match="min_success_ratio"):
        message_sensor(min_success_ratio=2)


def test_poke_is_false_while_messages_move(hook):
    hook.get_message.side_effect = lambda uid: message(uid, "Enroute" if uid == "m2" else "Delivered")

    assert not message_sensor().poke({})


def test_poke_returns_the_messages_when_delivered(hook):
    hook.get_message.side_effect = lambda uid: message(uid, "Delivered")

    result = message_sensor().poke({})

    assert result.is_done
    assert [m["uid"] for m in result.xcom_value] == ["m1", "m2"]


def test_poke_raises_with_failed_recipients_and_statuses(hook):
    hook.get_message.side_effect = lambda uid: message(
        uid, "Undelivered" if uid == "m2" else "Delivered", to=f"3161234{uid[-1]}"
    )

    with pytest.raises(TextioProDeliveryError, match=r"31612342 \(uid m2\): Undelivered"):
        message_sensor().poke({})


def test_poke_accepts_the_configured_share(hook):
    hook.get_message.side_effect = lambda uid: message(uid, "Expired" if uid == "m2" else "Delivered")

    assert message_sensor(min_success_ratio=0.5).poke({})


def test_poke_does_not_fetch_final_messages_again(hook):
    answers = {
        "m1": [message("m1", "Delivered")],
        "m2": [message("m2", "Enroute"), message("m2", "Delivered")],
    }
    hook.get_message.side_effect = lambda uid: answers[uid].pop(0)
    sensor = message_sensor()

    assert not sensor.poke({})
    assert sensor.poke({})
    assert [c.args[0] for c in hook.get_message.call_args_list] == ["m1", "m2", "m2"]


def test_a_poke_reads_at_most_max_reads_per_poke_in_turns_and_logs_what_is_left(hook, logged):
    uids = [f"m{i}" for i in range(7)]
    hook.get_message.side_effect = lambda uid: message(uid, "Delivered" if uid in ("m0", "m3") else "Enroute")
    sensor = message_sensor(message_uids=uids, max_reads_per_poke=3)

    read = []
    for _ in range(4):
        assert not sensor.poke({})
        read.append([c.args[0] for c in hook.get_message.call_args_list])
        hook.get_message.reset_mock()

    assert read == [["m0", "m1", "m2"], ["m3", "m4", "m5"], ["m6", "m1", "m2"], ["m4", "m5", "m6"]]
    assert "1 of 7 messages final (1 delivered); 6 left (4 not read yet), read at most 3 a poll" in logged()


def test_max_reads_per_poke_is_checked_when_the_dag_is_parsed():
    with pytest.raises(ValueError, match="max_reads_per_poke"):
        message_sensor(max_reads_per_poke=0)


def test_poke_waits_through_transient_errors(hook):
    hook.get_campaign.side_effect = TextioProServerError("TextioPro answered HTTP 502.")

    assert not campaign_sensor().poke({})


def test_poke_raises_other_errors(hook):
    hook.get_campaign.side_effect = TextioProAuthError("TextioPro refused the token.")

    with pytest.raises(TextioProAuthError):
        campaign_sensor().poke({})


@pytest.mark.parametrize("status", ["failed", "error", "cancelled"])
def test_campaign_poke_raises_with_the_stats(hook, status):
    hook.get_campaign.return_value = campaign(status, delivered=2, failed=1)

    with pytest.raises(TextioProDeliveryError, match=f"'{status}': 2 delivered, 1 failed"):
        campaign_sensor().poke({})


def test_poke_mode_execute_polls_until_done_and_pushes_the_link(hook, context):
    hook.get_campaign.side_effect = [campaign("queued"), campaign("sending"), campaign("done", delivered=3)]

    result = campaign_sensor(mode="poke").execute(context)

    assert result["status"] == "done"
    assert hook.get_campaign.call_count == 3
    context["ti"].xcom_push.assert_called_once_with(
        key=CAMPAIGN_URL_XCOM_KEY, value=f"https://tp.example/campaign/{UID}"
    )


def test_reschedule_mode_gives_the_slot_back_while_waiting(hook, context):
    hook.get_campaign.return_value = campaign("sending")

    with pytest.raises(AirflowRescheduleException):
        campaign_sensor(mode="reschedule", poke_interval=60).execute(context)

    hook.get_campaign.assert_called_once_with(UID)


def test_reschedule_mode_succeeds_when_done(hook, context):
    hook.get_message.side_effect = lambda uid: message(uid, "Delivered")

    result = message_sensor(mode="reschedule", poke_interval=60).execute(context)

    assert len(result) == 2
    context["ti"].xcom_push.assert_called_once_with(
        key=MESSAGE_URL_XCOM_KEY, value="https://tp.example/message/m1"
    )


def test_deferrable_defers_at_once_to_a_read_only_trigger(hook, context):
    sensor = message_sensor(
        deferrable=True,
        poke_interval=15,
        timeout=600,
        min_success_ratio=0.5,
        textiopro_conn_id="tp",
        max_reads_per_poke=40,
        max_failed_polls=3,
    )

    with (
        mock.patch("airflow_provider_textiopro.sensors.textiopro.time.time", return_value=1000.0),
        pytest.raises(TaskDeferred) as deferred,
    ):
        sensor.execute(context)

    trigger = deferred.value.trigger
    assert isinstance(trigger, TextioProMessageTrigger)
    assert trigger.serialize()[1] == {
        "message_uids": ["m1", "m2"],
        "conn_id": "tp",
        "poll_interval": 15.0,
        "end_time": 1600.0,
        "min_success_ratio": 0.5,
        "unknown_is_failure": True,
        "max_reads_per_poll": 40,
        "max_failed_polls": 3,
    }
    assert deferred.value.method_name == "execute_complete"
    assert not hook.get_message.called
    context["ti"].xcom_push.assert_called_once()


def test_deferrable_campaign_sensor_uses_the_campaign_trigger(hook, context):
    with pytest.raises(TaskDeferred) as deferred:
        campaign_sensor(deferrable=True).execute(context)

    assert isinstance(deferred.value.trigger, TextioProCampaignTrigger)
    assert deferred.value.trigger.campaign_uid == UID


SENSOR_ARGUMENTS = {
    "TextioProMessageSensor": {"message_uids": "m1,m2"},
    "TextioProCampaignSensor": {"campaign_uid": UID},
}


@pytest.mark.parametrize("sensor_class", list(SENSOR_ARGUMENTS))
def test_deferrable_defaults_to_the_operators_default_deferrable(fresh_import, hook, context, sensor_class):
    module = fresh_import(SENSORS_MODULE, "True")
    sensor = getattr(module, sensor_class)(task_id="wait", **SENSOR_ARGUMENTS[sensor_class])

    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(context)

    assert sensor.deferrable is True
    assert type(deferred.value.trigger).__name__ == sensor_class.replace("Sensor", "Trigger")
    assert not hook.get_message.called
    assert not hook.get_campaign.called


@pytest.mark.parametrize("sensor_class", list(SENSOR_ARGUMENTS))
def test_deferrable_is_off_when_the_operators_default_is_off(fresh_import, hook, context, sensor_class):
    module = fresh_import(SENSORS_MODULE, "False")
    sensor = getattr(module, sensor_class)(task_id="wait", **SENSOR_ARGUMENTS[sensor_class])
    hook.get_message.side_effect = lambda uid: message(uid, "Delivered")
    hook.get_campaign.return_value = campaign("done")

    sensor.execute(context)

    assert sensor.deferrable is False
    read = hook.get_message if sensor_class == "TextioProMessageSensor" else hook.get_campaign
    assert read.called


def test_execute_complete_success_returns_the_payload(context):
    payload = {"uid": UID, "status": "done"}

    assert campaign_sensor().execute_complete(
        context, {"status": "success", "message": "ok", "campaign": payload}
    )


@pytest.mark.parametrize(
    ("status", "error", "match"),
    [
        ("failure", TextioProDeliveryError, "ended with status 'failed'"),
        ("timeout", AirflowSensorTimeout, "timed out"),
        ("error", TextioProError, "Could not read from TextioPro"),
    ],
)
def test_execute_complete_raises_for_other_events(context, status, error, match):
    event = {"status": status, "message": f"Campaign {UID} ended with status 'failed'", "campaign": None}

    with pytest.raises(error, match=match):
        campaign_sensor().execute_complete(context, event)


def test_empty_campaign_uid_is_refused_before_any_request(hook, context):
    with pytest.raises(TextioProInputError, match="campaign_uid"):
        campaign_sensor(campaign_uid=" ").execute(context)

    assert not hook.get_campaign.called


def test_sensors_declare_their_links():
    assert [link.name for link in message_sensor().operator_extra_links] == ["TextioPro message"]
    assert [link.name for link in campaign_sensor().operator_extra_links] == ["TextioPro campaign"]
