"""Typed results of the TextioPro API, parsed tolerantly from every server version.

Every ``from_api`` accepts the shapes listed in FIELD-NOTES (``status`` or
``customer_status``, a phone as a number, both balance shapes, old contact
shapes). Every ``to_dict`` returns plain JSON-able data for XCom.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, Generic, TypeVar

__all__ = [
    "Balance",
    "Campaign",
    "CampaignStats",
    "CampaignStatus",
    "Contact",
    "Group",
    "Message",
    "MessageStatus",
    "Page",
    "PreparedSend",
    "Profile",
    "RecipientOutcome",
    "Reply",
    "SendResult",
]


class MessageStatus(str, Enum):
    """Delivery status of one message (``status`` / ``customer_status``)."""

    DELIVERED = "Delivered"
    ENROUTE = "Enroute"
    ACCEPTED = "Accepted"
    FAILED = "Failed"
    UNDELIVERED = "Undelivered"
    EXPIRED = "Expired"
    REJECTED = "Rejected"
    SKIPPED = "Skipped"
    UNKNOWN = "Unknown"

    @classmethod
    def parse(cls, value: Any) -> MessageStatus:
        """Map server text to a status, case-insensitively; anything else is ``UNKNOWN``."""
        text = str(value or "").strip().lower()
        for status in cls:
            if status.value.lower() == text:
                return status
        return cls.UNKNOWN

    @property
    def is_terminal(self) -> bool:
        """True when the status will not change any more (``UNKNOWN`` counts as terminal)."""
        return self not in (MessageStatus.ENROUTE, MessageStatus.ACCEPTED)

    @property
    def is_success(self) -> bool:
        """True only for ``Delivered``."""
        return self is MessageStatus.DELIVERED

    @property
    def is_failure(self) -> bool:
        """True for terminal states other than ``Delivered`` (including ``UNKNOWN``)."""
        return self.is_terminal and not self.is_success


class CampaignStatus(str, Enum):
    """Lifecycle status of a campaign."""

    NEW = "new"
    QUEUED = "queued"
    QUEUING = "queuing"
    SCHEDULED = "scheduled"
    PROCESSING = "processing"
    SENDING = "sending"
    PAUSED = "paused"
    DELIVERED = "delivered"
    DONE = "done"
    FAILED = "failed"
    ERROR = "error"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, value: Any) -> CampaignStatus:
        """Map server text to a status (``canceled`` is accepted too); anything else is ``UNKNOWN``."""
        text = str(value or "").strip().lower()
        if text == "canceled":
            text = "cancelled"
        for status in cls:
            if status.value == text:
                return status
        return cls.UNKNOWN

    @property
    def is_terminal(self) -> bool:
        """True for ``delivered``, ``done``, ``failed``, ``error`` and ``cancelled``."""
        return self.is_success or self.is_failure

    @property
    def is_success(self) -> bool:
        """True for ``delivered`` and ``done``."""
        return self in (CampaignStatus.DELIVERED, CampaignStatus.DONE)

    @property
    def is_failure(self) -> bool:
        """True for ``failed``, ``error`` and ``cancelled``."""
        return self in (CampaignStatus.FAILED, CampaignStatus.ERROR, CampaignStatus.CANCELLED)


def _text(value: Any) -> str | None:
    """Return ``value`` as a stripped string, or None when empty."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _int(value: Any) -> int | None:
    """Return ``value`` as an int when it is one (``"3"`` included), else None."""
    try:
        return int(str(value).replace(",", "").strip())
    except (TypeError, ValueError):
        return None


_DISPLAY_DATE = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3})[A-Za-z]*\s+(\d{4}|\d{2}),\s*(\d{1,2}):(\d{2})\s*([AP]M)",
    re.IGNORECASE,
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def parse_display_date(text: str | None) -> datetime | None:
    """Return a dashboard date such as ``3rd Dec 27, 2:34 AM`` as a naive datetime, or None.

    The server writes no time zone: the result is its wall-clock time.
    """
    match = _DISPLAY_DATE.search(text or "")
    if match is None or match.group(2).lower() not in _MONTHS:
        return None
    day, month, year, hour, minute, noon = match.groups()
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    hour_of_day = int(hour) % 12 + (12 if noon.upper() == "PM" else 0)
    try:
        return datetime(full_year, _MONTHS.index(month.lower()) + 1, int(day), hour_of_day, int(minute))
    except ValueError:
        return None


