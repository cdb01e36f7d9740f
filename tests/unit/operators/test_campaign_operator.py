from __future__ import annotations

from datetime import datetime, timedelta, timezone
from unittest import mock

import pytest
from airflow.providers.common.compat.sdk import TaskDeferred
from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_3_PLUS

from airflow_provider_textiopro.exceptions import (
    TextioProAuthError,
    TextioProCampaignUntrackedError,
    TextioProDeliveryError,
    TextioProError,
    TextioProInputError,
    TextioProRateLimitError,
    TextioProSendUncertainError,
    TextioProServerError,
    TextioProWaitTimeoutError,
)
from airflow_provider_textiopro.links import CAMPAIGN_URL_XCOM_KEY, TextioProCampaignLink
from airflow_provider_textiopro.operators.campaigns import (
    CAMPAIGN_REQUEST_KEY,
    CAMPAIGN_UID_XCOM_KEY,
    TextioProSendCampaignOperator,
)
from airflow_provider_textiopro.triggers.textiopro import TextioProCampaignTrigger
from airflow_provider_textiopro.utils.uids import parse_group_uids
from airflow_provider_textiopro.version_compat import AirflowFailException, ResumableJobMixin
from tests.support.model_factories import CAMPAIGN_UID as UID
from tests.support.model_factories import campaign
from tests.support.task_state import FakeTaskStateStore, make_context

GROUP = "6065ecdc9184a"
OTHER = "6415907d0d37a"
MODULE = "airflow_provider_textiopro.operators.campaigns"
# Below 3.3 a context without a store is every context: the operator keeps its task state in a Variable.
from_3_3 = pytest.mark.skipif(
    not AIRFLOW_V_3_3_PLUS, reason="Airflow 3.3's context holds the task state store"
)
# The ways a try runs without task state: (the context's store, operator kwargs).
WITHOUT_TASK_STATE = [
    pytest.param(None, {"durable": False}, id="durable-false-no-store"),
    pytest.param(FakeTaskStateStore, {"durable": False}, id="durable-false"),
    pytest.param(None, {}, marks=from_3_3, id="3.3-context-without-store"),
]
NO_ANSWER = TextioProSendUncertainError(
    "TextioPro send_campaign failed: Server Error (HTTP 500). It may have taken effect although no "
    "answer confirmed it: check the TextioPro dashboard before running it again, so nothing is sent "
    "or created twice.",
    status_code=500,
    operation="send_campaign",
)


@pytest.fixture
def hook():
    with mock.patch("airflow_provider_textiopro.hooks.textiopro.TextioProHook", autospec=True) as cls:
        instance = cls.return_value
        instance.default_sender_id = "Acme"
        instance.timezone = "UTC"
        instance.send_campaign.return_value = campaign("queued")
        instance.get_campaign.return_value = campaign("sending")
        instance.wait_for_campaign.return_value = campaign("done", delivered=3)
        instance.dashboard_url.side_effect = lambda kind, uid: f"https://app.example/campaigns/{uid}/overview"
        yield instance


def pushed(context):
    return {c.kwargs["key"]: c.kwargs["value"] for c in context["ti"].xcom_push.call_args_list}


def op(**kwargs):
    kwargs.setdefault("task_id", "campaign")
    kwargs.setdefault("contact_list_ids", GROUP)
    kwargs.setdefault("message", "Spring sale!")
    return TextioProSendCampaignOperator(**kwargs)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (GROUP, [GROUP]),
        (f" {GROUP} , {OTHER.upper()},{GROUP},", [GROUP, OTHER]),
        ([GROUP, OTHER], [GROUP, OTHER]),
        ((OTHER,), [OTHER]),
    ],
)
def test_parse_group_uids(value, expected):
    assert parse_group_uids(value) == expected


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("", "empty"),
        (" , ", "empty"),
        ([], "empty"),
        (None, "empty"),
        ("Newsletter", "not a contact group uid"),
        ("6065ecdc9184", "not a contact group uid"),
        ("6065ecdc9184ag", "not a contact group uid"),
        ([GROUP, "vip customers"], "'vip customers'"),
    ],
)
def test_parse_group_uids_refuses(value, match):
    with pytest.raises(TextioProInputError, match=match):
        parse_group_uids(value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"contact_list_ids": "VIP"}, "not a contact group uid"),
        ({"message": "  "}, "message is empty"),
        ({"type": "fax"}, "Unknown message type"),
        ({"type": "voice"}, "requires language and gender"),
        ({"type": "mms"}, "requires media_url"),
        ({"sender_id": "FarTooLongSenderName"}, "Sender id"),
        ({"schedule_time": "2001-01-01 10:00"}, "in the past"),
        ({"schedule_time": "tomorrow"}, "cannot be read"),
    ],
)
def test_bad_input_fails_before_any_request(hook, kwargs, match):
    with pytest.raises(TextioProInputError, match=match):
        op(**kwargs).execute(make_context())
    hook.send_campaign.assert_not_called()


