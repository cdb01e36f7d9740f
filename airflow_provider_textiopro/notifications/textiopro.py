"""Send an SMS alert through TextioPro from an Airflow callback.

Use it as ``on_failure_callback``, ``on_retry_callback`` or ``on_success_callback`` of a
task or a DAG, or as the callback of a deadline alert (Airflow 3.1+)::

    from airflow_provider_textiopro.notifications.textiopro import send_textiopro_notification

    BashOperator(..., on_failure_callback=send_textiopro_notification(recipients="+31612345678"))

    DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=timedelta(hours=1),
        callback=AsyncCallback(TextioProNotifier, kwargs={"recipients": "+31612345678"}),
    )

An alert that cannot be sent (TextioPro down, a bad token, a template error) is logged
as an error; the callback never raises, so it never hides or replaces the task's own
outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.hooks import TextioProHookMixin
from airflow_provider_textiopro.hooks._internal.settings import DEFAULT_CONN_ID
from airflow_provider_textiopro.utils.segments import check_max_segments, estimate_segments
from airflow_provider_textiopro.utils.validation import validate_type_unless_templated
from airflow_provider_textiopro.version_compat import BaseNotifier, redact

if TYPE_CHECKING:
    import jinja2

    from airflow_provider_textiopro.version_compat import Context

__all__ = ["TextioProNotifier", "send_textiopro_notification"]

ELLIPSIS = "..."
_ERROR_CHARACTERS = 160


def _field(obj: Any, name: str) -> Any:
    """Return ``obj.name`` or ``obj[name]``; None when missing or failing."""
    try:
        return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)
    except Exception:
        return None


def _first_line(error: Any) -> str | None:
    """Return ``Type: first line of the message`` of an exception (or text), masked, then shortened.

    Masking comes first: a cut through a secret would leave a piece that no longer matches it.
    """
    if error is None:
        return None
    text = str(redact(str(error))).strip()
    line = text.splitlines()[0] if text else ""
    if isinstance(error, BaseException):
        line = f"{type(error).__name__}: {line}" if line else type(error).__name__
    if len(line) > _ERROR_CHARACTERS:
        line = line[: _ERROR_CHARACTERS - len(ELLIPSIS)] + ELLIPSIS
    return line


def alert_text(context: Mapping[str, Any]) -> str:
    """Return the default alert: what ran, how it ended, the error's first line and the log URL.

    For example ``Airflow: sales.load failed (try 2) run scheduled__2025-01-01T00:00:00+00:00:
    ValueError: no rows https://airflow.example.com/dags/sales/runs/...``. Task callbacks,
    DAG callbacks and deadline alerts all give a useful text.

    :param context: the callback's context.
    """
    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    dag_id = _field(ti, "dag_id") or _field(context.get("dag"), "dag_id") or _field(dag_run, "dag_id")
    task_id = _field(ti, "task_id")
    run_id = _field(ti, "run_id") or _field(dag_run, "run_id") or context.get("run_id")
    deadline = context.get("deadline")
    if deadline is not None:
        when = _field(deadline, "deadline_time")
        state = "missed its deadline" + (f" ({when})" if when else "")
    else:
        state = _field(ti, "state") or _field(dag_run, "state")
        state = str(getattr(state, "value", state) or "finished")
    parts = ["Airflow:", ".".join(str(p) for p in (dag_id or "?", task_id) if p), state]
    try_number = _field(ti, "try_number")
    if try_number:
        parts.append(f"(try {try_number})")
    if run_id:
        parts.append(f"run {run_id}")
    error = _first_line(context.get("exception") or context.get("reason"))
    text = " ".join(parts) + (f": {error}" if error else "")
    log_url = _field(ti, "log_url")
    return f"{text} {log_url}" if log_url else text


def fit_segments(text: str, max_segments: int) -> str:
    """Return ``text``, cut and ended with ``...`` when it takes more than ``max_segments`` SMS segments."""
    if estimate_segments(text).segments <= max_segments:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if estimate_segments(text[:middle] + ELLIPSIS).segments <= max_segments:
            low = middle
        else:
            high = middle - 1
    return text[:low] + ELLIPSIS


class TextioProNotifier(TextioProHookMixin, BaseNotifier):
    """Send an SMS alert through TextioPro; never raise, log an error when it cannot be sent.

    :param recipients: phone numbers: a string separated by commas, semicolons or line
        breaks, or a list; national numbers use the connection's ``default_region``.
        Unusable numbers are skipped and logged. (templated)
    :param message: the text; by default :func:`alert_text` (DAG, task, state, try, run,
        the error's first line, the log URL). (templated)
    :param sender_id: the sender; the connection's ``default_sender_id`` when not given.
        (templated)
    :param type: ``plain`` (default), ``unicode``, ``voice`` (a call reading the text, e.g.
        for a night page), ``mms``, ``whatsapp``, ``viber`` or ``otp``. (templated)
    :param language: voice only, e.g. ``en-gb``. (templated)
    :param gender: voice only, ``male`` or ``female``. (templated)
    :param media_url: the media's http(s) URL; required for ``mms``, optional for
        ``whatsapp`` and ``viber``. (templated)
    :param dlt_template_id: the registered DLT content template id (India). (templated)
    :param extra_params: fields the provider does not know, sent as given and logged by name.
    :param max_segments: longer texts are cut to fit this many SMS segments (3 segments
        are 459 GSM-7 or 201 Unicode characters).
    :param textiopro_conn_id: the TextioPro connection.
    :param context: set by Airflow when it builds the notifier for a deadline alert.
    """

    template_fields: Sequence[str] = (
        "message",
        "recipients",
        "sender_id",
        "type",
        "language",
        "gender",
        "media_url",
        "dlt_template_id",
    )

    def __init__(
        self,
        *,
        recipients: str | Iterable[str],
        message: str | None = None,
        sender_id: str | None = None,
        type: str = "plain",
        language: str | None = None,
        gender: str | None = None,
        media_url: str | None = None,
        dlt_template_id: str | None = None,
        extra_params: dict[str, Any] | None = None,
        max_segments: int = 3,
        textiopro_conn_id: str = DEFAULT_CONN_ID,
        context: Context | None = None,
    ) -> None:
        super().__init__()
        if recipients is None or (isinstance(recipients, (str, list, tuple, set)) and not recipients):
            raise TextioProInputError(
                f"recipients is empty ({recipients!r}): give the phone numbers to alert."
            )
        self.recipients = recipients
        self.message = message
        self.sender_id = sender_id
        validate_type_unless_templated(type)
        self.type = type
        self.language = language
        self.gender = gender
        self.media_url = media_url
        self.dlt_template_id = dlt_template_id
        self.extra_params = extra_params
        self.max_segments = check_max_segments(max_segments)
        self.textiopro_conn_id = textiopro_conn_id
        self.context = context or {}

    def render_template_fields(self, context: Context, jinja_env: jinja2.Environment | None = None) -> None:
        """Render the templated fields; on a template error log it and fall back to the default text.

        ``dag.test()`` on Airflow 3 gives DAG callbacks the serialized DAG, which has no template
        environment (apache/airflow#64649): the fields are then rendered in Airflow's default one.
        """
        dag = context.get("dag")
        try:
            if jinja_env is None and dag is not None and not hasattr(dag, "get_template_env"):
                jinja_env = self.get_template_env()
            super().render_template_fields(context, jinja_env)
        except Exception as error:
            self.log.error(
                "Could not render the TextioPro alert's templates (%s); sending the default text.",
                redact(f"{type(error).__name__}: {error}"),
            )
            self.message = None

    def notify(self, context: Context) -> None:
        """Send the alert; log an error instead of raising when it cannot be sent."""
        try:
            text = fit_segments(self.message or alert_text(context), self.max_segments)
            result = self.hook.send_message(
                self.recipients, text, sender_id=self.sender_id, on_invalid="skip", **self._send_options()
            )
        except Exception as error:
            self.log.error(
                "The TextioPro alert could not be sent to %s: %s",
                self.recipients,
                redact(f"{type(error).__name__}: {error}"),
            )
            return
        for outcome in result.refused:
            self.log.error("The TextioPro alert was not sent to %s: %s", outcome.recipient, outcome.error)
        if result.accepted:
            self.log.info("TextioPro alert sent to %d recipient(s).", len(result.accepted))

    def _send_options(self) -> dict[str, Any]:
        """Return the channel options that were given (type, language, gender, media, DLT, extra fields)."""
        options = {
            "type": None if self.type == "plain" else self.type,
            "language": self.language,
            "gender": self.gender,
            "media_url": self.media_url,
            "dlt_template_id": self.dlt_template_id,
            "extra_params": self.extra_params,
        }
        return {name: value for name, value in options.items() if value}

    async def async_notify(self, context: Context) -> None:
        """Send the alert from the triggerer (in a thread: the hook is synchronous)."""
        await asyncio.to_thread(self.notify, context)


send_textiopro_notification = TextioProNotifier