def _phone(value: Any) -> str:
    """Return a phone number (a JSON number or string) as its digits."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\D", "", str(value or ""))


@dataclass(frozen=True)
class Message:
    """One message (one recipient) as TextioPro reports it."""

    uid: str
    to: str
    status: MessageStatus
    raw_status: str | None = None
    sender: str | None = None
    message: str | None = None
    cost: str | None = None
    segments: int | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Message:
        """Parse a message object (``status`` or ``customer_status``, ``sms_count`` optional)."""
        raw_status = _text(data.get("status", data.get("customer_status")))
        return cls(
            uid=str(data.get("uid") or data.get("id") or ""),
            to=_phone(data.get("to")),
            status=MessageStatus.parse(raw_status),
            raw_status=raw_status,
            sender=_text(data.get("from")),
            message=data.get("message"),
            cost=_text(data.get("cost")),
            segments=_int(data.get("sms_count")),
        )

    @property
    def sender_number(self) -> str:
        """The ``from`` as digits (a replier's number; a sender id's digits, if any)."""
        return _phone(self.sender)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict (the status as its text)."""
        result = asdict(self)
        result["status"] = self.status.value
        return result


SCHEDULED = "scheduled"
"""The status of a recipient whose message TextioPro scheduled (it has no uid yet)."""