def test_no_sender_anywhere(hook):
    hook.default_sender_id = None
    with pytest.raises(TextioProInputError, match="default_sender_id"):
        op().execute(make_context())
    hook.send_campaign.assert_not_called()


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"poll_interval": 0}, "poll_interval"), ({"timeout": -1}, "timeout")]
)
def test_bad_wait_settings_fail_at_init(kwargs, match):
    with pytest.raises(TextioProInputError, match=match):
        op(**kwargs)


def test_send_without_waiting(hook, emitted):
    later = datetime.now(timezone.utc) + timedelta(days=2)
    context = make_context(store=FakeTaskStateStore())
    task = op(
        contact_list_ids=f"{GROUP},{OTHER}",
        sender_id="Shop",
        schedule_time=later,
        dlt_template_id="1107",
        textiopro_conn_id="tp",
    )
    assert task.execute(context) == UID
    hook.send_campaign.assert_called_once_with(
        contact_list_ids=[GROUP, OTHER],
        message="Spring sale!",
        sender_id="Shop",
        type="plain",
        schedule_time=later.strftime("%Y-%m-%d %H:%M"),
        dlt_template_id="1107",
        attempt=mock.ANY,
    )
    hook.wait_for_campaign.assert_not_called()
    assert pushed(context) == {
        CAMPAIGN_UID_XCOM_KEY: UID,
        CAMPAIGN_URL_XCOM_KEY: f"https://app.example/campaigns/{UID}/overview",
    }
    asset, extra = emitted.call_args.args[1:]
    assert asset.uri == f"textiopro://campaign/{UID}"
    assert extra == {"campaign_uid": UID}
    assert context["task_state_store"].values == {CAMPAIGN_UID_XCOM_KEY: UID}


def test_connection_default_sender(hook, emitted):
    op().execute(make_context())
    assert hook.send_campaign.call_args.kwargs["sender_id"] == "Acme"


def test_operator_shape():
    task = op()
    assert isinstance(task, ResumableJobMixin)
    assert task.operator_extra_links == (TextioProCampaignLink(),)
    assert {"contact_list_ids", "message", "sender_id", "schedule_time", "dlt_template_id"} <= set(
        task.template_fields
    )
    assert task.wait_for_completion is False
    assert task.timeout == 24 * 60 * 60
    assert any(getattr(o, "name", None) == "textiopro-campaigns" for o in task.outlets)


def test_wait_non_deferrable_success(hook, emitted):
    task = op(wait_for_completion=True, poll_interval=5, timeout=600)
    assert task.execute(make_context()) == UID
    hook.wait_for_campaign.assert_called_once_with(UID, poll_interval=5, timeout=600)
    extra = emitted.call_args.args[2]
    assert extra["status"] == "done"
    assert extra["delivered"] == 3
    assert all(isinstance(value, (str, int)) for value in extra.values())


@pytest.mark.parametrize("status", ["failed", "error", "cancelled"])
def test_wait_non_deferrable_failure_has_stats(hook, emitted, status):
    hook.wait_for_campaign.return_value = campaign(status, delivered=2, failed=5)
    with pytest.raises(TextioProDeliveryError, match=rf"'{status}': 2 delivered, 5 failed"):
        op(wait_for_completion=True).execute(make_context(store=FakeTaskStateStore()))
    emitted.assert_not_called()


def assert_final_after_the_send(info, cause):
    """Check a failure after the send that Airflow must not retry: it names the campaign and its cause."""
    text = str(info.value)
    assert info.type is AirflowFailException
    assert f"Campaign {UID} was sent, then the task failed, so it is not retried" in text
    assert "a retry would send the campaign again" in text
    assert f"TextioProCampaignSensor(campaign_uid='{UID}')" in text
    assert f"The failure ({type(cause).__name__}): {cause}" in text
    assert info.value.__cause__ is cause


