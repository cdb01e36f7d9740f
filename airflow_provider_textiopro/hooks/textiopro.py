"""TextioProHook: every TextioPro API call, in both auth styles, with retries and typed results."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import replace
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from functools import cached_property
from typing import Any, TypeVar
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import requests
import tenacity

from airflow_provider_textiopro import __version__
from airflow_provider_textiopro.exceptions import (
    TextioProAuthStyleError,
    TextioProCampaignUntrackedError,
    TextioProError,
    TextioProInputError,
    TextioProNotFoundError,
    TextioProRateLimitError,
    TextioProSendUncertainError,
    TextioProServerError,
    TextioProServerFaultError,
    TextioProWaitTimeoutError,
)
from airflow_provider_textiopro.hooks._internal import endpoints as ep
from airflow_provider_textiopro.hooks._internal.answers import (
    ADVICE_UNCERTAIN,
    Answer,
    RouteMissingError,
    is_gateway_refusal,
    outcomes_from_answer,
    read_answer,
    reasons_by_number,
    refused,
)
from airflow_provider_textiopro.hooks._internal.concurrency import ordered_map
from airflow_provider_textiopro.hooks._internal.concurrent_send import AttemptLog, Attempts, ConcurrentSend
from airflow_provider_textiopro.hooks._internal.form import field_behaviour, form_widgets
from airflow_provider_textiopro.hooks._internal.pacing import Pacer, pacer_for
from airflow_provider_textiopro.hooks._internal.redaction import scrub, scrub_logger, token_forms
from airflow_provider_textiopro.hooks._internal.retries import RetryPolicy, build_retrying, was_not_sent
from airflow_provider_textiopro.hooks._internal.session import ConnectionSession
from airflow_provider_textiopro.hooks._internal.settings import (
    DEFAULT_CONN_ID,
    ConnectionSettings,
    check_concurrency,
    validate_auth_style,
)
from airflow_provider_textiopro.models import (
    Balance,
    Campaign,
    Contact,
    Group,
    Message,
    Page,
    PreparedSend,
    Profile,
    RecipientOutcome,
    SendResult,
    parse_display_date,
)
from airflow_provider_textiopro.utils.batching import batched
from airflow_provider_textiopro.utils.completion import (
    MessageWatch,
    campaign_completion,
    is_final,
    messages_completion,
)
from airflow_provider_textiopro.utils.phone import normalize_phone
from airflow_provider_textiopro.utils.send_check import message_fields, prepare_send
from airflow_provider_textiopro.utils.send_progress import RequestRecord, SendProgress
from airflow_provider_textiopro.utils.uids import parse_uid, parse_uids
from airflow_provider_textiopro.utils.validation import validate_extra_params
from airflow_provider_textiopro.version_compat import BaseHook, mask_secret

__all__ = ["TextioProHook"]

T = TypeVar("T")
A = TypeVar("A")

USER_AGENT = f"airflow-provider-textiopro/{__version__} (requests/{requests.__version__})"
DASHBOARD_PATHS = {
    "campaign": "campaigns/{uid}/overview",
    "message": "reports/{uid}/view",
    "group": "contacts/{uid}/show",
}
MAX_PAGES = 10_000
PREVIEW = 10
CREATED_AT_TOLERANCE = timedelta(minutes=5)


def _preview(numbers: list[str]) -> str:
    """Return the first numbers of a list, and how many more there are."""
    shown = ", ".join(numbers[:PREVIEW])
    return f"{shown} and {len(numbers) - PREVIEW} more" if len(numbers) > PREVIEW else shown


def _uids(value: str | Iterable[str], what: str) -> list[str]:
    """Return the uids of a comma-separated string or an iterable, stripped and without duplicates."""
    return parse_uids(value, what, empty_message=f"{what} is empty: give at least one uid.")


def _campaign_mismatch(
    found: Campaign, message: str, sent_at: datetime, zones: Iterable[str | None]
) -> str | None:
    """Say why ``found`` is not the campaign sent at ``sent_at`` with ``message``; None when it may be.

    Its creation time (a display string without zone) must not be older than the send, read in
    each of ``zones`` in turn (lazily); a None zone (unknown) ends the comparison undecided.
    """
    if found.message is not None and str(found.message).strip() != message.strip():
        return f"that campaign's message is {str(found.message)[:60]!r}, not the one just sent"
    created = parse_display_date(found.created_at)
    if created is None:
        return None
    for zone in zones:
        if (
            zone is None
            or created >= sent_at.astimezone(ZoneInfo(zone)).replace(tzinfo=None) - CREATED_AT_TOLERANCE
        ):
            return None
    return f"that campaign was created {found.created_at}, before this one was sent"


def _one(answer: Answer, operation: str) -> Mapping[str, Any]:
    """Return the single object of an answer (a one-item list counts), or raise TextioProServerError."""
    data = answer.data
    if isinstance(data, list) and data:
        data = data[0]
    if not isinstance(data, Mapping):
        raise TextioProServerError(
            f"TextioPro {operation} answered success without the expected object "
            f"(data: {str(data)[:100]!r}). Retry later, and report it to TextioPro if it persists.",
            operation=operation,
        )
    return data


class TextioProHook(BaseHook):
    """Call the TextioPro messaging API.

    The connection's host is the base URL (default ``https://app.textiopro.com``), its
    password the API token, and its extra holds ``auth_style`` (``bearer``: ``/api/v3``
    with an Authorization header, the default; ``api_token``: ``/api/http`` with the
    token in the request), ``timeout``, ``default_sender_id``, ``default_region``,
    ``timezone`` (else the account profile's, see :attr:`timezone`), ``max_retries``,
    ``retry_wait_min``, ``retry_wait_max``, ``scheme``, ``max_concurrent_requests`` (requests of
    a bulk send in flight at once, default 8: 8 requests of 100 recipients taking 0.4 s reach the
    platform's 1,000 requests a minute) and ``rate_limit_max_wait`` (seconds one request may
    wait at the account's rate limit, default 600).

    Every request is paced on the account's rate limit (:attr:`pacer`, one per account in the
    process): successful answers carry ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining``, and
    a request refused with ``Too Many Attempts.`` was not processed, so it waits and goes again.

    :param textiopro_conn_id: the Airflow connection id.
    :param auth_style: overrides the connection's ``auth_style``.
    :param timeout: overrides the connection's ``timeout`` (seconds per request).
    :param max_retries: overrides the connection's ``max_retries``.
    :param max_concurrent_requests: overrides the connection's ``max_concurrent_requests``: how
        many reads of one call (the pages of a list, the messages of :meth:`get_messages`) run at once.
    """

    conn_name_attr = "textiopro_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = "textiopro"
    hook_name = "TextioPro"

    def __init__(
        self,
        textiopro_conn_id: str = default_conn_name,
        *,
        auth_style: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        max_concurrent_requests: int | None = None,
    ) -> None:
        super().__init__()
        self.textiopro_conn_id = textiopro_conn_id
        self._auth_style = None if auth_style is None else validate_auth_style(auth_style)
        self._timeout = timeout
        self._max_retries = max_retries
        self._max_concurrent_requests = max_concurrent_requests
        self._session: requests.Session | None = None
        self._verbs: dict[str, str] = {}
        self._sleep: Callable[[float], Any] = time.sleep
        self._clock: Callable[[], float] = time.monotonic

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Return the connection form's hidden fields, labels and placeholders (Airflow 2.x UI)."""
        return field_behaviour()

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Return the extra fields of the connection form (Airflow 2.x UI)."""
        return form_widgets()

    @cached_property
    def settings(self) -> ConnectionSettings:
        """The connection's parsed settings, loaded on first use; the token is masked in logs."""
        conn = self.get_connection(self.textiopro_conn_id)
        if conn.password:
            mask_secret(conn.password)
        settings = ConnectionSettings.from_connection(
            conn,
            auth_style=self._auth_style,
            timeout=self._timeout,
            max_retries=self._max_retries,
            max_concurrent_requests=self._max_concurrent_requests,
        )
        for form in token_forms(settings.token):
            mask_secret(form)
        return settings

    @cached_property
    def retry_policy(self) -> RetryPolicy:
        """The retry bounds taken from the connection."""
        settings = self.settings
        return RetryPolicy(
            max_retries=settings.max_retries,
            wait_min=settings.retry_wait_min,
            wait_max=settings.retry_wait_max,
        )

    @property
    def base_url(self) -> str:
        """The server's base URL, e.g. ``https://app.textiopro.com``."""
        return self.settings.base_url

    @property
    def auth_style(self) -> str:
        """``bearer`` or ``api_token``."""
        return self.settings.auth_style

    @property
    def default_sender_id(self) -> str | None:
        """The sender id used when a send gives none."""
        return self.settings.default_sender_id

    @property
    def dry_run(self) -> bool:
        """True when the connection's extra ``dry_run`` forbids every send and write of its tasks."""
        return self.settings.dry_run

    @property
    def default_region(self) -> str | None:
        """The ISO region for phone numbers written without a country code."""
        return self.settings.default_region

    @cached_property
    def timezone(self) -> str:
        """The account's timezone, in which TextioPro reads ``schedule_time`` (found once per hook).

        TextioPro reads a schedule time in the zone of the account's profile (``GET me``), so
        the profile is read on first use. The connection's ``timezone`` wins when it is set (with
        a warning when the profile says otherwise); without it the profile's zone is used.

        :raises TextioProError: the connection sets no ``timezone`` and the profile cannot be read.
        """
        configured = self.settings.timezone
        try:
            profile_zone = self.get_profile().timezone
        except TextioProError as error:
            if configured is None:
                raise type(error)(
                    f"Cannot read the account's timezone, in which TextioPro reads schedule_time ({error}). "
                    "Nothing was sent. Set the connection extra 'timezone' (the zone of the TextioPro "
                    "account, e.g. 'Asia/Kolkata'), or retry.",
                    status_code=error.status_code,
                    api_message=error.api_message,
                    operation="get_profile",
                ) from error
            self.log.warning(
                "Could not read the account's timezone (%s): writing schedule times in %s, the "
                "connection's timezone.",
                error,
                configured,
            )
            return configured
        if configured is not None:
            if profile_zone and profile_zone != configured:
                self.log.warning(
                    "The connection's timezone %s differs from the account's timezone %s (its profile), "
                    "in which TextioPro reads schedule_time: schedule times are written in %s and may go "
                    "out at another hour than meant. Set the connection's timezone to %s, or remove it.",
                    configured,
                    profile_zone,
                    configured,
                    profile_zone,
                )
            return configured
        if not profile_zone:
            self.log.warning(
                "The account's profile gives no timezone: writing schedule times in UTC. Set the "
                "connection extra 'timezone' if the TextioPro account uses another zone."
            )
            return "UTC"
        self.log.info("Schedule times are written in %s, the account's timezone (its profile).", profile_zone)
        return profile_zone

    def get_conn(self) -> requests.Session:
        """Return the hook's HTTP session (one per hook, kept alive between calls).

        It carries the connection's ``verify``, ``cert`` and ``proxies`` extras.
        """
        if self._session is None:
            scrub_logger("urllib3.connectionpool")  # its DEBUG lines quote URLs, api_token included
            settings = self.settings
            if settings.verify is False:
                self.log.warning(
                    "TLS certificate verification is off for connection %r (extra verify=false): "
                    "anyone on the network path can read the token. Give verify the path of a CA "
                    "bundle instead.",
                    self.textiopro_conn_id,
                )
            self._session = ConnectionSession(
                settings,
                {"User-Agent": USER_AGENT, "Accept": "application/json", "Content-Type": "application/json"},
            )
        return self._session

    def close(self) -> None:
        """Close the HTTP session and its pooled connections (a later call opens a new one)."""
        if self._session is not None:
            self._session.close()
            self._session = None

    def test_connection(self) -> tuple[bool, str]:
        """Read the profile and the balance; return ``(ok, message)`` without the token."""
        try:
            policy = self.retry_policy
            self.retry_policy = replace(policy, max_retries=min(policy.max_retries, 1))
            try:
                profile = self.get_profile()
                balance = self.get_balance()
            finally:
                self.retry_policy = policy
        except Exception as error:
            return False, self._scrub(str(error))
        return True, f"Connected as {profile.name}; balance {balance.remaining or 'unknown'}"

    # Messages

    def send_message(
        self,
        recipients: str | Iterable[str],
        message: str,
        *,
        sender_id: str | None = None,
        type: str = "plain",
        schedule_time: Any = None,
        dlt_template_id: str | None = None,
        on_invalid: str = "fail",
        extra_params: Mapping[str, Any] | None = None,
        max_concurrent_requests: int | None = None,
        **channel_params: Any,
    ) -> SendResult:
        """Send a message to recipients, in requests of at most 100 numbers, several at once.

        Everything is checked before the first request leaves (see :meth:`prepare_send`); the
        requests then go out as :meth:`send_prepared` sends them.

        :param recipients: phone numbers: a comma/semicolon/newline separated string or an iterable.
        :param message: the text.
        :param sender_id: the sender; defaults to the connection's ``default_sender_id``.
        :param type: ``plain``, ``unicode``, ``voice``, ``mms``, ``whatsapp``, ``viber`` or ``otp``.
        :param schedule_time: when to send (datetime, or string in the account's timezone).
        :param dlt_template_id: a registered DLT template id.
        :param on_invalid: ``fail`` (default) refuses the whole send when a number is unusable;
            ``skip`` sends to the others and reports the unusable ones as refused outcomes.
        :param extra_params: fields the provider does not know, sent as given (see :meth:`extra_fields`).
        :param max_concurrent_requests: requests in flight at once (1 to 32); defaults to the
            connection's ``max_concurrent_requests`` (8).
        :param channel_params: ``language`` and ``gender`` (voice), ``media_url`` (mms, whatsapp, viber).
        :return: one outcome per recipient, in the order of the recipients (a message uid, or why
            it was refused); a recipient TextioPro sent at once despite ``schedule_time`` (it does
            so for a request to a single recipient) has ``sent_immediately`` set, and the log warns.
        :raises TextioProError: when a request fails; if other requests went through, the error's
            ``partial_result`` holds their outcomes and its message says who was sent and who not.
        """
        batch = self.prepare_send(
            recipients,
            message,
            sender_id=sender_id,
            type=type,
            schedule_time=schedule_time,
            dlt_template_id=dlt_template_id,
            on_invalid=on_invalid,
            extra_params=extra_params,
            **channel_params,
        )
        return self.send_prepared(batch, max_concurrent_requests=max_concurrent_requests)

    def prepare_send(
        self,
        recipients: str | Iterable[str],
        message: str,
        *,
        sender_id: str | None = None,
        type: str = "plain",
        schedule_time: Any = None,
        dlt_template_id: str | None = None,
        on_invalid: str = "fail",
        extra_params: Mapping[str, Any] | None = None,
        **channel_params: Any,
    ) -> PreparedSend:
        """Check a send and normalise its recipients once, with the connection's defaults.

        Takes the arguments of :meth:`send_message`; give the result to :meth:`send_prepared`.

        :raises TextioProInputError: naming what is wrong; nothing was sent.
        """
        return prepare_send(
            recipients,
            message,
            default_region=self.default_region,
            on_invalid=on_invalid,
            extra_params=extra_params,
            **self._message_parameters(sender_id, type, schedule_time, dlt_template_id, channel_params),
        )

    def send_prepared(
        self,
        batch: PreparedSend,
        *,
        progress: SendProgress | None = None,
        max_concurrent_requests: int | None = None,
    ) -> SendResult:
        """Send a checked send (:meth:`prepare_send`) without checking it again.

        Its numbers go in requests of at most 100, up to ``max_concurrent_requests`` in flight at
        once, paced on the account's rate limit (successful answers carry ``X-RateLimit-Limit``
        and ``X-RateLimit-Remaining``). A request refused at the limit (``Too Many Attempts.``)
        was not processed: it waits and is sent again. A request that got no answer is never
        sent again. When a request fails, no further request leaves; those in flight finish.

        :param batch: the send, as :meth:`prepare_send` returns it.
        :param progress: where each request is written down before it leaves and replaced by its
            answer, or by "not processed" (see :mod:`~airflow_provider_textiopro.utils.send_progress`).
        :param max_concurrent_requests: requests in flight at once (1 to 32); defaults to the
            connection's ``max_concurrent_requests`` (8).
        :return: one outcome per recipient, in the order of ``batch.numbers`` then the invalid ones.
        :raises TextioProError: as :meth:`send_message`.
        """
        if batch.extra:
            self.log.info(
                "TextioPro send_message: passing extra fields through as given: %s", ", ".join(batch.extra)
            )
        skipped = [
            RecipientOutcome(recipient=raw, error=f"not a usable phone number: {reason}")
            for raw, reason in batch.invalid
        ]
        if skipped:
            self.log.warning(
                "Skipping %d unusable numbers: %s", len(skipped), _preview([r for r, _ in batch.invalid])
            )
        concurrency = (
            self.settings.max_concurrent_requests
            if max_concurrent_requests is None
            else check_concurrency(max_concurrent_requests)
        )
        records = (progress or SendProgress()).plan(list(batched(batch.numbers)))
        send = ConcurrentSend(records, lambda record, attempt: self._send_chunk(record, batch, attempt))
        self.log.info(
            "TextioPro send_message: %d recipient(s) in %d request(s), up to %d at once",
            len(batch.numbers),
            len(records),
            min(concurrency, len(records)),
        )
        self.get_conn(), self.retry_policy, self.pacer  # made once, before the requests' threads share them
        send.run(concurrency, on_answer=self._log_progress)
        if send.error is not None:
            if isinstance(send.error, TextioProError) and len(records) > 1:
                self._add_partial_send(send.error, send, skipped)
            raise send.error
        result = SendResult(outcomes=send.outcomes + skipped, requests=len(records))
        self.log.info(
            "TextioPro accepted %d of %d recipients in %d requests%s; %d refused",
            len(result.accepted),
            len(result.outcomes),
            len(records),
            " (scheduled)" if result.scheduled else "",
            len(result.refused),
        )
        if result.sent_immediately:
            self.log.warning(
                "TextioPro sent %d message(s) at once although schedule_time was %s: %s. TextioPro "
                "ignores schedule_time in a request to a single recipient; they are not scheduled.",
                len(result.sent_immediately),
                batch.fields["schedule_time"],
                _preview([o.recipient for o in result.sent_immediately]),
            )
        return result

    def extra_fields(self, extra_params: Mapping[str, Any] | None, operation: str) -> dict[str, Any]:
        """Check ``extra_params`` (fields a newer server knows and the provider not) and log their names.

        They are sent as given; a field the provider sends itself (``recipient``, ``api_token``,
        ``message`` ...) is refused with TextioProInputError, so they can never override one.
        """
        fields = validate_extra_params(extra_params)
        if fields:
            self.log.info(
                "TextioPro %s: passing extra fields through as given: %s", operation, ", ".join(fields)
            )
        return fields

    def get_message(self, uid: str) -> Message:
        """Return one message (its delivery status, cost and segments)."""
        return Message.from_api(
            _one(self._call(ep.VIEW_SMS, "get_message", path={"uid": parse_uid(uid)}), "get_message")
        )

    def get_messages(
        self, uids: str | Iterable[str], *, final: dict[str, Message] | None = None
    ) -> list[Message]:
        """Return the messages of ``uids`` in that order, reading only those not known to be final.

        The reads run concurrently, at most ``max_concurrent_requests`` at once.

        :param uids: message uids: a comma-separated string or an iterable.
        :param final: messages whose status cannot change any more, by uid; those read final now
            are added to it (an undocumented status is read again each time).
        """
        known = {} if final is None else final
        order = _uids(uids, "uids")
        unread = [uid for uid in order if uid not in known]
        read = dict(zip(unread, self._concurrently(self.get_message, unread), strict=True))
        for uid, message in read.items():
            if is_final(message):
                known[uid] = message
        return [known.get(uid) or read[uid] for uid in order]

    def read_due_messages(self, watch: MessageWatch) -> MessageWatch:
        """Read the messages a wait reads in this poll (:meth:`MessageWatch.due`) and record them in it."""
        uids = watch.due()
        if uids:
            watch.record(uids, self.get_messages(uids))
        return watch

    def list_messages(self) -> Iterator[Message]:
        """Iterate over every message of the account, newest first, lazily (see :meth:`list_contacts`)."""
        return self._pages(ep.LIST_SMS, "list_messages", Message.from_api)

    def latest_message_uid(self) -> str | None:
        """Return the uid of the newest message listed (one request), or None when there is none."""
        return next((message.uid for message in self.list_messages()), None)

    def list_messages_since(self, cursor: str | Iterable[str] | None, *, limit: int = 250) -> list[Message]:
        """Return the messages listed above ``cursor`` (newest first), reading pages only until it.

        The list has no dates: "newer" means listed before the cursor. Pages are requested
        one after another, so a cursor on the first page costs one request and none is read past it.

        :param cursor: a message uid, or several (the first one met ends the list); None reads
            until ``limit`` (nothing was listed when the wait began).
        :param limit: read at most this many messages; more are logged and left out.
        """
        stops = {cursor} if isinstance(cursor, str) else set(cursor or ())
        newer: list[Message] = []
        for message in self._pages(ep.LIST_SMS, "list_messages", Message.from_api, ahead=False):
            if message.uid in stops:
                return newer
            if len(newer) >= limit:
                self.log.warning(
                    "TextioPro list_messages_since: stopped after %d messages without meeting the cursor %s",
                    limit,
                    ", ".join(sorted(stops)) or "(none)",
                )
                return newer
            newer.append(message)
        if stops:
            self.log.warning(
                "TextioPro list_messages_since: the cursor %s is not listed any more; "
                "every message counts as new",
                ", ".join(sorted(stops)),
            )
        return newer

    # Campaigns

    def send_campaign(
        self,
        contact_list_ids: str | Iterable[str],
        message: str,
        *,
        sender_id: str | None = None,
        type: str = "plain",
        schedule_time: Any = None,
        dlt_template_id: str | None = None,
        extra_params: Mapping[str, Any] | None = None,
        attempt: AttemptLog | None = None,
        **channel_params: Any,
    ) -> Campaign:
        """Send a campaign to one or more contact groups (bearer API on most servers).

        :param contact_list_ids: group uids: a comma-separated string or an iterable.
        :param message: the text.
        :param sender_id: the sender; defaults to the connection's ``default_sender_id``.
        :param type: the message type, as for :meth:`send_message`.
        :param schedule_time: when to send (datetime, or string in the account's timezone).
        :param dlt_template_id: a registered DLT template id.
        :param extra_params: fields the provider does not know, sent as given (see :meth:`extra_fields`).
        :param attempt: told right before each attempt of the request leaves, and when one was
            provably not processed (refused at the limit): see ``SentRequest.sending``.
        :param channel_params: ``language``, ``gender``, ``media_url`` as for :meth:`send_message`.
        :raises TextioProAuthStyleError: the server has no campaign API in ``api_token`` style.
        :raises TextioProCampaignUntrackedError: the campaign went out, but the uid TextioPro
            answered is another campaign's (read back, it holds another message or creation
            time): never retry it, find the campaign in the dashboard.
        """
        ids = _uids(contact_list_ids, "contact_list_ids")
        body = {
            "contact_list_id": ",".join(ids),
            **message_fields(
                message,
                **self._message_parameters(sender_id, type, schedule_time, dlt_template_id, channel_params),
            ),
            **self.extra_fields(extra_params, "send_campaign"),
        }
        sent_at = datetime.now(dt_timezone.utc)
        answer = self._call(ep.SEND_CAMPAIGN, "send_campaign", body=body, attempt=attempt)
        campaign = Campaign.from_api(answer.data) if isinstance(answer.data, Mapping) else None
        if campaign is None or not campaign.uid:
            raise TextioProSendUncertainError(
                f"TextioPro send_campaign answered success without a campaign uid ({answer.message!r}). "
                f"{ADVICE_UNCERTAIN}",
                operation="send_campaign",
            )
        self._confirm_new_campaign(campaign.uid, message, sent_at)
        self.log.info("TextioPro campaign %s is %s", campaign.uid, campaign.raw_status)
        return campaign

    def _confirm_new_campaign(self, uid: str, message: str, sent_at: datetime) -> None:
        """Read campaign ``uid`` back and raise unless it may be the one just sent with ``message``.

        TextioPro can answer the uid of the account's first campaign instead of the new one.

        :raises TextioProCampaignUntrackedError: it is another campaign, or it cannot be read.
        """
        try:
            found = self.get_campaign(uid)
        except TextioProError as error:
            mismatch: str | None = f"reading it back failed ({error})"
        else:
            mismatch = _campaign_mismatch(found, message, sent_at, self._display_zones())
        if mismatch is None:
            return
        raise TextioProCampaignUntrackedError(
            f"TextioPro sent the campaign, but the uid it answered ({uid}) is not known to be the new "
            f"campaign's: {mismatch}. TextioPro can answer the uid of another campaign of the account. "
            "The campaign went out and is not sent again, but its uid is unknown, so it cannot be "
            f"followed here: find it in the TextioPro dashboard's campaign list ({self.base_url}/campaigns).",
            answered_uid=uid,
            operation="send_campaign",
        )

    def _display_zones(self) -> Iterator[str | None]:
        """Yield the zones TextioPro may write dates in: UTC, then the account's (None when unknown)."""
        yield "UTC"
        try:
            yield self.timezone
        except TextioProError as error:
            self.log.warning(
                "Could not read the account's timezone (%s): the campaign's creation time is not checked.",
                error,
            )
            yield None

    def get_campaign(self, uid: str) -> Campaign:
        """Return a campaign with its status and per-status counts."""
        return Campaign.from_api(
            _one(self._call(ep.VIEW_CAMPAIGN, "get_campaign", path={"uid": parse_uid(uid)}), "get_campaign")
        )

    # Contact groups

    def create_group(self, name: str) -> Group:
        """Create a contact group (names are unique per account)."""
        body = {"name": self._name(name)}
        return Group.from_api(_one(self._call(ep.CREATE_GROUP, "create_group", body=body), "create_group"))

    def get_group(self, uid: str) -> Group:
        """Return a contact group."""
        return Group.from_api(
            _one(self._call(ep.VIEW_GROUP, "get_group", path={"group": parse_uid(uid)}), "get_group")
        )

    def update_group(self, uid: str, name: str) -> Group:
        """Rename a contact group."""
        answer = self._call(
            ep.UPDATE_GROUP, "update_group", body={"name": self._name(name)}, path={"group": parse_uid(uid)}
        )
        return Group.from_api(_one(answer, "update_group"))

    def delete_group(self, uid: str) -> None:
        """Delete a contact group.

        When the server answers a failure, the group is read back: gone means deleted (some
        servers delete it and then fail), so only a warning is logged.
        """
        uid = parse_uid(uid)
        try:
            self._call(ep.DELETE_GROUP, "delete_group", path={"group": uid})
        except TextioProServerError as error:
            self._confirm_deleted(uid, error)

    def list_groups(self) -> Iterator[Group]:
        """Iterate over every contact group, lazily (see :meth:`list_contacts`)."""
        return self._pages(ep.LIST_GROUPS, "list_groups", Group.from_api)

    def find_group_by_name(self, name: str) -> Group | None:
        """Return the group called ``name`` (exact match), or None."""
        wanted = self._name(name)
        return next((group for group in self.list_groups() if group.name.strip() == wanted), None)

    # Contacts

    def create_contact(self, group_uid: str, phone: str | int, **fields: Any) -> Contact:
        """Add a contact to a group.

        :param group_uid: the group's uid.
        :param phone: the number (normalised with the connection's ``default_region``).
        :param fields: other tags, e.g. ``FIRST_NAME="Jo"`` (names are upper-cased).
        """
        body = self._contact_body(phone, fields)
        path = {"group": parse_uid(group_uid, "group_uid")}
        answer = self._call(ep.CREATE_CONTACT, "create_contact", body=body, path=path)
        return Contact.from_api(_one(answer, "create_contact"))

    def get_contact(self, group_uid: str, uid: str) -> Contact:
        """Return a contact of a group."""
        answer = self._call(ep.VIEW_CONTACT, "get_contact", path=self._contact_path(group_uid, uid))
        return Contact.from_api(_one(answer, "get_contact"))

    def update_contact(self, group_uid: str, uid: str, phone: str | int, **fields: Any) -> Contact:
        """Update a contact's number and tags (see :meth:`create_contact`).

        The number goes out as ``PHONE`` and as ``phone``: the ``/api/http`` update of the
        platform reads the lower-case key, and both styles accept both.
        """
        body = self._contact_body(phone, fields)
        answer = self._call(
            ep.UPDATE_CONTACT,
            "update_contact",
            body={**body, "phone": body["PHONE"]},
            path=self._contact_path(group_uid, uid),
        )
        return Contact.from_api(_one(answer, "update_contact"))

    def delete_contact(self, group_uid: str, uid: str) -> None:
        """Delete a contact from a group."""
        self._call(ep.DELETE_CONTACT, "delete_contact", path=self._contact_path(group_uid, uid))

    def list_contacts(self, group_uid: str) -> Iterator[Contact]:
        """Iterate over every contact of a group, in the server's order, lazily.

        The first page (25 contacts) is read alone and says how many pages there are; the
        others are read concurrently, at most ``max_concurrent_requests`` at once, and handed
        over in order as they are iterated: only those pages are held, and a caller that stops
        early has read at most that many pages more than it used.
        """
        path = {"group": parse_uid(group_uid, "group_uid")}
        return self._contacts(path)

    def _contacts(self, path: Mapping[str, str]) -> Iterator[Contact]:
        """Yield a group's contacts; a server fault says how many were read and that nothing changed."""
        read = 0
        try:
            for contact in self._pages(ep.LIST_CONTACTS, "list_contacts", Contact.from_api, path):
                read += 1
                yield contact
        except TextioProServerFaultError as error:
            error.append(
                f"The server could not list the contacts of group {path['group']}: {read} contacts "
                "were read before it failed, and nothing was changed."
            )
            raise

    # Account

    def get_balance(self) -> Balance:
        """Return the account's remaining balance."""
        return Balance.from_api(_one(self._call(ep.BALANCE, "get_balance"), "get_balance"))

    def get_profile(self) -> Profile:
        """Return the account's profile (without its token)."""
        return Profile.from_api(_one(self._call(ep.PROFILE, "get_profile"), "get_profile"))

    # Waiting and links

    def wait_for_campaign(
        self, uid: str, *, poll_interval: float = 30, timeout: float | None = None
    ) -> Campaign:
        """Poll a campaign until its status is final, and return it (it may have failed).

        :param uid: the campaign uid.
        :param poll_interval: seconds between polls.
        :param timeout: seconds before giving up; None waits for ever.
        :raises TextioProWaitTimeoutError: the campaign was not final in time.
        """
        uid = parse_uid(uid)
        deadline = self._deadline(poll_interval, timeout)
        while True:
            campaign = self.get_campaign(uid)
            completion = campaign_completion(campaign)
            self.log.info("%s", completion.message)
            if completion.done:
                return campaign
            self._wait_or_give_up(
                deadline,
                poll_interval,
                f"Campaign {uid} is still {campaign.raw_status!r} after {timeout} s. Wait longer (a larger "
                f"timeout) or follow it in the dashboard: {self.dashboard_url('campaign', uid)}",
                {uid: campaign.raw_status or campaign.status.value},
                "wait_for_campaign",
            )

    def wait_for_messages(
        self, uids: str | Iterable[str], *, poll_interval: float = 30, timeout: float | None = None
    ) -> list[Message]:
        """Poll messages until each has a final status, and return them in the order given.

        :param uids: message uids: a comma-separated string or an iterable.
        :param poll_interval: seconds between polls.
        :param timeout: seconds before giving up; None waits for ever.
        :raises TextioProWaitTimeoutError: some messages were not final in time.
        """
        order = _uids(uids, "uids")
        deadline = self._deadline(poll_interval, timeout)
        final: dict[str, Message] = {}
        while True:
            messages = self.get_messages(order, final=final)
            completion = messages_completion(messages, min_success_ratio=0.0)
            self.log.info("%s", completion.message)
            if completion.done:
                return messages
            moving = {
                uid: message.raw_status or message.status.value
                for uid, message in zip(order, messages, strict=True)
                if not message.status.is_terminal
            }
            self._wait_or_give_up(
                deadline,
                poll_interval,
                f"{len(moving)} of {len(order)} messages are still not final after {timeout} s: "
                f"{_preview([f'{uid} ({status})' for uid, status in moving.items()])}. Wait longer "
                "(a larger timeout) or check them in the dashboard.",
                moving,
                "wait_for_messages",
            )

    def dashboard_url(self, kind: str, uid: str) -> str:
        """Return the dashboard page of a ``campaign``, ``message`` or ``group``."""
        path = DASHBOARD_PATHS.get(kind)
        if path is None:
            raise TextioProInputError(
                f"Unknown dashboard kind {kind!r}: use 'campaign', 'message' or 'group'."
            )
        return f"{self.base_url}/{path.format(uid=quote(parse_uid(uid), safe=''))}"

    # Internals

    def _scrub(self, text: str) -> str:
        """Return ``text`` without the token (if the connection was loaded) or any api_token value."""
        settings = self.__dict__.get("settings")
        return scrub(text, settings.token if settings else None)

    def _confirm_deleted(self, uid: str, error: TextioProServerError) -> None:
        """Read a group back after a failed delete: return when it is gone, else raise ``error``."""
        try:
            self.get_group(uid)
        except TextioProNotFoundError:
            self.log.warning(
                "TextioPro delete_group: the server answered a failure (%s) but group %s is gone: "
                "it was deleted. Report the server's error to TextioPro.",
                error.api_message or error,
                uid,
            )
            return
        except TextioProError as check:
            error.append(
                f"Reading group {uid} back failed too ({check.api_message or type(check).__name__}), so "
                "whether it was deleted is unknown: check the TextioPro dashboard."
            )
            raise error from None
        error.append(f"Group {uid} still exists: it was not deleted.")
        raise error

    @staticmethod
    def _name(name: Any) -> str:
        """Return a group name stripped, or raise TextioProInputError when it is blank."""
        if not isinstance(name, str) or not name.strip():
            raise TextioProInputError(f"A group name must be a non-empty string, got {name!r}.")
        return name.strip()

    @staticmethod
    def _contact_path(group_uid: str, uid: str) -> dict[str, str]:
        """Return the path placeholders of one contact."""
        return {"group": parse_uid(group_uid, "group_uid"), "uid": parse_uid(uid)}

    def _contact_body(self, phone: str | int, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Return ``{"PHONE": digits, TAG: value ...}``."""
        tags = {str(key).strip().upper(): value for key, value in fields.items() if value is not None}
        if "PHONE" in tags:
            raise TextioProInputError("Give the phone number as the phone argument, not as a PHONE field.")
        return {"PHONE": normalize_phone(phone, self.default_region), **tags}

    def _message_parameters(
        self,
        sender_id: str | None,
        type: str,
        schedule_time: Any,
        dlt_template_id: str | None,
        channel_params: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Return the keyword arguments of :func:`message_fields` for this connection."""
        return {
            "sender_id": sender_id,
            "default_sender_id": self.default_sender_id,
            "conn_id": self.textiopro_conn_id,
            "type": type,
            "schedule_time": schedule_time,
            "timezone": lambda: self.timezone,
            "dlt_template_id": dlt_template_id,
            "channel_params": channel_params,
        }

    def _send_chunk(
        self, record: RequestRecord, batch: PreparedSend, attempt: Attempts
    ) -> list[RecipientOutcome]:
        """Send one request of at most 100 numbers and return their outcomes.

        A refusal of the whole request that names every number (or a gateway status) is
        reported as refused outcomes rather than raised.
        """
        chunk = record.numbers
        body = {"recipient": ",".join(chunk), **batch.body}
        try:
            answer = self._call(ep.SEND_SMS, "send_message", body=body, attempt=attempt)
        except TextioProInputError as error:
            text = error.api_message or ""
            if not is_gateway_refusal(error) and len(reasons_by_number(chunk, text)) < len(chunk):
                raise
            return refused(chunk, text)
        return outcomes_from_answer(
            chunk, answer.data, answer.message, scheduled="schedule_time" in batch.fields
        )

    def _log_progress(self, answered: int, total: int) -> None:
        """Log how many requests of a send are answered."""
        self.log.info("TextioPro send_message: %d of %d request(s) answered", answered, total)

    @staticmethod
    def _add_partial_send(
        error: TextioProError, send: ConcurrentSend, skipped: list[RecipientOutcome]
    ) -> None:
        """Attach to ``error`` what the other requests of a send did, and who was not sent."""
        uncertain, unsent = send.uncertain, send.unsent
        handled = len(send.outcomes)
        note = (
            f"Request {send.failed_index + 1} of {send.requests} failed; the {handled} recipients of the "
            f"{send.answered} answered requests were handled (their outcomes are in the error's "
            "partial_result)."
        )
        if uncertain:
            which = (
                "the failed request"
                if send.uncertain_requests == 1
                else f"the {send.uncertain_requests} requests without an answer"
            )
            note += (
                f" The {len(uncertain)} recipients of {which} may have been sent "
                f"({_preview(uncertain)}): check the dashboard before sending to them again."
            )
        if unsent:
            note += f" Not sent: {len(unsent)} recipients ({_preview(unsent)})."
        result = SendResult(outcomes=send.outcomes + skipped, requests=send.answered)
        error.add_partial_send(result, unsent=unsent, uncertain=uncertain, note=note)

    def _concurrently(self, call: Callable[[A], T], args: Iterable[A]) -> Generator[T, None, None]:
        """Yield ``call(arg)`` for each arg in order, at most ``max_concurrent_requests`` running at once."""
        self.get_conn()  # the threads share one session (and the settings and retry policy it loads)
        _ = self.retry_policy
        return ordered_map(call, args, max_in_flight=self.settings.max_concurrent_requests)

    def _pages(
        self,
        endpoint: ep.Endpoint,
        operation: str,
        parse: Callable[[Mapping[str, Any]], T],
        path: Mapping[str, str] | None = None,
        *,
        ahead: bool = True,
    ) -> Iterator[T]:
        """Yield the items of every page of a paginated list (``?page=N``), in page order.

        Page 1 is read alone; the pages its ``last_page`` announces are then read concurrently
        (see :meth:`_concurrently`), or one after another without ``ahead`` (for a caller that
        usually stops within a page or two). A page that is empty or says it is the last ends
        the list; a last page that announces more (the list grew) starts another round.
        """

        def read(number: int) -> Page[T]:
            return Page.from_api(self._call(endpoint, operation, page=number, path=path).data, parse)

        page, number = read(1), 1
        yield from page.items
        while page.has_next and page.items:
            if number >= MAX_PAGES:
                self.log.warning("TextioPro %s: stopped after %d pages", operation, MAX_PAGES)
                return
            last = min(max(page.last_page, number + 1), MAX_PAGES)
            numbers = range(number + 1, last + 1)
            pages = self._concurrently(read, numbers) if ahead else (read(n) for n in numbers)
            with closing(pages):
                for page in pages:
                    number += 1
                    if page.current_page != number:
                        self.log.warning(
                            "TextioPro %s: page %d was answered as page %d; stopping here",
                            operation,
                            number,
                            page.current_page,
                        )
                        return
                    yield from page.items
                    if not (page.has_next and page.items):
                        break

    def _call(
        self,
        endpoint: ep.Endpoint,
        operation: str,
        *,
        body: Mapping[str, Any] | None = None,
        page: int = 1,
        path: Mapping[str, str] | None = None,
        attempt: AttemptLog | None = None,
    ) -> Answer:
        """Make one API call; a read refused for its verb (HTTP 405) is tried once with the other verb.

        :param attempt: where a send request reports each attempt (in flight, not processed).
        """
        verb = self._verbs.get(endpoint.name) or endpoint.verb(self.auth_style)
        try:
            return self._request(endpoint, verb, operation, body, page, path, attempt)
        except RouteMissingError as missing:
            if endpoint.kind is not ep.Kind.READ or not missing.method_not_allowed:
                raise self._route_error(endpoint, operation, missing) from None
        other = "GET" if verb == "POST" else "POST"
        self.log.info("TextioPro refused %s for %s; trying %s", verb, endpoint.name, other)
        try:
            answer = self._request(endpoint, other, operation, body, page, path)
        except RouteMissingError as missing:
            raise self._route_error(endpoint, operation, missing) from None
        self._verbs[endpoint.name] = other
        return answer

    def _request(
        self,
        endpoint: ep.Endpoint,
        verb: str,
        operation: str,
        body: Mapping[str, Any] | None,
        page: int,
        path: Mapping[str, str] | None,
        attempt: AttemptLog | None = None,
    ) -> Answer:
        """Send one request with the auth style's wire format, the account's pacing and the retry policy."""
        settings = self.settings
        url = f"{settings.base_url}/{endpoint.url_path(settings.auth_style, **(path or {}))}"
        params: dict[str, Any] = {}
        payload = dict(body) if body else None
        headers: dict[str, str] = {}
        if settings.auth_style == ep.BEARER:
            headers["Authorization"] = f"Bearer {settings.token}"
        else:
            payload = {"api_token": settings.token, **(payload or {})}
        if verb == "GET":
            params.update(payload or {})
            payload = None
        if page > 1:
            params["page"] = page
        creates = endpoint.kind is ep.Kind.CREATE
        shown = scrub(f"{url}?{urlencode(params)}" if params else url, settings.token)

        def send() -> requests.Response:
            self.log.debug("TextioPro %s %s", verb, shown)
            return self.get_conn().request(
                verb,
                url,
                params=params or None,
                json=payload,
                headers=headers,
                timeout=settings.timeout,
                allow_redirects=False,
            )

        retrying = build_retrying(
            self.retry_policy,
            idempotent=not creates,
            sleep=self._sleep,
            before_sleep=lambda state: self._log_retry(operation, state),
        )
        try:
            return retrying(lambda: self._paced(send, operation, creates, attempt))
        except requests.RequestException as error:
            raise self._transport_error(error, operation, creates) from None

    @cached_property
    def pacer(self) -> Pacer:
        """The pace of the account's requests, shared by every hook of this account in the process."""
        settings = self.settings
        return pacer_for(settings.base_url, settings.auth_style, settings.token, settings.rate_limit_window)

    def _paced(
        self,
        send: Callable[[], requests.Response],
        operation: str,
        creates: bool,
        attempt: AttemptLog | None,
    ) -> Answer:
        """Send a request when the account's pacer lets it; wait and send it again while refused at the limit.

        ``Too Many Attempts.`` means the request was not processed: it is written down as such
        (``attempt``), the pacer pauses, and it goes again, until the waits exceed the
        connection's ``rate_limit_max_wait`` (or at once with ``max_retries`` 0).
        """
        pacer = self.pacer
        waited, refusals, resumed = 0.0, 0, False
        while True:
            permit = pacer.acquire(self._clock, resumed=resumed)
            try:
                if attempt is not None:
                    attempt.check()
                if permit.wait > 0:
                    if permit.wait >= 1:
                        self.log.info(
                            "TextioPro %s waits %.1f s for its turn at the account's rate limit",
                            operation,
                            permit.wait,
                        )
                    self._sleep(permit.wait)
                if attempt is not None:
                    attempt.leaving()
                try:
                    response = send()
                except requests.RequestException as error:
                    if attempt is not None and was_not_sent(error):
                        attempt.not_processed()
                    raise
                try:
                    answer = read_answer(
                        response, operation=operation, token=self.settings.token, creates=creates
                    )
                except TextioProRateLimitError as refusal:
                    if attempt is not None:
                        attempt.not_processed()
                    pause = pacer.refused(permit, self._clock(), refusal.retry_after)
                    refusals += 1
                    if attempt is not None:
                        attempt.check()
                    self._wait_at_the_limit(refusal, operation, refusals, waited, pause)
                    waited += pause
                    resumed = True
                    continue
                except TextioProError:
                    pacer.answered(permit, response.headers)
                    raise
                pacer.answered(permit, response.headers)
                return answer
            finally:
                pacer.release(permit)

    def _wait_at_the_limit(
        self, refusal: TextioProRateLimitError, operation: str, refusals: int, waited: float, pause: float
    ) -> None:
        """Wait ``pause`` after a refusal at the rate limit, or raise it when the wait would be too long."""
        limit = self.settings.rate_limit_max_wait
        if self.retry_policy.max_retries == 0 or waited + pause > limit:
            bound = (
                "max_retries is 0"
                if self.retry_policy.max_retries == 0
                else f"waiting longer would pass the connection's rate_limit_max_wait of {limit:g} s"
            )
            refusal.append(
                f"It was refused {refusals} time(s) at the account's rate limit over {waited:.0f} s and "
                f"{bound}; it was not processed, so it sent nothing. Too many requests share this "
                "account: run fewer TextioPro tasks at once (an Airflow pool per account), or raise "
                "rate_limit_max_wait."
            )
            raise refusal
        self.log.warning(
            "TextioPro %s was refused at the account's rate limit (not processed); waiting %.1f s, then "
            "sending it again (waited %.0f s of at most %g s)",
            operation,
            pause,
            waited,
            limit,
        )
        self._sleep(pause)

    def _log_retry(self, operation: str, state: tenacity.RetryCallState) -> None:
        """Log a failed attempt and the wait before the next one, without the token."""
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        self.log.warning(
            "TextioPro %s failed (attempt %d of %d): %s; retrying in %.1f s",
            operation,
            state.attempt_number,
            self.retry_policy.attempts,
            self._scrub(f"{type(error).__name__}: {error}"[:400]),
            wait,
        )

    def _transport_error(
        self, error: requests.RequestException, operation: str, creates: bool
    ) -> TextioProError:
        """Return the TextioProError for a request that got no HTTP answer."""
        reason = self._scrub(f"{type(error).__name__}: {error}")[:300]
        if was_not_sent(error):
            nothing = " Nothing was sent." if creates else ""
            return TextioProServerError(
                f"TextioPro {operation} failed: could not connect to {self.base_url} ({reason}).{nothing} "
                "Check the connection's host and the network, then retry.",
                operation=operation,
            )
        if isinstance(error, requests.exceptions.SSLError):
            return TextioProServerError(
                f"TextioPro {operation} failed: the TLS handshake with {self.base_url} failed ({reason}). "
                "Check the connection's host, and its verify extra: the path of the CA bundle that signed "
                "the server's certificate (or the machine's certificates).",
                operation=operation,
            )
        if isinstance(error, (requests.ConnectionError, requests.Timeout)):
            if isinstance(error, requests.Timeout):
                what = f"no answer within {self.settings.timeout:g} s"
            else:
                what = f"the connection broke ({reason})"
            if creates:
                return TextioProSendUncertainError(
                    f"TextioPro {operation}: {what} after the request was sent. {ADVICE_UNCERTAIN}",
                    operation=operation,
                )
            return TextioProServerError(
                f"TextioPro {operation} failed: {what}. Retry later, or raise the connection's timeout "
                "if TextioPro is slow.",
                operation=operation,
            )
        return TextioProInputError(
            f"TextioPro {operation} could not be sent to {self.base_url} ({reason}). "
            "Check the connection's host (base URL).",
            operation=operation,
        )

    def _route_error(
        self, endpoint: ep.Endpoint, operation: str, missing: RouteMissingError
    ) -> TextioProError:
        """Return the error for a route the server lacks: the other auth style, or a wrong host."""
        kwargs: dict[str, Any] = {
            "status_code": missing.status_code,
            "api_message": missing.api_message,
            "operation": operation,
        }
        nothing = " Nothing was sent." if endpoint.kind is ep.Kind.CREATE else ""
        where = f"/{ep.API_PREFIX[self.auth_style]}/{endpoint.path}"
        if self.auth_style == ep.API_TOKEN and endpoint.bearer_only:
            return TextioProAuthStyleError(
                f"TextioPro {operation} is not available with auth_style='api_token': this server has no "
                f"{where} route ({missing.api_message or 'not found'}).{nothing} Use auth_style='bearer' "
                "(in the connection extra, or TextioProHook(auth_style='bearer')) with a bearer API token.",
                **kwargs,
            )
        hint = " or use auth_style='bearer'" if self.auth_style == ep.API_TOKEN else ""
        return TextioProNotFoundError(
            f"TextioPro {operation} failed: {self.base_url} has no {where} route "
            f"({missing.api_message or 'not found'}).{nothing} Check the connection's host (base URL){hint}.",
            **kwargs,
        )

    @staticmethod
    def _deadline(poll_interval: float, timeout: float | None) -> float | None:
        """Check ``poll_interval`` and return the monotonic time a wait gives up at (None: never)."""
        if poll_interval <= 0:
            raise TextioProInputError(
                f"poll_interval must be a positive number of seconds, got {poll_interval!r}."
            )
        return None if timeout is None else time.monotonic() + timeout

    def _wait_or_give_up(
        self,
        deadline: float | None,
        poll_interval: float,
        message: str,
        pending: dict[str, str],
        operation: str,
    ) -> None:
        """Sleep until the next poll, or raise TextioProWaitTimeoutError when the deadline has passed."""
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            raise TextioProWaitTimeoutError(message, pending=pending, operation=operation)
        self._sleep(poll_interval if remaining is None else min(poll_interval, remaining))
