"""TextioProNotifier: the default alert text, sending sync and async, and never raising."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from unittest import mock

import pytest
from airflow.providers.common.compat.sdk import DAG

from airflow_provider_textiopro.exceptions import TextioProAuthError, TextioProInputError
from airflow_provider_textiopro.models import RecipientOutcome, SendResult
from airflow_provider_textiopro.notifications.textiopro import (
    TextioProNotifier,
    alert_text,
    fit_segments,
    send_textiopro_notification,
)
from airflow_provider_textiopro.utils.segments import estimate_segments
from airflow_provider_textiopro.version_compat import AIRFLOW_V_3_0_PLUS, mask_secret

HOOK = "airflow_provider_textiopro.hooks.textiopro.TextioProHook"
TOKEN = "1383|very-secret-token"
MASKED_TOKEN = "7|Zq8rT2vLk9Wm4Xn6Pb3Hs5Jd"
LOG_URL = "http://localhost:8080/dags/sales/runs/manual__1/tasks/load?try_number=2"


def task_context(**extra):
    ti = SimpleNamespace(
        dag_id="sales", task_id="load", run_id="manual__1", try_number=2, state="failed", log_url=LOG_URL
    )
    return {"ti": ti, "task_instance": ti, "run_id": "manual__1", **extra}


def sent(result_recipients=("31612345678",)) -> SendResult:
    return SendResult(outcomes=[RecipientOutcome(recipient=r, uid=f"u{r[-1]}") for r in result_recipients])


@pytest.fixture
def hook():
    fake = mock.MagicMock(name="TextioProHook()")
    fake.send_message.return_value = sent()
    with mock.patch(HOOK, return_value=fake) as hook_class:
        fake.hook_class = hook_class
        yield fake


def test_alert_text_of_a_task_failure():
    error = ValueError("no rows for 2025-01-01\nTraceback details that are not wanted")

    text = alert_text(task_context(exception=error))

    assert text == (
        f"Airflow: sales.load failed (try 2) run manual__1: ValueError: no rows for 2025-01-01 {LOG_URL}"
    )


def test_alert_text_shortens_a_long_error():
    text = alert_text(task_context(exception=RuntimeError("x" * 1000)))

    assert "RuntimeError: xxx" in text
    assert "x" * 200 not in text
    assert f"... {LOG_URL}" in text


def test_alert_text_of_a_success_has_no_error():
    context = task_context()
    context["ti"].state = "success"

    assert alert_text(context) == f"Airflow: sales.load success (try 2) run manual__1 {LOG_URL}"


def test_alert_text_of_a_dag_callback():
    dag_run = SimpleNamespace(dag_id="sales", run_id="scheduled__2025", state="failed")
    context = {"dag": SimpleNamespace(dag_id="sales"), "dag_run": dag_run, "reason": "task_failure"}

    assert alert_text(context) == "Airflow: sales failed run scheduled__2025: task_failure"


def test_alert_text_of_a_dag_callback_whose_task_instance_has_no_state():
    """Airflow 3 gives a DAG callback the failed task's instance without its state."""
    context = task_context(
        dag_run=SimpleNamespace(dag_id="sales", run_id="manual__1", state="failed"), reason="task_failure"
    )
    context["ti"].state = None

    assert alert_text(context) == (
        f"Airflow: sales.load failed (try 2) run manual__1: task_failure {LOG_URL}"
    )


def test_alert_text_of_a_deadline_alert():
    context = {
        "dag_run": {"dag_id": "sales", "run_id": "scheduled__2025", "state": "running"},
        "deadline": {"id": "d1", "deadline_time": "2025-01-01T02:00:00+00:00"},
    }

    assert alert_text(context) == (
        "Airflow: sales missed its deadline (2025-01-01T02:00:00+00:00) run scheduled__2025"
    )


def test_alert_text_never_fails_on_an_empty_context():
    assert alert_text({}) == "Airflow: ? finished"