WAIT_FAILURES = [
    pytest.param(
        TextioProWaitTimeoutError(
            f"Campaign {UID} is still 'sending' after 600 s. Wait longer (a larger timeout) or follow it in "
            "the dashboard: https://app.example/campaigns/x/overview",
            pending={UID: "sending"},
            operation="wait_for_campaign",
        ),
        id="wait-timeout",
    ),
    pytest.param(
        TextioProServerError("TextioPro get_campaign failed: Server Error (HTTP 503)."), id="polling-failed"
    ),
    pytest.param(RuntimeError("connection pool broke"), id="unexpected"),
]


@pytest.mark.parametrize("failure", WAIT_FAILURES)
@pytest.mark.parametrize(("store", "kwargs"), WITHOUT_TASK_STATE)
def test_without_task_state_a_failed_wait_after_the_send_is_not_retried(
    hook, emitted, store, kwargs, failure
):
    hook.wait_for_campaign.side_effect = failure
    context = make_context(store=store and store())
    with pytest.raises(AirflowFailException) as info:
        op(wait_for_completion=True, **kwargs).execute(context)
    assert_final_after_the_send(info, failure)
    hook.send_campaign.assert_called_once()
    assert pushed(context)[CAMPAIGN_UID_XCOM_KEY] == UID
    emitted.assert_not_called()


@pytest.mark.parametrize("status", ["failed", "error", "cancelled"])
@pytest.mark.parametrize(("store", "kwargs"), WITHOUT_TASK_STATE)
def test_without_task_state_a_failed_campaign_is_not_retried_and_keeps_its_stats(
    hook, emitted, store, kwargs, status
):
    hook.wait_for_campaign.return_value = campaign(status, delivered=2, failed=5)
    with pytest.raises(AirflowFailException) as info:
        op(wait_for_completion=True, **kwargs).execute(make_context(store=store and store()))
    cause = info.value.__cause__
    assert isinstance(cause, TextioProDeliveryError)
    assert_final_after_the_send(info, cause)
    assert f"Campaign {UID} ended with status '{status}': 2 delivered, 5 failed" in str(info.value)
    hook.send_campaign.assert_called_once()
    emitted.assert_not_called()


@pytest.mark.parametrize(("store", "kwargs"), WITHOUT_TASK_STATE)
def test_without_task_state_a_send_without_waiting_still_succeeds(hook, emitted, store, kwargs):
    assert op(**kwargs).execute(make_context(store=store and store())) == UID
    hook.send_campaign.assert_called_once()
    emitted.assert_called_once()


def test_deferrable_defers_with_trigger_kwargs(hook, emitted):
    context = make_context()
    with mock.patch(f"{MODULE}.time.time", return_value=1000.0):
        task = op(
            wait_for_completion=True, deferrable=True, poll_interval=7, timeout=60, textiopro_conn_id="tp"
        )
        with pytest.raises(TaskDeferred) as deferred:
            task.execute(context)
    trigger = deferred.value.trigger
    assert isinstance(trigger, TextioProCampaignTrigger)
    assert trigger.serialize()[1] == {
        "campaign_uid": UID,
        "conn_id": "tp",
        "poll_interval": 7.0,
        "end_time": 1060.0,
        "max_failed_polls": 10,
    }
    assert deferred.value.method_name == "execute_complete"
    assert pushed(context)[CAMPAIGN_UID_XCOM_KEY] == UID
    hook.send_campaign.assert_called_once()
    hook.wait_for_campaign.assert_not_called()
    emitted.assert_not_called()


def test_deferrable_without_timeout(hook):
    with pytest.raises(TaskDeferred) as deferred:
        op(wait_for_completion=True, deferrable=True, timeout=None).execute(make_context())
    assert deferred.value.trigger.end_time is None


def test_deferrable_ignored_without_wait(hook, emitted):
    assert op(deferrable=True).execute(make_context()) == UID


def event(status, message, campaign_status=None):
    payload = campaign(campaign_status, delivered=4, rejected=1).to_dict() if campaign_status else None
    return {"status": status, "message": message, "campaign": payload}


def test_execute_complete_success(emitted):
    assert op().execute_complete(make_context(), event("success", "done", "delivered")) == UID
    extra = emitted.call_args.args[2]
    assert extra["status"] == "delivered"
    assert (extra["delivered"], extra["rejected"], extra["failed"]) == (4, 1, 0)


