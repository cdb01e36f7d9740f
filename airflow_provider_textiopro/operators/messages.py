"""Send an SMS, voice, MMS, WhatsApp, Viber or OTP message to a list of recipients."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_textiopro.exceptions import TextioProError, TextioProInputError
from airflow_provider_textiopro.hooks._internal.settings import DEFAULT_CONN_ID, check_concurrency
from airflow_provider_textiopro.links import MESSAGE_URL_XCOM_KEY, TextioProMessageLink, push_dashboard_url
from airflow_provider_textiopro.models import PreparedSend, RecipientOutcome, SendResult
from airflow_provider_textiopro.operators.base import TextioProSendOperator
from airflow_provider_textiopro.utils.personal_texts import plan_personal_texts
from airflow_provider_textiopro.utils.phone import check_on_invalid
from airflow_provider_textiopro.utils.segments import SegmentEstimate, check_max_segments
from airflow_provider_textiopro.utils.send_check import message_fields
from airflow_provider_textiopro.utils.send_plan import (
    HOLD,
    SENSITIVE_TEXT,
    SendPlan,
    plan_send,
)
from airflow_provider_textiopro.utils.send_progress import SendProgress
from airflow_provider_textiopro.utils.send_windows import parse_send_window
from airflow_provider_textiopro.utils.suppression import (
    mask_number,
    normalize_suppression,
    unsubscribed_numbers,
)
from airflow_provider_textiopro.utils.validation import (
    format_schedule_time,
    validate_extra_params,
    validate_type_unless_templated,
)
from airflow_provider_textiopro.version_compat import AirflowFailException, mask_secret

if TYPE_CHECKING:
    from airflow_provider_textiopro.version_compat import Context

__all__ = ["TextioProSendMessageOperator"]

MESSAGE_SEND_KEY = "textiopro_message_send"
STORE_RECIPIENTS = ("full", "masked")
SCHEDULE_LEAD = timedelta(minutes=2)
"""A later step whose opening is nearer than this is held in the task: schedule_time must be in the future."""
SUPPRESSED = "suppressed"


def utc_now() -> datetime:
    """Return the current time in UTC (the clock of send windows)."""
    return datetime.now(timezone.utc)


def sleep_until(moment: datetime) -> None:
    """Wait in the task until ``moment`` (a minute at a time, so the wait is logged and interruptible)."""
    while (left := (moment - utc_now()).total_seconds()) > 0:
        time.sleep(min(left, 60.0))


class TextioProSendMessageOperator(TextioProSendOperator):
    """Send one message to one or many recipients through TextioPro, once.

    Every parameter is checked before any request: recipients are normalised (national
    numbers with the connection's ``default_region``), the channel's rules, the sender
    id and the schedule time are validated, and the SMS segments are estimated and
    logged, once: the hook sends the checked send without checking it again. Lists of
    more than 100 recipients are sent in several requests, up to ``max_concurrent_requests``
    at once, paced on the account's rate limit (a request refused with ``Too Many
    Attempts.`` was not processed: it waits and goes again).

    The returned XCom is a JSON-able summary that
    :class:`~airflow_provider_textiopro.sensors.textiopro.TextioProMessageSensor` takes as
    it is: ``uids`` (of the accepted messages), ``outcomes`` (recipient, uid, status,
    error, cost, segments, sent_immediately per recipient), ``accepted``, ``refused`` (a
    message answered with a final failure such as ``Failed`` is refused, and keeps its uid
    in ``outcomes``), ``invalid`` (numbers skipped with ``on_invalid="skip"``, with the
    reason), ``schedule_time`` (as asked), ``scheduled`` (TextioPro scheduled messages),
    ``sent_immediately`` (how many TextioPro sent at once despite ``schedule_time``: it
    does so for a request to a single recipient), ``type``, ``encoding``, ``characters``,
    ``segments_per_message``, ``total_segments`` and ``cost`` (the sum, when every
    accepted message reports a numeric cost). A scheduled send has no uids: TextioPro
    creates the messages when their time comes.

    Retries never send anyone the message twice. The task's state (``durable=True`` by
    default; Airflow 3.3's task state store, below 3.3 an Airflow Variable of the task
    instance, deleted once the task succeeds) gets each request's numbers as "in flight"
    right before each attempt leaves, then its outcomes once answered, or "not processed"
    when TextioPro refused it at the rate limit or the connection was refused
    (``textiopro_message_request_<n>``; the waits at the limit happen while "not processed"),
    then the finished send (``textiopro_message_send``). A retry sends only to the
    recipients that no earlier request reached, and a retry after the whole send (a later
    step failed, or the worker was lost before the task was marked done) returns the
    stored summary without sending. The recipients of a request that got no answer may
    or may not have the message: they are never sent it again, and once the others are
    handled the task fails without retrying and names them. To send anew, start a new
    DAG run or delete those task state keys (below 3.3, that Variable).

    With ``durable=False`` there is no task state: once part of a
    send may have gone out (a later request failed, or a request got no answer) the task
    fails without retrying and says how many recipients already got the message; a retry
    after a complete send sends it again, and says so in its log.

    :param recipients: phone numbers: a string separated by commas, semicolons or line
        breaks, a list, or an XComArg (nested lists are flattened one level). (templated)
    :param message: the text to send. (templated)
    :param sender_id: an alphanumeric name of at most 11 characters or a phone number;
        the connection's ``default_sender_id`` when not given. (templated)
    :param type: ``plain``, ``unicode``, ``voice``, ``mms``, ``whatsapp``, ``viber`` or
        ``otp``. (templated)
    :param schedule_time: send later: a datetime (aware, or naive in the connection's
        ``timezone``) or a string (ISO 8601 or ``YYYY-MM-DD HH:MM``). (templated)
    :param language: voice only, e.g. ``en-gb``. (templated)
    :param gender: voice only, ``male`` or ``female``. (templated)
    :param media_url: the media's http(s) URL; required for ``mms``, optional for
        ``whatsapp`` and ``viber``. (templated)
    :param dlt_template_id: the registered DLT content template id (India). (templated)
    :param extra_params: fields the provider does not know (a newer server's), sent as
        given with each request and logged by name; they cannot set a field the provider
        sends itself (``recipient``, ``api_token``, ``message`` ...). (templated)
    :param on_invalid: ``"fail"`` (default) fails before sending when any number is
        unusable; ``"skip"`` sends to the others and reports the unusable ones.
    :param max_segments: fail before sending when one message would take more SMS
        segments than this.
    :param check_balance: read the balance first and fail when it is a number smaller
        than the estimated segments (one unit per segment); an unlimited or non-numeric
        balance is logged and the send goes ahead.
    :param max_concurrent_requests: requests of at most 100 recipients in flight at once
        (1 to 32); defaults to the connection's ``max_concurrent_requests`` (8).
    :param tag_defaults: defaults of the ``{TAG}`` tags of a personal message (see below).
    :param phone_key: the key holding the number in each row of ``recipients``.
    :param send_window: ``("09:00", "21:00")``, ``(start, end, days)`` or a
        :class:`~airflow_provider_textiopro.utils.send_windows.SendWindow`, in each recipient's
        local time. (templated)
    :param suppress: numbers never to send: a list, a string, rows, an XComArg, or a callable
        returning them. (templated)
    :param suppress_unsubscribed_in: group uids whose unsubscribed contacts are not sent. (templated)
    :param dry_run: plan the send (every check, reads included) and send nothing; the
        connection's extra ``dry_run`` forces it.
    :param sensitive: keep the message text out of rendered fields, logs and XCom; the default
        for ``type="otp"``.
    :param store_recipients: ``"full"`` numbers in the XCom, or ``"masked"`` (``+3161****678``).
    :param textiopro_conn_id: the TextioPro connection.

    **Personal texts, windows, opt-outs** (see the guide page "Respectful sends"): when
    ``recipients`` holds mappings (rows), ``message`` is filled per row from its ``{TAG}`` and
    ``{TAG|default}`` tags, and recipients with the same text share requests. Suppressed
    recipients get an outcome with status ``suppressed`` and are counted in ``suppressed``. With
    ``send_window``, recipients outside their window are sent at its next opening: with
    ``schedule_time`` when every request holds two or more recipients (the platform holds those),
    else the task waits until the opening. The XCom's ``plan`` says who goes when.
    """

    template_fields: Sequence[str] = (
        "recipients",
        "message",
        "sender_id",
        "type",
        "schedule_time",
        "language",
        "gender",
        "media_url",
        "dlt_template_id",
        "extra_params",
        "tag_defaults",
        "send_window",
        "suppress",
        "suppress_unsubscribed_in",
    )
    template_fields_renderers = {"recipients": "json", "extra_params": "json"}
    ui_color = "#d6ecfa"
    operator_extra_links = (TextioProMessageLink(),)
    external_id_key = MESSAGE_SEND_KEY

    def __init__(
        self,
        *,
        recipients: str | Iterable[Any],
        message: str,
        sender_id: str | None = None,
        type: str = "plain",
        schedule_time: Any = None,
        language: str | None = None,
        gender: str | None = None,
        media_url: str | None = None,
        dlt_template_id: str | None = None,
        extra_params: dict[str, Any] | None = None,
        on_invalid: str = "fail",
        max_segments: int | None = None,
        check_balance: bool = False,
        max_concurrent_requests: int | None = None,
        tag_defaults: Mapping[str, Any] | None = None,
        phone_key: str | None = None,
        send_window: Any = None,
        suppress: Any = None,
        suppress_unsubscribed_in: str | Sequence[str] | None = None,
        dry_run: bool = False,
        sensitive: bool | None = None,
        store_recipients: str = "full",
        textiopro_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(textiopro_conn_id=textiopro_conn_id, **kwargs)
        check_on_invalid(on_invalid)
        if max_concurrent_requests is not None:
            check_concurrency(max_concurrent_requests)
        validate_type_unless_templated(type)
        if max_segments is not None:
            check_max_segments(max_segments)
        if not isinstance(check_balance, bool):
            raise TextioProInputError(f"check_balance must be True or False, not {check_balance!r}.")
        self.recipients = recipients
        self.message = message
        self.sender_id = sender_id
        self.type = type
        self.schedule_time = schedule_time
        self.language = language
        self.gender = gender
        self.media_url = media_url
        self.dlt_template_id = dlt_template_id
        self.extra_params = extra_params
        self.on_invalid = on_invalid
        self.max_segments = max_segments
        self.check_balance = check_balance
        self.max_concurrent_requests = max_concurrent_requests
        if store_recipients not in STORE_RECIPIENTS:
            raise TextioProInputError(
                f"store_recipients must be 'full' or 'masked', not {store_recipients!r}."
            )
        if not isinstance(dry_run, bool):
            raise TextioProInputError(f"dry_run must be True or False, not {dry_run!r}.")
        self.tag_defaults = tag_defaults
        self.phone_key = phone_key
        self.send_window = send_window
        self.suppress = suppress
        self.suppress_unsubscribed_in = suppress_unsubscribed_in
        self.textiopro_dry_run = dry_run  # not self.dry_run: BaseOperator.dry_run() is a method
        self.sensitive = type == "otp" if sensitive is None else sensitive
        self.store_recipients = store_recipients
        self._text: str | None = None
        self._progress: SendProgress | None = None

    def execute(self, context: Context) -> Any:
        """Send, unless an earlier try did; with ``dry_run`` (or the connection's), only plan."""
        if self.textiopro_dry_run or self.hook.dry_run is True:
            return self._dry_run()
        return super().execute(context)

    def render_template_fields(self, context: Context, jinja_env: Any = None) -> None:
        """Render the templated fields; a sensitive message is masked and replaced by a placeholder.

        Airflow stores the rendered fields after this: it stores the placeholder, and its secret
        masker hides the text wherever it would be logged.
        """
        super().render_template_fields(context, jinja_env)
        if self.sensitive and isinstance(self.message, str) and self.message != SENSITIVE_TEXT:
            self._text = self.message
            mask_secret(self._text)
            self.message = SENSITIVE_TEXT

    def submit_job(self, context: Context) -> dict[str, Any]:
        """Validate everything, send to each recipient no earlier try reached, and return the send's record.

        The record is the summary without the outcomes; ``ResumableJobMixin`` keeps it
        under ``textiopro_message_send``.
        """
        plan, batches, record = self._planned()
        everyone = plan.numbers
        progress = self._progress = SendProgress.load(self.task_state_store(context))
        numbers = progress.unsent(everyone)
        if progress.requests:
            self.log.info(
                "Earlier tries of this task made %d request(s) for %d recipient(s): sending to the %d "
                "recipient(s) they did not reach, and to no one else.",
                progress.requests,
                len(everyone) - len(numbers),
                len(numbers),
            )
        for planned in plan.steps:
            unsent = progress.unsent(planned.numbers)
            if not unsent:
                continue
            step = dataclasses.replace(planned, numbers=unsent)
            batch = batches[step.text].to(unsent)
            if step.at is not None and (step.how == HOLD or step.at - utc_now() < SCHEDULE_LEAD):
                self.log.info(
                    "Holding %d recipient(s) of text %d in the task until their window opens at %s UTC "
                    "(TextioPro sends a one-recipient request at once despite schedule_time, and "
                    "schedule_time must be later than now).",
                    len(unsent),
                    step.text + 1,
                    f"{step.at:%Y-%m-%d %H:%M}",
                )
                sleep_until(step.at)
            elif step.at is not None:
                when = format_schedule_time(step.at, timezone=lambda: self.hook.timezone, now=utc_now())
                batch = dataclasses.replace(batch, fields={**batch.fields, "schedule_time": when})
            self.log.info(
                "Sending a %s message from %s to %d recipient(s)%s.",
                self.type,
                batch.fields["sender_id"],
                len(unsent),
                f", scheduled for {batch.fields['schedule_time']} ({self.hook.timezone})"
                if batch.fields.get("schedule_time")
                else "",
            )
            self._send(progress, batch, everyone)
        return record

    # -- planning: personal texts, suppression, send windows (before any request) --

    def _planned(self) -> tuple[SendPlan, list[PreparedSend], dict[str, Any]]:
        """Check the send and plan it; return the plan, one checked send per text, and the record."""
        hook = self.hook
        self._fields(self._message())  # the parameters, checked before the rows are read
        texts = plan_personal_texts(
            self._message(),
            self.recipients,
            defaults=self.tag_defaults,
            phone_key=self.phone_key,
            default_region=hook.default_region,
            on_invalid=self.on_invalid,
            unicode=self.type == "unicode",
        )
        self._log_invalid(texts.invalid)
        if not texts.groups:
            raise TextioProInputError(
                f"None of the {len(texts.invalid)} recipients is a usable phone number: nothing was sent."
            )
        window = parse_send_window(self.send_window)
        if window is not None and self.schedule_time:
            raise TextioProInputError(
                "Give send_window or schedule_time, not both: the window sets each recipient's time."
            )
        extra = validate_extra_params(self.extra_params)
        batches = [
            PreparedSend(
                numbers=group.numbers,
                fields=self._fields(group.text),
                extra=extra,
            )
            for group in texts.groups
        ]
        plan = plan_send(
            texts,
            suppressed=self._suppressed(),
            window=window,
            now=utc_now(),
            fallback_timezone=hook.timezone if window is not None else "UTC",
        )
        for step in plan.steps:
            self._check_segments(texts.groups[step.text].segments, len(step.numbers))
        if self.check_balance and plan.steps:
            self._check_balance(plan.estimated_segments())
        self._log_plan(plan)
        first = texts.groups[0].segments
        record = {
            "invalid": [self._stored_invalid(raw, reason) for raw, reason in texts.invalid],
            "schedule_time": batches[0].fields.get("schedule_time"),
            "type": self.type,
            "encoding": first.encoding,
            "characters": first.characters,
            "segments_per_message": max(group.segments.segments for group in texts.groups),
        }
        if (
            texts.personal
            or window is not None
            or self._suppresses
            or self.textiopro_dry_run
            or hook.dry_run is True
        ):
            record["suppressed"] = len(plan.suppressed)
            record["plan"] = plan.to_dict(sensitive=self.sensitive, masked=self.store_recipients == "masked")
        return plan, batches, record

    def _fields(self, text: str) -> dict[str, Any]:
        """Check the message parameters with ``text`` (once per distinct text); return a request's fields."""
        hook = self.hook
        return message_fields(
            text,
            sender_id=self.sender_id,
            default_sender_id=hook.default_sender_id,
            conn_id=self.textiopro_conn_id,
            type=self.type,
            schedule_time=self.schedule_time,
            timezone=lambda: hook.timezone,
            dlt_template_id=self.dlt_template_id,
            channel_params={"language": self.language, "gender": self.gender, "media_url": self.media_url},
        )

    @property
    def _suppresses(self) -> bool:
        """True when the send is given a suppression list or groups."""
        return self.suppress is not None or bool(self.suppress_unsubscribed_in)

    def _message(self) -> str:
        """Return the message text (a sensitive one is kept out of ``self.message`` once rendered)."""
        return self.message if self._text is None else self._text

    def _suppressed(self) -> frozenset[str]:
        """Return the numbers of ``suppress`` and the unsubscribed ones of ``suppress_unsubscribed_in``."""
        given = self.suppress() if callable(self.suppress) else self.suppress
        numbers = set(normalize_suppression(given, default_region=self.hook.default_region).numbers)
        groups = self.suppress_unsubscribed_in
        for uid in [groups] if isinstance(groups, str) else list(groups or ()):
            unsubscribed = unsubscribed_numbers(self.hook.list_contacts(uid))
            self.log.info(
                "Group %s has %d unsubscribed contact(s): they are not sent.", uid, len(unsubscribed)
            )
            numbers |= unsubscribed
        return frozenset(numbers)

    def _log_plan(self, plan: SendPlan) -> None:
        """Log each distinct text's segments, who goes when, and how many are suppressed."""
        if len(plan.texts.groups) > 1:
            self.log.info(
                "%d recipient rows make %d distinct text(s).", len(plan.numbers), len(plan.texts.groups)
            )
        for step in plan.steps:
            self.log.info(
                "Text %d: %d recipient(s) %s.",
                step.text + 1,
                len(step.numbers),
                "now" if step.at is None else f"at {step.at:%Y-%m-%d %H:%M} UTC ({step.how})",
            )
        if plan.suppressed:
            self.log.info(
                "%d recipient(s) are suppressed (opt-out): they are not sent.", len(plan.suppressed)
            )

    def _dry_run(self) -> dict[str, Any]:
        """Plan the send with every check and read, send nothing, and return the plan."""
        _, _, record = self._planned()
        self.log.warning(
            "DRY RUN: nothing was sent. %d recipient(s) would get the message in %d step(s); "
            "the XCom is the plan.",
            sum(len(step["recipients"]) for step in record["plan"]["steps"]),
            len(record["plan"]["steps"]),
        )
        return {"dry_run": True, **record}

    def _stored_invalid(self, raw: str, reason: str) -> dict[str, str]:
        """Return an unusable recipient as the XCom keeps it (hidden with ``store_recipients="masked"``)."""
        if self.store_recipients == "masked":
            return {"recipient": "(not shown)", "reason": "not a usable phone number"}
        return {"recipient": raw, "reason": reason}

    def get_job_status(self, external_id: Any, context: Context) -> str:
        """Return ``"sent"``: a send is recorded only once it is over."""
        self.log.info(
            "An earlier try of this task finished the send: returning its summary, sending nothing."
        )
        return "sent"

    def is_job_active(self, status: str) -> bool:
        """Return False: a recorded send is over."""
        return False

    def is_job_succeeded(self, status: str) -> bool:
        """Return True, so that a recorded send is never sent again (its result fails again if it failed)."""
        return True

    def poll_until_complete(self, external_id: Any, context: Context) -> None:
        """Wait for nothing: ``TextioProMessageSensor`` waits for the delivery."""

    def get_job_result(self, external_id: Any, context: Context) -> dict[str, Any]:
        """Log and return the summary of the send; fail when it reached no one, or some maybe."""
        progress = self._progress
        if progress is None:
            progress = SendProgress.load(self.task_state_store(context))
        summary = self._summary(progress.outcomes, external_id)
        self._log_outcome(summary)
        if progress.uncertain:
            raise AirflowFailException(
                f"TextioPro gave no answer to the request for {len(progress.uncertain)} recipient(s) (the "
                f"first is {progress.uncertain[0]}): they may or may not have got the message, so they are "
                "not sent it again and the task is not retried. Check the TextioPro dashboard and send to "
                "those who did not get it with a new task."
            )
        if not summary["accepted"] and (progress.outcomes or not summary.get("suppressed")):
            raise TextioProInputError(
                f"TextioPro refused every recipient ({summary['refused']}); nothing was sent. "
                "See the reasons above."
            )
        if summary["uids"]:
            push_dashboard_url(
                self, context, MESSAGE_URL_XCOM_KEY, self.hook.dashboard_url("message", summary["uids"][0])
            )
        return summary

    def _log_invalid(self, invalid: list[tuple[str, str]]) -> None:
        """Warn about the numbers skipped with ``on_invalid="skip"``."""
        if invalid:
            self.log.warning(
                "Skipping %d unusable number(s) (on_invalid='skip'):%s",
                len(invalid),
                "".join(f"\n  - {raw}: {reason}" for raw, reason in invalid),
            )

    def _check_segments(self, estimate: SegmentEstimate, recipient_count: int) -> None:
        """Log the segment estimate and enforce ``max_segments``."""
        total = estimate.segments * recipient_count
        self.log.info(
            "The message is %d characters, encoding %s, %d segment(s) per recipient, "
            "%d recipient(s) = %d segment(s).",
            estimate.characters,
            estimate.encoding,
            estimate.segments,
            recipient_count,
            total,
        )
        if self.type == "plain" and estimate.encoding != "GSM-7":
            self.log.info(
                "The text has characters outside GSM-7, so TextioPro sends it as Unicode "
                "(70 characters in one SMS, 67 per part)."
            )
        if self.max_segments is not None and estimate.segments > self.max_segments:
            raise TextioProInputError(
                f"The message takes {estimate.segments} segments ({estimate.characters} characters, "
                f"{estimate.encoding}), more than max_segments={self.max_segments}: shorten it or "
                "raise max_segments. Nothing was sent."
            )

    def _check_balance(self, needed: int) -> None:
        """Fail when the balance is a number smaller than ``needed``."""
        balance = self.hook.get_balance()
        if balance.unlimited or balance.amount is None:
            self.log.info("Balance is %r: not a number, so it is not checked.", balance.remaining)
            return
        if balance.amount < needed:
            raise TextioProError(
                f"The balance ({balance.remaining}) is less than the estimated {needed} segment(s) "
                "this send needs: top up the account or send fewer messages. Nothing was sent."
            )
        self.log.info("Balance is %s, enough for the estimated %d segment(s).", balance.remaining, needed)

    def _send(self, progress: SendProgress, batch: PreparedSend, everyone: list[str]) -> None:
        """Send ``batch`` (checked already), each request written down in ``progress`` before it leaves."""
        progress.on_answer = lambda: self.log.info(
            "Sent %d of %d recipients.", len(progress.outcomes), len(everyone)
        )
        try:
            self.hook.send_prepared(
                batch, progress=progress, max_concurrent_requests=self.max_concurrent_requests
            )
        except Exception as exc:
            self._stopped(progress, everyone, exc)
            raise

    def _stopped(self, progress: SendProgress, everyone: list[str], error: Exception) -> None:
        """Say what a send stopped by ``error`` did; without task state, fail without retry if it sent."""
        sent = len(progress.outcomes)
        if progress.store is not None:
            self.log.warning(
                "The send stopped after %d of %d recipients (%s). The task state keeps who was sent: a "
                "retry sends only to the %d recipient(s) not reached yet%s.",
                sent,
                len(everyone),
                error,
                len(progress.unsent(everyone)),
                f", never to the {len(progress.uncertain)} whose request got no answer"
                if progress.uncertain
                else "",
            )
            return
        if not sent and not progress.uncertain:
            return
        answered = {outcome.recipient for outcome in progress.outcomes}
        rest = [number for number in everyone if number not in answered]
        what = (
            f"The send failed after {sent} of {len(everyone)} recipients got the message"
            if sent
            else "The send may or may not have reached TextioPro"
        )
        raise AirflowFailException(
            f"{what} ({error}). The task is not retried, so nobody gets the message twice: check "
            f"the TextioPro dashboard, then send to the {len(rest)} remaining recipient(s) "
            f"(the first is {rest[0]}) if they did not get it."
        ) from error

    def _summary(self, outcomes: list[RecipientOutcome], record: Mapping[str, Any]) -> dict[str, Any]:
        """Return the JSON-able XCom summary: ``record`` with what the outcomes add up to.

        Suppressed recipients get an outcome with status ``suppressed``; with
        ``store_recipients="masked"`` every number is masked.
        """
        summary = {**SendResult(outcomes=outcomes).summary(record["segments_per_message"]), **record}
        if self.store_recipients == "masked":
            summary["outcomes"] = [
                {**o, "recipient": mask_number(o["recipient"])} for o in summary["outcomes"]
            ]
        suppressed = (record.get("plan") or {}).get("suppressed", [])
        summary["outcomes"] += [
            RecipientOutcome(
                recipient=number, status=SUPPRESSED, error="suppressed (opt-out): not sent"
            ).to_dict()
            for number in suppressed
        ]
        return summary

    def _log_outcome(self, summary: dict[str, Any]) -> None:
        """Log the counts, and every refused recipient with its reason."""
        self.log.info(
            "TextioPro accepted %d recipient(s)%s and refused %d; %d segment(s), cost %s.",
            summary["accepted"],
            " (scheduled)" if summary["scheduled"] else "",
            summary["refused"],
            summary["total_segments"],
            summary["cost"] if summary["cost"] is not None else "not reported",
        )
        if summary["sent_immediately"]:
            self.log.warning(
                "TextioPro sent %d message(s) at once, not at schedule_time %s: it ignores schedule_time "
                "in a request to a single recipient. They are not scheduled.",
                summary["sent_immediately"],
                summary.get("schedule_time"),
            )
        refused = [o for o in summary["outcomes"] if o["error"] is not None and o["status"] != SUPPRESSED]
        if refused:
            self.log.warning(
                "Refused recipients:%s",
                "".join(f"\n  - {o['recipient']}: {o['error']}" for o in refused),
            )