@pytest.mark.parametrize("text", ["a" * 2000, "é" * 500, "€" * 400, "ü" * 20 + "😀" * 300])
def test_fit_segments_cuts_to_the_limit(text):
    fitted = fit_segments(text, 3)

    assert fitted.endswith("...")
    assert estimate_segments(fitted).segments <= 3
    assert estimate_segments(fitted[:-3] + text[len(fitted) - 3] + "...").segments > 3


def test_fit_segments_keeps_a_short_text():
    assert fit_segments("short", 1) == "short"


@pytest.mark.parametrize("max_segments", [0, 1.5, True])
def test_max_segments_is_checked_when_the_dag_is_parsed(max_segments):
    with pytest.raises(TextioProInputError, match="max_segments"):
        TextioProNotifier(recipients="31612345678", max_segments=max_segments)


def test_notify_sends_the_default_text(hook):
    notifier = TextioProNotifier(
        recipients="+31612345678, 0612345679", sender_id="Ops", textiopro_conn_id="tp"
    )

    notifier.notify(task_context(exception=ValueError("boom")))

    hook.hook_class.assert_called_once_with(textiopro_conn_id="tp")
    hook.send_message.assert_called_once_with(
        "+31612345678, 0612345679",
        f"Airflow: sales.load failed (try 2) run manual__1: ValueError: boom {LOG_URL}",
        sender_id="Ops",
        on_invalid="skip",
    )


def test_notify_cuts_a_long_message(hook):
    TextioProNotifier(recipients="31612345678", message="a" * 1000, max_segments=2).notify(task_context())

    (_, text), _ = hook.send_message.call_args
    assert estimate_segments(text).segments == 2


def test_call_renders_the_templates_with_the_context(hook):
    notifier = send_textiopro_notification(
        recipients="{{ params.oncall }}", message="{{ ti.task_id }} of {{ dag.dag_id }}: {{ run_id }}"
    )
    context = task_context(dag=_dag(), params={"oncall": "31612345678"})

    notifier(context)

    hook.send_message.assert_called_once_with(
        "31612345678", "load of sales: manual__1", sender_id=None, on_invalid="skip"
    )


def test_templates_render_with_a_dag_that_has_no_template_environment(hook, logged):
    """dag.test() on Airflow 3 passes DAG callbacks the serialized DAG (apache/airflow#64649)."""
    notifier = TextioProNotifier(recipients="{{ params.oncall }}", message="{{ dag.dag_id }}: {{ reason }}")
    serialized_dag = SimpleNamespace(dag_id="sales", render_template_as_native_obj=False)
    context = task_context(dag=serialized_dag, params={"oncall": "31612345678"})

    notifier({**context, "reason": "task_failure"})

    hook.send_message.assert_called_once_with(
        "31612345678", "sales: task_failure", sender_id=None, on_invalid="skip"
    )
    assert "Could not render" not in logged()


def test_alert_that_cannot_be_sent_is_logged_not_raised(hook, logged):
    hook.send_message.side_effect = TextioProAuthError(
        "TextioPro refused the token of connection 'textiopro_default' (Unauthenticated.)."
    )
    notifier = TextioProNotifier(recipients="31612345678")

    notifier(task_context(dag=_dag()))

    text = logged()
    assert "The TextioPro alert could not be sent to 31612345678" in text
    assert "TextioProAuthError: TextioPro refused the token" in text
    assert TOKEN not in text


def token_pieces(text: str) -> list[str]:
    """Return the 6-character pieces of :data:`MASKED_TOKEN` found in ``text``."""
    pieces = {MASKED_TOKEN[i : i + 6] for i in range(len(MASKED_TOKEN) - 5)}
    return sorted(piece for piece in pieces if piece in text)