END_EVENTS = [
    pytest.param(
        event("failure", f"Campaign {UID} ended with status 'cancelled': 4 delivered.", "cancelled"),
        TextioProDeliveryError,
        "'cancelled': 4 delivered. See the campaign",
        id="failure",
    ),
    pytest.param(
        event("timeout", "Timed out; last seen: sending", "sending"),
        TextioProWaitTimeoutError,
        f"Campaign {UID} was not finished within 86400 s",
        id="timeout",
    ),
    pytest.param(
        event("error", "TextioProAuthError: Unauthenticated."),
        TextioProError,
        f"Waiting for campaign {UID} failed: TextioProAuthError: Unauthenticated.",
        id="error",
    ),
]


@pytest.mark.parametrize(("payload", "error", "match"), END_EVENTS)
def test_execute_complete_raises_for_a_retry_with_task_state(emitted, payload, error, match):
    context = make_context(store=FakeTaskStateStore())
    context["ti"].xcom_pull.return_value = UID
    with pytest.raises(error, match=match) as raised:
        op().execute_complete(context, payload)
    assert not isinstance(raised.value, AirflowFailException)
    if isinstance(raised.value, TextioProWaitTimeoutError):
        assert raised.value.pending == {UID: "sending"}
    emitted.assert_not_called()


@pytest.mark.parametrize(("payload", "error", "match"), END_EVENTS)
@pytest.mark.parametrize(("store", "kwargs"), WITHOUT_TASK_STATE)
def test_execute_complete_without_task_state_is_not_retried(emitted, store, kwargs, payload, error, match):
    context = make_context(store=store and store())
    context["ti"].xcom_pull.return_value = UID
    with pytest.raises(AirflowFailException, match=match) as info:
        op(wait_for_completion=True, deferrable=True, **kwargs).execute_complete(context, payload)
    assert type(info.value.__cause__) is error
    assert_final_after_the_send(info, info.value.__cause__)
    emitted.assert_not_called()


@pytest.mark.parametrize(("store", "kwargs"), WITHOUT_TASK_STATE)
def test_without_task_state_a_deferred_wait_sends_once_and_its_timeout_is_final(hook, emitted, store, kwargs):
    task = op(wait_for_completion=True, deferrable=True, **kwargs)
    context = make_context(store=store and store())
    with pytest.raises(TaskDeferred):
        task.execute(context)
    context["ti"].xcom_pull.return_value = UID
    with pytest.raises(AirflowFailException, match="was not finished within"):
        task.execute_complete(context, event("timeout", "Timed out; last seen: sending"))
    hook.send_campaign.assert_called_once()


@pytest.mark.parametrize(
    "error", [NO_ANSWER, RuntimeError("connection pool broke")], ids=["no-answer", "unexpected"]
)
@pytest.mark.parametrize(
    ("store", "kwargs"),
    [
        pytest.param(None, {}, id="no-task-state"),
        pytest.param(FakeTaskStateStore, {}, id="task-state-if-any"),
        pytest.param(FakeTaskStateStore, {"durable": False}, id="durable-false"),
    ],
)
def test_a_send_that_may_have_gone_out_fails_without_retry(hook, emitted, error, store, kwargs):
    hook.send_campaign.side_effect = error
    with pytest.raises(AirflowFailException) as info:
        op(**kwargs).execute(make_context(store=store and store()))
    text = str(info.value)
    assert "the campaign may have been created" in text
    assert "The task is not retried" in text
    assert "check the campaign list in the TextioPro dashboard" in text
    assert "start a new DAG run" in text
    assert info.value.__cause__ is error
    hook.send_campaign.assert_called_once()
    emitted.assert_not_called()


@pytest.mark.parametrize(
    ("store", "kwargs"),
    [
        pytest.param(None, {}, id="no-task-state"),
        pytest.param(FakeTaskStateStore, {"wait_for_completion": True}, id="task-state-waiting"),
    ],
)
def test_a_campaign_sent_under_another_campaigns_uid_fails_without_retry_or_wait(
    hook, emitted, store, kwargs
):
    error = TextioProCampaignUntrackedError(
        "TextioPro sent the campaign, but the uid it answered (606812e63f78b) is not known to be the new "
        "campaign's: that campaign's message is 'Old', not the one just sent.",
        answered_uid="606812e63f78b",
        operation="send_campaign",
    )
    hook.send_campaign.side_effect = error
    context = make_context(store=store and store())

    with pytest.raises(AirflowFailException) as info:
        op(**kwargs).execute(context)

    text = str(info.value)
    assert text.startswith("TextioPro sent the campaign, but the uid it answered (606812e63f78b)")
    assert text.endswith("The task is not retried, so that no second campaign goes out.")
    assert info.value.__cause__ is error
    hook.send_campaign.assert_called_once()
    hook.get_campaign.assert_not_called()
    hook.wait_for_campaign.assert_not_called()
    context["ti"].xcom_push.assert_not_called()
    emitted.assert_not_called()