@dataclass(frozen=True)
class Reply:
    """An inbound message that answered a wait: who sent it, its text and uid, the keyword it matched.

    ``opted_out`` is True for a STOP-style reply that unsubscribed (or asked to unsubscribe) its sender.
    """

    number: str
    text: str
    uid: str
    keyword: str
    opted_out: bool = False

    @classmethod
    def from_message(cls, message: Message, keyword: str, *, opted_out: bool = False) -> Reply:
        """Return the reply of an inbound ``message`` (its ``from`` as digits)."""
        return cls(
            number=message.sender_number,
            text=message.message or "",
            uid=message.uid,
            keyword=keyword,
            opted_out=opted_out,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict (for XCom and trigger events)."""
        return asdict(self)


@dataclass(frozen=True)
class RecipientOutcome:
    """What happened to one recipient of a send: a message uid, or why it was not accepted.

    A recipient whose message TextioPro answered with a final failure (``Failed`` ...) has
    its uid and an ``error``: it was refused. ``sent_immediately`` is True when the send
    asked for a ``schedule_time`` and TextioPro sent this message at once instead.
    """

    recipient: str
    uid: str | None = None
    status: str | None = None
    error: str | None = None
    cost: str | None = None
    segments: int | None = None
    sent_immediately: bool = False

    @property
    def accepted(self) -> bool:
        """True when TextioPro took a message for this recipient (sent, moving or scheduled)."""
        return self.error is None

    @property
    def scheduled(self) -> bool:
        """True when TextioPro scheduled this recipient's message for later."""
        return self.accepted and self.status == SCHEDULED

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict."""
        return asdict(self)


@dataclass(frozen=True)
class SendResult:
    """The outcome of :meth:`TextioProHook.send_message` over all its requests."""

    outcomes: list[RecipientOutcome] = field(default_factory=list)
    requests: int = 0

    @property
    def uids(self) -> list[str]:
        """Uids of the accepted messages, in recipient order (refused ones keep theirs in ``outcomes``)."""
        return [o.uid for o in self.outcomes if o.uid and o.accepted]

    @property
    def scheduled(self) -> bool:
        """True when TextioPro scheduled some messages for later (not when it sent them at once)."""
        return any(o.scheduled for o in self.outcomes)

    @property
    def sent_immediately(self) -> list[RecipientOutcome]:
        """Recipients that TextioPro sent at once although the send asked for a ``schedule_time``."""
        return [o for o in self.outcomes if o.sent_immediately]

    @property
    def accepted(self) -> list[RecipientOutcome]:
        """Recipients that TextioPro took."""
        return [o for o in self.outcomes if o.accepted]

    @property
    def refused(self) -> list[RecipientOutcome]:
        """Recipients that got no message, each with the reason."""
        return [o for o in self.outcomes if not o.accepted]

    @property
    def cost(self) -> str | None:
        """The summed cost of the accepted messages, or None when any reports none or not a number."""
        total = Decimal(0)
        for outcome in self.accepted:
            try:
                total += Decimal(str(outcome.cost).replace(",", "").strip())
            except (InvalidOperation, ValueError):
                return None
            if not total.is_finite():
                return None
        return str(total)

    def total_segments(self, estimated: int) -> int:
        """Return the segments of the accepted messages: the server's count, else ``estimated`` each."""
        return sum(estimated if o.segments is None else o.segments for o in self.accepted)

    def summary(self, segments_per_message: int) -> dict[str, Any]:
        """Return the JSON-able counts of the send, with its segments and cost.

        :param segments_per_message: the estimate used for messages whose segments were not reported.
        """
        return {
            **self._counts(),
            "total_segments": self.total_segments(segments_per_message),
            "cost": self.cost,
        }

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict."""
        return {**self._counts(), "requests": self.requests}

    def _counts(self) -> dict[str, Any]:
        return {
            "uids": self.uids,
            "outcomes": [o.to_dict() for o in self.outcomes],
            "accepted": len(self.accepted),
            "refused": len(self.refused),
            "scheduled": self.scheduled,
            "sent_immediately": len(self.sent_immediately),
        }


@dataclass(frozen=True)
class PreparedSend:
    """A message send checked once, ready for :meth:`TextioProHook.send_prepared`.

    Build it with :meth:`TextioProHook.prepare_send`; the hook sends it without checking again.

    :param numbers: the recipients, normalised (international digits, no duplicates).
    :param fields: the checked fields of every request: ``sender_id``, ``type``, ``message``, and
        ``schedule_time``, ``dlt_template_id`` and the channel's parameters when given.
    :param extra: fields the provider does not know, checked, sent as given.
    :param invalid: the unusable recipients left out (``on_invalid="skip"``), with the reason.
    """

    numbers: list[str]
    fields: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    invalid: list[tuple[str, str]] = field(default_factory=list)

    @property
    def body(self) -> dict[str, Any]:
        """The body of each request, without its recipients."""
        return {**self.fields, **self.extra}

    def to(self, numbers: list[str]) -> PreparedSend:
        """Return the same send to ``numbers`` only (a subset of :attr:`numbers`), with no invalid ones."""
        return replace(self, numbers=list(numbers), invalid=[])


@dataclass(frozen=True)
class CampaignStats:
    """Per-status message counts of a campaign."""

    enroute: int = 0
    delivered: int = 0
    expired: int = 0
    undelivered: int = 0
    rejected: int = 0
    accepted: int = 0
    skipped: int = 0
    failed: int = 0

    @classmethod
    def from_api(cls, data: Mapping[str, Any] | None) -> CampaignStats:
        """Parse ``stats`` (``{"delivered_count": 3, ...}``); missing counts are 0."""
        data = data or {}
        return cls(**{name: _int(data.get(f"{name}_count")) or 0 for name in cls.__dataclass_fields__})

    @property
    def total(self) -> int:
        """Sum of all counts."""
        return sum(asdict(self).values())

    def to_dict(self) -> dict[str, int]:
        """Return a JSON-able dict."""
        return asdict(self)


@dataclass(frozen=True)
class Campaign:
    """A campaign to one or more contact lists. Dates are the server's display strings."""

    uid: str
    status: CampaignStatus
    raw_status: str | None = None
    name: str | None = None
    message: str | None = None
    type: str | None = None
    created_at: str | None = None
    start_at: str | None = None
    delivery_at: str | None = None
    schedule_time: str | None = None
    stats: CampaignStats = field(default_factory=CampaignStats)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Campaign:
        """Parse a send answer (``uid``, ``campaign_name``) or a view answer (``id``, ``name``, ``stats``)."""
        raw_status = _text(data.get("status"))
        return cls(
            uid=str(data.get("uid") or data.get("id") or ""),
            status=CampaignStatus.parse(raw_status),
            raw_status=raw_status,
            name=_text(data.get("name", data.get("campaign_name"))),
            message=data.get("message"),
            type=_text(data.get("type")),
            created_at=_text(data.get("created_at")),
            start_at=_text(data.get("start_at")),
            delivery_at=_text(data.get("delivery_at")),
            schedule_time=_text(data.get("schedule_time")),
            stats=CampaignStats.from_api(data.get("stats")),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict (the status as its text)."""
        result = asdict(self)
        result["status"] = self.status.value
        return result


@dataclass(frozen=True)
class Group:
    """A contact group (contact list)."""

    uid: str
    name: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Group:
        """Parse ``{"uid", "name"}``."""
        return cls(uid=str(data.get("uid") or data.get("id") or ""), name=str(data.get("name") or ""))

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict."""
        return asdict(self)


_OLD_CONTACT_FIELDS = {"first_name": "FIRST_NAME", "last_name": "LAST_NAME", "email": "EMAIL"}


@dataclass(frozen=True)
class Contact:
    """A contact in a group. ``fields`` holds the tags other than PHONE (``FIRST_NAME`` ...)."""

    uid: str
    phone: str
    status: str | None = None
    fields: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Contact:
        """Parse the new shape (``custom_fields``) or the old one (``first_name``, ``last_name``)."""
        fields: dict[str, str] = {}
        for old, tag in _OLD_CONTACT_FIELDS.items():
            if data.get(old) is not None:
                fields[tag] = str(data[old])
        for tag, value in (data.get("custom_fields") or {}).items():
            if str(tag).upper() != "PHONE" and value is not None:
                fields[str(tag).upper()] = str(value)
        return cls(
            uid=str(data.get("uid") or data.get("id") or ""),
            phone=_phone(data.get("phone", data.get("PHONE"))),
            status=_text(data.get("status")),
            fields=fields,
        )

    @property
    def subscribed(self) -> bool:
        """False only when the status says ``unsubscribe``."""
        return (self.status or "subscribe").lower() != "unsubscribe"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict."""
        return asdict(self)


_AMOUNT = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


@dataclass(frozen=True)
class Balance:
    """The account balance: ``remaining`` as the server wrote it, ``amount`` when it is a number."""

    remaining: str
    amount: Decimal | None = None
    unlimited: bool = False
    expired_on: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Balance:
        """Parse ``remaining_balance`` (``"₱427"``, ``"Unlimited"``), ``remaining_unit`` or ``balance``."""
        raw = data.get("remaining_balance", data.get("remaining_unit", data.get("balance")))
        remaining = str(raw if raw is not None else "").strip()
        unlimited = remaining.lower() == "unlimited"
        amount = None
        match = None if unlimited else _AMOUNT.search(remaining)
        if match:
            try:
                amount = Decimal(match.group(0).replace(",", ""))
            except InvalidOperation:
                amount = None
        return cls(
            remaining=remaining, amount=amount, unlimited=unlimited, expired_on=_text(data.get("expired_on"))
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict (the amount as a string)."""
        result = asdict(self)
        result["amount"] = None if self.amount is None else str(self.amount)
        return result


@dataclass(frozen=True)
class Profile:
    """The account's profile. The ``api_token`` the server returns is never kept."""

    uid: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    locale: str | None = None
    timezone: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Profile:
        """Parse ``me``; drops ``api_token``."""
        return cls(**{name: _text(data.get(name)) for name in cls.__dataclass_fields__})

    @property
    def name(self) -> str:
        """The full name, or the email, or the uid."""
        full = " ".join(p for p in (self.first_name, self.last_name) if p)
        return full or self.email or self.uid or "unknown user"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict."""
        return asdict(self)


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a Laravel paginator."""

    items: list[T]
    current_page: int = 1
    last_page: int = 1
    per_page: int | None = None
    total: int | None = None
    next_page_url: str | None = None

    @classmethod
    def from_api(cls, data: Any, parse: Callable[[Mapping[str, Any]], T]) -> Page[T]:
        """Parse a Laravel paginator (``current_page``, ``data``, ``last_page`` ...) or a bare list.

        :param data: the envelope's ``data``.
        :param parse: turns one item into its model, e.g. ``Group.from_api``.
        """
        if not isinstance(data, Mapping):
            data = {"data": data}
        rows = data.get("data") or []
        if isinstance(rows, Mapping):
            rows = list(rows.values())
        items = [parse(row) for row in rows if isinstance(row, Mapping)] if isinstance(rows, list) else []
        current = _int(data.get("current_page")) or 1
        return cls(
            items=items,
            current_page=current,
            last_page=max(_int(data.get("last_page")) or current, current),
            per_page=_int(data.get("per_page")),
            total=_int(data.get("total")),
            next_page_url=_text(data.get("next_page_url")),
        )

    @property
    def has_next(self) -> bool:
        """True when a later page exists (``last_page`` or ``next_page_url`` says so)."""
        return self.current_page < self.last_page or self.next_page_url is not None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)