@pytest.mark.parametrize(
    "error_text",
    [
        f"login to https://api.example.com?token={MASKED_TOKEN} failed",
        f"{'x' * 135} {MASKED_TOKEN} and more",
    ],
    ids=["whole", "across-the-cut"],
)
def test_the_exception_summary_never_carries_a_masked_token(hook, logged, error_text):
    mask_secret(MASKED_TOKEN)

    TextioProNotifier(recipients="31612345678").notify(task_context(exception=ValueError(error_text)))

    (_, text), _ = hook.send_message.call_args
    assert text.startswith("Airflow: sales.load failed (try 2) run manual__1: ValueError: ")
    assert token_pieces(text) == []
    assert token_pieces(logged()) == []


def test_an_alert_failing_with_a_masked_token_logs_no_token(hook, logged):
    mask_secret(MASKED_TOKEN)
    hook.send_message.side_effect = ConnectionError(f"refused {MASKED_TOKEN}")

    TextioProNotifier(recipients="31612345678").notify(task_context(exception=ValueError(MASKED_TOKEN)))

    text = logged()
    assert "The TextioPro alert could not be sent" in text
    assert token_pieces(text) == []


def test_a_missing_connection_is_logged_not_raised(logged):
    TextioProNotifier(recipients="31612345678", textiopro_conn_id="no_such_conn").notify(task_context())

    assert "could not be sent" in logged()


def test_refused_recipients_are_logged(hook, logged):
    hook.send_message.return_value = SendResult(
        outcomes=[
            RecipientOutcome(recipient="31612345678", uid="u1"),
            RecipientOutcome(recipient="123", error="not a usable phone number: too short"),
        ]
    )

    TextioProNotifier(recipients="31612345678,123").notify(task_context())

    text = logged()
    assert "not sent to 123: not a usable phone number: too short" in text
    assert "sent to 1 recipient(s)" in text


def test_a_template_error_falls_back_to_the_default_text(hook, logged):
    notifier = TextioProNotifier(recipients="31612345678", message="{{ no_such_variable.attribute }}")

    notifier(task_context(dag=_dag()))

    assert "Could not render the TextioPro alert's templates" in logged()
    (_, text), _ = hook.send_message.call_args
    assert text.startswith("Airflow: sales.load failed")


@pytest.mark.asyncio
async def test_async_notify_sends(hook):
    await TextioProNotifier(recipients="31612345678", message="hello").async_notify(task_context())

    hook.send_message.assert_called_once_with("31612345678", "hello", sender_id=None, on_invalid="skip")


@pytest.mark.asyncio
async def test_async_notify_never_raises(hook, logged):
    hook.send_message.side_effect = ConnectionError("connection refused")

    await TextioProNotifier(recipients="31612345678").async_notify(task_context())

    assert "ConnectionError: connection refused" in logged()


@pytest.mark.skipif(not AIRFLOW_V_3_0_PLUS, reason="deadline alerts exist from Airflow 3.1")
@pytest.mark.asyncio
async def test_deadline_alert_runs_the_notifier_in_the_triggerer(hook):
    from airflow.sdk.definitions.callback import AsyncCallback
    from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference
    from airflow.triggers.callback import CallbackTrigger

    callback = AsyncCallback(TextioProNotifier, kwargs={"recipients": "31612345678", "sender_id": "Ops"})
    DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=datetime.timedelta(hours=1), callback=callback
    )
    context = {
        "dag_run": {"dag_id": "sales", "run_id": "scheduled__2025", "state": "running"},
        "deadline": {"id": "d1", "deadline_time": "2025-01-01T02:00:00+00:00"},
    }
    trigger = CallbackTrigger(
        callback_path=callback.path, callback_kwargs={**callback.kwargs, "context": context}
    )

    events = [event.payload async for event in trigger.run()]

    assert str(events[-1]["state"]) in ("success", "CallbackState.SUCCESS")
    hook.send_message.assert_called_once_with(
        "31612345678",
        "Airflow: sales missed its deadline (2025-01-01T02:00:00+00:00) run scheduled__2025",
        sender_id="Ops",
        on_invalid="skip",
    )


def _dag() -> DAG:
    return DAG("sales", schedule=None, start_date=datetime.datetime(2025, 1, 1))