@pytest.mark.parametrize(
    "error",
    [TextioProRateLimitError("Too Many Attempts.", retry_after=30), TextioProAuthError("Unauthenticated.")],
    ids=["rate-limited", "unauthenticated"],
)
def test_a_send_refused_outright_fails_for_an_ordinary_retry(hook, error):
    store = FakeTaskStateStore()
    hook.send_campaign.side_effect = error
    with pytest.raises(type(error)):
        op().execute(make_context(store=store))
    assert store.values == {}


class TestRetries:
    def test_the_request_is_written_down_before_it_is_sent_then_replaced_by_the_uid(self, hook, emitted):
        store = FakeTaskStateStore()
        during = []

        def send_campaign(**kwargs):
            during.append(dict(store.values))
            return campaign("queued")

        hook.send_campaign.side_effect = send_campaign
        op(contact_list_ids=f"{GROUP},{OTHER}").execute(make_context(store=store))
        assert during == [{CAMPAIGN_REQUEST_KEY: {"request": [GROUP, OTHER]}}]
        assert store.values == {CAMPAIGN_UID_XCOM_KEY: UID}

    @pytest.mark.parametrize(
        "error", [NO_ANSWER, KeyboardInterrupt("worker lost")], ids=["no-answer", "worker-lost-while-sending"]
    )
    def test_a_retry_after_an_unanswered_request_does_not_send_again(self, hook, emitted, error):
        store = FakeTaskStateStore()
        hook.send_campaign.side_effect = error
        with pytest.raises((AirflowFailException, KeyboardInterrupt)):
            op().execute(make_context(store=store))
        hook.send_campaign.side_effect = None

        for try_number in (2, 3):
            with pytest.raises(AirflowFailException, match="recorded no campaign uid") as info:
                op().execute(make_context(try_number=try_number, store=store))
            assert f"delete the task state key {CAMPAIGN_REQUEST_KEY}" in str(info.value)
        hook.send_campaign.assert_called_once()
        emitted.assert_not_called()

    def test_a_retry_after_a_worker_lost_before_the_uid_was_written_does_not_send_again(self, hook, emitted):
        store = FakeTaskStateStore()
        write = store.set

        def lost_before_the_uid(key, value, **kwargs):
            if key == CAMPAIGN_UID_XCOM_KEY:
                raise KeyboardInterrupt("worker lost")
            write(key, value, **kwargs)

        with (
            mock.patch.object(store, "set", side_effect=lost_before_the_uid),
            pytest.raises(KeyboardInterrupt),
        ):
            op().execute(make_context(store=store))

        with pytest.raises(AirflowFailException, match="recorded no campaign uid"):
            op().execute(make_context(try_number=2, store=store))
        hook.send_campaign.assert_called_once()

    def test_deleting_the_request_key_sends_deliberately(self, hook, emitted):
        store = FakeTaskStateStore()
        hook.send_campaign.side_effect = NO_ANSWER
        with pytest.raises(AirflowFailException):
            op().execute(make_context(store=store))
        hook.send_campaign.side_effect = None

        store.delete(CAMPAIGN_REQUEST_KEY)
        assert op().execute(make_context(try_number=2, store=store)) == UID
        assert hook.send_campaign.call_count == 2
        assert store.values == {CAMPAIGN_UID_XCOM_KEY: UID}

    def test_retry_follows_the_running_campaign(self, hook, emitted):
        store = FakeTaskStateStore()
        first = op(wait_for_completion=True)
        hook.wait_for_campaign.side_effect = TextioProError("worker lost while waiting")
        with pytest.raises(TextioProError):
            first.execute(make_context(store=store))
        hook.wait_for_campaign.side_effect = None

        context = make_context(try_number=2, store=store)
        assert op(wait_for_completion=True).execute(context) == UID
        hook.send_campaign.assert_called_once()
        hook.get_campaign.assert_called_once_with(UID)
        assert pushed(context)[CAMPAIGN_UID_XCOM_KEY] == UID

    @pytest.mark.parametrize("status", ["done", "cancelled"])
    def test_retry_never_resends_a_finished_campaign(self, hook, emitted, status):
        store = FakeTaskStateStore()
        store.set(CAMPAIGN_UID_XCOM_KEY, UID)
        hook.get_campaign.return_value = campaign(status)
        assert op().execute(make_context(try_number=2, store=store)) == UID
        hook.send_campaign.assert_not_called()

    def test_retry_of_a_failed_campaign_fails_again_when_waiting(self, hook, emitted):
        store = FakeTaskStateStore()
        store.set(CAMPAIGN_UID_XCOM_KEY, UID)
        hook.get_campaign.return_value = campaign("failed", failed=9)
        hook.wait_for_campaign.return_value = campaign("failed", failed=9)
        with pytest.raises(TextioProDeliveryError, match="9 failed"):
            op(wait_for_completion=True).execute(make_context(try_number=2, store=store))
        hook.send_campaign.assert_not_called()

    def test_retry_is_not_stopped_by_a_schedule_time_now_past(self, hook, emitted):
        store = FakeTaskStateStore()
        store.set(CAMPAIGN_UID_XCOM_KEY, UID)
        task = op(schedule_time="2001-01-01 10:00", contact_list_ids="not validated again")
        assert task.execute(make_context(try_number=2, store=store)) == UID
        hook.send_campaign.assert_not_called()

    def test_deferred_retry_defers_on_the_same_campaign(self, hook):
        store = FakeTaskStateStore()
        store.set(CAMPAIGN_UID_XCOM_KEY, UID)
        with pytest.raises(TaskDeferred) as deferred:
            op(wait_for_completion=True, deferrable=True).execute(make_context(try_number=2, store=store))
        assert deferred.value.trigger.campaign_uid == UID
        hook.send_campaign.assert_not_called()


