"""Send an SMS, voice, MMS, WhatsApp, Viber or OTP message to a list of recipients."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_textiopro.compat import AirflowFailException, BaseOperator
from airflow_provider_textiopro.connection import DEFAULT_CONN_ID
from airflow_provider_textiopro.errors import TextioProError, TextioProInputError, TextioProSendUncertainError
from airflow_provider_textiopro.links import MESSAGE_URL_XCOM_KEY, TextioProMessageLink
from airflow_provider_textiopro.phone import NormalizedRecipients, check_on_invalid, normalize_recipients
from airflow_provider_textiopro.segments import SegmentEstimate, check_max_segments, estimate_segments
from airflow_provider_textiopro.validation import (
    format_schedule_time,
    validate_channel,
    validate_sender_id,
    validate_type,
)

if TYPE_CHECKING:
    from airflow_provider_textiopro.compat import Context
    from airflow_provider_textiopro.hooks.textiopro import TextioProHook
    from airflow_provider_textiopro.models import SendResult


class TextioProSendMessageOperator(BaseOperator):
    """
    Send one message to one or many recipients through TextioPro.

    Every parameter is checked before any request: recipients are normalised (national
    numbers with the connection's ``default_region``), the channel's rules, the sender
    id and the schedule time are validated, and the SMS segments are estimated and
    logged. Lists of more than 100 recipients are sent in several requests.

    The returned XCom is a JSON-able summary that
    :class:`~airflow_provider_textiopro.sensors.textiopro.TextioProMessageSensor` takes as
    it is: ``uids``, ``outcomes`` (recipient, uid, status, error, cost, segments per
    recipient), ``accepted``, ``refused``, ``invalid`` (numbers skipped with
    ``on_invalid="skip"``, with the reason), ``scheduled``, ``type``, ``encoding``,
    ``characters``, ``segments_per_message``, ``total_segments`` and ``cost`` (the sum,
    when every accepted message reports a numeric cost). A scheduled send has no uids:
    TextioPro creates the messages when their time comes.

    A send is never repeated by an Airflow retry once part of it may have gone out: when
    a later request of a large send fails, or a request got no answer, the task fails
    without retrying and says how many recipients already got the message.

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
    )
    template_fields_renderers = {"recipients": "json"}
    ui_color = "#d6ecfa"
    operator_extra_links = (TextioProMessageLink(),)

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
        on_invalid: str = "fail",
        max_segments: int | None = None,
        check_balance: bool = False,
        textiopro_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_on_invalid(on_invalid)
        if not (isinstance(type, str) and "{{" in type):
            validate_type(type)
        if max_segments is not None:
            check_max_segments(max_segments)
        self.recipients = recipients
        self.message = message
        self.sender_id = sender_id
        self.type = type
        self.schedule_time = schedule_time
        self.language = language
        self.gender = gender
        self.media_url = media_url
        self.dlt_template_id = dlt_template_id
        self.on_invalid = on_invalid
        self.max_segments = max_segments
        self.check_balance = check_balance
        self.textiopro_conn_id = textiopro_conn_id

    @cached_property
    def hook(self) -> TextioProHook:
        """The TextioPro hook of ``textiopro_conn_id``."""
        from airflow_provider_textiopro.hooks.textiopro import TextioProHook

        return TextioProHook(textiopro_conn_id=self.textiopro_conn_id)

    def execute(self, context: Context) -> dict[str, Any]:
        """Validate everything, send, log the outcome and return the summary."""
        hook = self.hook
        channel_fields = validate_channel(
            self.type,
            self.message,
            {"language": self.language, "gender": self.gender, "media_url": self.media_url},
        )
        sender_id = validate_sender_id(self.sender_id, type=self.type)
        schedule_time = format_schedule_time(self.schedule_time, timezone=hook.timezone)
        recipients = normalize_recipients(
            self.recipients, default_region=hook.default_region, on_invalid=self.on_invalid
        )
        self._log_invalid(recipients)
        if not recipients.numbers:
            raise TextioProInputError(
                f"None of the {len(recipients.invalid)} recipients is a usable phone number: "
                "nothing was sent."
            )
        estimate = estimate_segments(self.message, unicode=self.type == "unicode")
        self._check_segments(estimate, len(recipients.numbers))
        if self.check_balance:
            self._check_balance(hook, estimate.segments * len(recipients.numbers))

        self.log.info(
            "Sending a %s message from %s to %d recipient(s)%s.",
            self.type,
            sender_id or f"the connection's default sender ({hook.default_sender_id or 'none set'})",
            len(recipients.numbers),
            f", scheduled for {schedule_time} ({hook.timezone})" if schedule_time else "",
        )
        result = self._send(hook, recipients.numbers, sender_id, schedule_time, channel_fields)
        summary = self._summary(result, recipients, estimate)
        self._log_outcome(summary)
        if not summary["accepted"]:
            raise TextioProInputError(
                f"TextioPro refused every recipient ({summary['refused']}); nothing was sent. "
                "See the reasons above."
            )
        if result.uids:
            context["ti"].xcom_push(
                key=MESSAGE_URL_XCOM_KEY, value=hook.dashboard_url("message", result.uids[0])
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

    def _check_balance(self, hook: TextioProHook, needed: int) -> None:
        """Fail when the balance is a number smaller than ``needed``."""
        balance = hook.get_balance()
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
        self,
        hook: TextioProHook,
        numbers: list[str],
        sender_id: str | None,
        schedule_time: str | None,
        channel_fields: dict[str, Any],
    ) -> SendResult:
        """Call the hook; once part of the send went out, turn a failure into one that is not retried."""
        sent = 0

        def on_chunk_sent(done: int, total: int) -> None:
            nonlocal sent
            sent = done
            self.log.info("Sent %d of %d recipients.", done, total)

        try:
            return hook.send_message(
                # With '+', the hook reads the normalised numbers as international, never nationally again.
                [f"+{number}" for number in numbers],
                self.message,
                sender_id=sender_id,
                type=self.type,
                schedule_time=schedule_time,
                dlt_template_id=self.dlt_template_id,
                on_chunk_sent=on_chunk_sent,
                **channel_fields,
            )
        except Exception as exc:
            if sent == 0 and not isinstance(exc, TextioProSendUncertainError):
                raise
            what = (
                f"The send failed after {sent} of {len(numbers)} recipients got the message"
                if sent
                else "The send may or may not have reached TextioPro"
            )
            raise AirflowFailException(
                f"{what} ({exc}). The task is not retried, so nobody gets the message twice: check "
                f"the TextioPro dashboard, then send to the {len(numbers) - sent} remaining recipient(s) "
                f"(the first is {numbers[sent]}) if they did not get it."
            ) from exc

    def _summary(
        self, result: SendResult, recipients: NormalizedRecipients, estimate: SegmentEstimate
    ) -> dict[str, Any]:
        """Return the JSON-able XCom summary of a send."""
        accepted = result.accepted
        return {
            "uids": result.uids,
            "outcomes": [outcome.to_dict() for outcome in result.outcomes],
            "accepted": len(accepted),
            "refused": len(result.refused),
            "invalid": [{"recipient": raw, "reason": reason} for raw, reason in recipients.invalid],
            "scheduled": result.scheduled,
            "type": self.type,
            "encoding": estimate.encoding,
            "characters": estimate.characters,
            "segments_per_message": estimate.segments,
            "total_segments": sum(
                estimate.segments if outcome.segments is None else outcome.segments for outcome in accepted
            ),
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
