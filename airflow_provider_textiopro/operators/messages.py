"""Send an SMS, voice, MMS, WhatsApp, Viber or OTP message to a list of recipients."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from airflow_provider_textiopro.exceptions import TextioProError, TextioProInputError
from airflow_provider_textiopro.hooks._internal.settings import DEFAULT_CONN_ID
from airflow_provider_textiopro.links import MESSAGE_URL_XCOM_KEY, TextioProMessageLink, push_dashboard_url
from airflow_provider_textiopro.models import SendResult
from airflow_provider_textiopro.operators.base import TextioProSendOperator
from airflow_provider_textiopro.utils.batching import batched
from airflow_provider_textiopro.utils.phone import (
    NormalizedRecipients,
    check_on_invalid,
    normalize_recipients,
)
from airflow_provider_textiopro.utils.segments import SegmentEstimate, check_max_segments, estimate_segments
from airflow_provider_textiopro.utils.send_progress import SendProgress
from airflow_provider_textiopro.utils.validation import (
    format_schedule_time,
    require_sender_id,
    validate_channel,
    validate_extra_params,
    validate_type_unless_templated,
)
from airflow_provider_textiopro.version_compat import AirflowFailException

if TYPE_CHECKING:
    from airflow_provider_textiopro.models import RecipientOutcome
    from airflow_provider_textiopro.version_compat import Context

MESSAGE_SEND_KEY = "textiopro_message_send"


class TextioProSendMessageOperator(TextioProSendOperator):
    """Send one message to one or many recipients through TextioPro, once.

    Every parameter is checked before any request: recipients are normalised (national
    numbers with the connection's ``default_region``), the channel's rules, the sender
    id and the schedule time are validated, and the SMS segments are estimated and
    logged. Lists of more than 100 recipients are sent in several requests.

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
    instance, deleted once the task succeeds) gets each request's numbers
    before it is sent and its outcomes once answered (``textiopro_message_request_<n>``),
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
    :param textiopro_conn_id: the TextioPro connection.
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
        textiopro_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(textiopro_conn_id=textiopro_conn_id, **kwargs)
        check_on_invalid(on_invalid)
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
        self._progress: SendProgress | None = None

    def submit_job(self, context: Context) -> dict[str, Any]:
        """Validate everything, send to each recipient no earlier try reached, and return the send's record.

        The record is the summary without the outcomes; ``ResumableJobMixin`` keeps it
        under ``textiopro_message_send``.
        """
        channel_fields = validate_channel(
            self.type,
            self.message,
            {"language": self.language, "gender": self.gender, "media_url": self.media_url},
        )
        sender_id = require_sender_id(
            self.sender_id, self.hook.default_sender_id, type=self.type, conn_id=self.textiopro_conn_id
        )
        extra_params = validate_extra_params(self.extra_params)
        schedule_time = format_schedule_time(self.schedule_time, timezone=lambda: self.hook.timezone)
        recipients = normalize_recipients(
            self.recipients, default_region=self.hook.default_region, on_invalid=self.on_invalid
        )
        self._log_invalid(recipients)
        if not recipients.numbers:
            raise TextioProInputError(
                f"None of the {len(recipients.invalid)} recipients is a usable phone number: "
                "nothing was sent."
            )
        estimate = estimate_segments(self.message, unicode=self.type == "unicode")
        progress = self._progress = SendProgress.load(self.task_state_store(context))
        numbers = progress.unsent(recipients.numbers)
        if progress.requests:
            self.log.info(
                "Earlier tries of this task made %d request(s) for %d recipient(s): sending to the %d "
                "recipient(s) they did not reach, and to no one else.",
                progress.requests,
                len(recipients.numbers) - len(numbers),
                len(numbers),
            )
        if numbers:
            self._check_segments(estimate, len(numbers))
            if self.check_balance:
                self._check_balance(estimate.segments * len(numbers))
            self.log.info(
                "Sending a %s message from %s to %d recipient(s)%s.",
                self.type,
                sender_id,
                len(numbers),
                f", scheduled for {schedule_time} ({self.hook.timezone})" if schedule_time else "",
            )
            self._send(
                progress,
                numbers,
                recipients.numbers,
                sender_id=sender_id,
                type=self.type,
                schedule_time=schedule_time,
                dlt_template_id=self.dlt_template_id,
                **channel_fields,
                **({"extra_params": extra_params} if extra_params else {}),
            )
        return {
            "invalid": [{"recipient": raw, "reason": reason} for raw, reason in recipients.invalid],
            "schedule_time": schedule_time,
            "type": self.type,
            "encoding": estimate.encoding,
            "characters": estimate.characters,
            "segments_per_message": estimate.segments,
        }

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
        if not summary["accepted"]:
            raise TextioProInputError(
                f"TextioPro refused every recipient ({summary['refused']}); nothing was sent. "
                "See the reasons above."
            )
        if summary["uids"]:
            push_dashboard_url(
                self, context, MESSAGE_URL_XCOM_KEY, self.hook.dashboard_url("message", summary["uids"][0])
            )
        return summary

    def _log_invalid(self, recipients: NormalizedRecipients) -> None:
        """Warn about the numbers skipped with ``on_invalid="skip"``."""
        if recipients.invalid:
            self.log.warning(
                "Skipping %d unusable number(s) (on_invalid='skip'):%s",
                len(recipients.invalid),
                "".join(f"\n  - {raw}: {reason}" for raw, reason in recipients.invalid),
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

    def _send(
        self, progress: SendProgress, numbers: list[str], everyone: list[str], **send_kwargs: Any
    ) -> None:
        """Send to ``numbers`` one request of at most 100 at a time, writing each down in ``progress``."""
        for chunk in batched(numbers):
            try:
                with progress.sending(chunk):
                    # With '+', the hook reads the normalised numbers as international, never nationally.
                    result = self.hook.send_message(
                        [f"+{number}" for number in chunk], self.message, **send_kwargs
                    )
            except Exception as exc:
                self._stopped(progress, everyone, exc)
                raise
            progress.finish(result.outcomes)
            self.log.info("Sent %d of %d recipients.", len(progress.outcomes), len(everyone))

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
        """Return the JSON-able XCom summary: ``record`` with what the outcomes add up to."""
        result = SendResult(outcomes=outcomes)
        accepted = result.accepted
        segments = record["segments_per_message"]
        return {
            "uids": result.uids,
            "outcomes": [outcome.to_dict() for outcome in outcomes],
            "accepted": len(accepted),
            "refused": len(result.refused),
            **record,
            "scheduled": result.scheduled,
            "sent_immediately": len(result.sent_immediately),
            "total_segments": sum(segments if o.segments is None else o.segments for o in accepted),
            "cost": _total_cost(outcome.cost for outcome in accepted),
        }

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
        refused = [o for o in summary["outcomes"] if o["error"] is not None]
        if refused:
            self.log.warning(
                "Refused recipients:%s",
                "".join(f"\n  - {o['recipient']}: {o['error']}" for o in refused),
            )


def _total_cost(costs: Iterable[str | None]) -> str | None:
    """Return the sum of the costs as a string, or None when any is missing or not a number."""
    total = Decimal(0)
    for cost in costs:
        try:
            total += Decimal(str(cost).replace(",", "").strip())
        except (InvalidOperation, ValueError):
            return None
        if not total.is_finite():
            return None
    return str(total)