@pytest.mark.parametrize(("store", "kwargs"), WITHOUT_TASK_STATE)
def test_without_task_state_a_retry_after_a_lost_worker_sends_again_and_warns(hook, emitted, store, kwargs):
    logger = mock.MagicMock()
    context = make_context(try_number=3, store=store and store())
    if context["task_state_store"] is not None:
        context["task_state_store"].set(CAMPAIGN_UID_XCOM_KEY, "0123456789abc")
    with mock.patch.object(
        TextioProSendCampaignOperator, "log", new_callable=mock.PropertyMock, return_value=logger
    ):
        op(**kwargs).execute(context)
    hook.send_campaign.assert_called_once()
    warnings = [c.args[0] % c.args[1:] for c in logger.warning.call_args_list]
    assert any("sends it again" in warning for warning in warnings)


def test_deferrable_defaults_to_the_operators_default_deferrable(fresh_import, hook, emitted):
    module = fresh_import(MODULE, "True")
    task = module.TextioProSendCampaignOperator(
        task_id="campaign", contact_list_ids=GROUP, message="Spring sale!", wait_for_completion=True
    )
    with pytest.raises(TaskDeferred) as deferred:
        task.execute(make_context())
    assert task.deferrable is True
    assert isinstance(deferred.value.trigger, TextioProCampaignTrigger)
    hook.wait_for_campaign.assert_not_called()


def test_deferrable_is_off_when_the_operators_default_is_off(monkeypatch, fresh_import, hook, emitted):
    module = fresh_import(MODULE, "False")
    monkeypatch.setattr(module, "emit_asset_event", emitted)
    task = module.TextioProSendCampaignOperator(
        task_id="campaign", contact_list_ids=GROUP, message="Spring sale!", wait_for_completion=True
    )
    assert task.execute(make_context()) == UID
    assert task.deferrable is False
    hook.wait_for_campaign.assert_called_once()


def test_voice_campaign_with_channel_options_and_extra_fields(hook, emitted):
    task = op(
        type="voice",
        language="EN-GB",
        gender="female",
        extra_params={"repeat": 2},
    )
    assert {"type", "language", "gender", "media_url", "extra_params"} <= set(task.template_fields)

    task.execute(make_context())

    hook.send_campaign.assert_called_once_with(
        contact_list_ids=[GROUP],
        message="Spring sale!",
        sender_id="Acme",
        type="voice",
        schedule_time=None,
        dlt_template_id=None,
        language="en-gb",
        gender="female",
        extra_params={"repeat": 2},
        attempt=mock.ANY,
    )


def test_extra_params_cannot_override_the_recipients(hook):
    with pytest.raises(TextioProInputError, match="extra_params cannot set contact_list_id"):
        op(extra_params={"contact_list_id": OTHER}).execute(make_context())
    hook.send_campaign.assert_not_called()
