"""In-memory accounts with their messages, campaigns, contact groups and contacts.

Statuses are computed when read, from timestamps and the sandbox clock: no background
threads. Every method that reads or changes data must run under :attr:`SandboxState.lock`
(the HTTP layer holds it around each request); the lock is re-entrant.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from textiopro_sandbox.clock import Clock
from textiopro_sandbox.config import SandboxConfig
from textiopro_sandbox.errors import ApiError, no_model
from textiopro_sandbox.validation import Content

TEST_NUMBER_PREFIX = "447700900"
"""Numbers in this range (UK numbers reserved for drama) behave by their last digit."""
FIXED_OUTCOMES = {
    "1": "Failed",
    "2": "Undelivered",
    "3": "Expired",
    "4": "Rejected",
    "5": "Skipped",
    "8": "Failed",
}
STUCK_DIGIT = "9"
REFUSED_DIGIT = "8"
INBOUND_NUMBER = "12025550100"
"""The account's own number: the ``to`` of the replies it receives."""
STATS_KEYS = ("enroute", "delivered", "expired", "undelivered", "rejected", "accepted", "skipped", "failed")


@dataclass
class MessageRecord:
    """One message to one recipient; visible from ``sent_at`` on."""

    uid: str
    to: str
    sender: str | None
    text: str
    sms_type: str
    segments: int
    cost: Decimal
    sent_at: float
    outcome: str | None
    seq: int
    campaign_uid: str | None = None
    inbound: bool = False
    channel: dict[str, str] = field(default_factory=dict)
    refused: bool = False


@dataclass
class ContactRecord:
    """A contact: its phone digits, subscription status and other tags."""

    uid: str
    phone: str
    status: str = "subscribe"
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class GroupRecord:
    """A contact group and its contacts, in creation order."""

    uid: str
    name: str
    contacts: dict[str, ContactRecord] = field(default_factory=dict)


@dataclass
class CampaignRecord:
    """A campaign: sends ``message_uids`` once processing starts (``start_at`` + one step)."""

    uid: str
    name: str
    text: str
    sms_type: str
    created_at: float
    start_at: float
    scheduled: bool
    message_uids: list[str]


@dataclass
class Account:
    """One token's account."""

    token: str
    uid: str
    first_name: str
    last_name: str
    email: str
    created_at: float
    balance: Decimal | None
    messages: dict[str, MessageRecord] = field(default_factory=dict)
    campaigns: dict[str, CampaignRecord] = field(default_factory=dict)
    groups: dict[str, GroupRecord] = field(default_factory=dict)


_Record = TypeVar("_Record")


def _find(records: Mapping[str, _Record], uid: str, model: str, status: int = 200) -> _Record:
    found = records.get(uid)
    if found is None:
        raise no_model(model, uid, status)
    return found


def _check_unique(
    records: Mapping[str, GroupRecord] | Mapping[str, ContactRecord],
    key: str,
    value: str,
    own_uid: str | None,
    label: str,
) -> None:
    """Refuse ``value`` when a record other than ``own_uid`` has it; ``label`` names the field."""
    if any(getattr(r, key) == value and r.uid != own_uid for r in records.values()):
        raise ApiError(f"The {label} has already been taken.", 422)


def is_refused(number: str) -> bool:
    """True for the test numbers the gateway refuses (``4477009000x8``)."""
    return number.startswith(TEST_NUMBER_PREFIX) and number.endswith(REFUSED_DIGIT)


class SandboxState:
    """All accounts of one sandbox, deterministic for a given seed."""

    def __init__(self, config: SandboxConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.reset()

    def reset(self) -> None:
        """Forget everything and start again from the seed."""
        with self.lock:
            seed = self.config.seed if self.config.seed is not None else random.randrange(2**32)
            self._uid_rng = random.Random(f"uid-{seed}")
            self._delivery_rng = random.Random(f"delivery-{seed}")
            self._uids: set[str] = set()
            self._seq = itertools.count()
            now = self.clock.now()
            tokens = self.config.tokens
            self.accounts = {token: self._new_account(i, token, now) for i, token in enumerate(tokens)}

    def _new_account(self, index: int, token: str, now: float) -> Account:
        return Account(
            token=token,
            uid=self.new_uid(),
            first_name="Sandbox",
            last_name="User" if index == 0 else f"User {index + 1}",
            email=f"user{index + 1}@sandbox.textiopro.test",
            created_at=now,
            balance=self.config.balance,
        )

    def new_uid(self) -> str:
        """Return a fresh uid: 13 lowercase hex characters."""
        while True:
            uid = f"{self._uid_rng.getrandbits(52):013x}"
            if uid not in self._uids:
                self._uids.add(uid)
                return uid

    # Messages

    def send(
        self,
        account: Account,
        numbers: list[str],
        content: Content,
        *,
        sent_at: float | None = None,
        campaign_uid: str | None = None,
    ) -> list[MessageRecord]:
        """Charge the account and store one message per number, sent at ``sent_at`` (default now)."""
        cost = self.config.cost_per_segment * content.segments
        self._charge(account, cost * len(numbers))
        return self._store(account, numbers, content, cost, sent_at, campaign_uid=campaign_uid)

    def refuses(self, number: str) -> bool:
        """True for the numbers the gateway refuses as the reference platform does (``gateway_refuses``)."""
        return bool(self.config.gateway_refuses) and number.startswith(self.config.gateway_refuses)

    def refuse(
        self, account: Account, numbers: list[str], content: Content, *, sent_at: float | None = None
    ) -> list[MessageRecord]:
        """Store one ``Failed`` message per number the gateway refused, at no cost."""
        return self._store(account, numbers, content, Decimal(0), sent_at, refused=True)

    def _store(
        self,
        account: Account,
        numbers: list[str],
        content: Content,
        cost: Decimal,
        sent_at: float | None,
        *,
        campaign_uid: str | None = None,
        refused: bool = False,
    ) -> list[MessageRecord]:
        when = self.clock.now() if sent_at is None else sent_at
        records = [
            MessageRecord(
                uid=self.new_uid(),
                to=number,
                sender=content.sender,
                text=content.text,
                sms_type=content.sms_type,
                segments=content.segments,
                cost=cost,
                sent_at=when,
                outcome="Failed" if refused else self._draw_outcome(number),
                seq=next(self._seq),
                campaign_uid=campaign_uid,
                channel=dict(content.channel),
                refused=refused,
            )
            for number in numbers
        ]
        account.messages.update((record.uid, record) for record in records)
        for record in records:
            reply = self.config.auto_reply_to(record.to)
            if reply is not None:
                self.receive(account, record.to, reply, at=when + self.config.auto_reply_delay)
        return records

    def receive(self, account: Account, number: str, text: str, *, at: float | None = None) -> MessageRecord:
        """Store a reply from ``number`` to the account, listed (newest first) from ``at`` (default now)."""
        record = MessageRecord(
            uid=self.new_uid(),
            to=INBOUND_NUMBER,
            sender=number,
            text=text,
            sms_type="plain",
            segments=1,
            cost=Decimal("0"),
            sent_at=self.clock.now() if at is None else at,
            outcome="Delivered",
            seq=next(self._seq),
            inbound=True,
        )
        account.messages[record.uid] = record
        return record

    def _charge(self, account: Account, amount: Decimal) -> None:
        if account.balance is None:
            return
        if amount > account.balance:
            raise ApiError(
                "There is not enough balance available to send this message. "
                f"You have {account.balance.normalize():f} of the {amount.normalize():f}",
                403,
            )
        account.balance -= amount

    def _draw_outcome(self, number: str) -> str | None:
        draw = self._delivery_rng.random()
        if self.refuses(number):
            return "Failed"
        if number.startswith(TEST_NUMBER_PREFIX):
            if number.endswith(STUCK_DIGIT):
                return None
            if number[-1] in FIXED_OUTCOMES:
                return FIXED_OUTCOMES[number[-1]]
        return "Failed" if draw < self.config.failure_rate else "Delivered"

    def message_status(self, message: MessageRecord) -> str:
        """The status now: the initial status until the delivery delay is over (refused: ``Failed``)."""
        if message.refused:
            return "Failed"
        delivered = self.clock.now() >= message.sent_at + self.config.delivery_delay
        if delivered and message.outcome is not None:
            return message.outcome
        return self.config.initial_status

    def messages(self, account: Account) -> list[MessageRecord]:
        """Messages already sent, newest first."""
        now = self.clock.now()
        sent = [m for m in account.messages.values() if m.sent_at <= now]
        return sorted(sent, key=lambda m: (m.sent_at, m.seq), reverse=True)

    def message(self, account: Account, uid: str) -> MessageRecord:
        """A sent message by uid; scheduled messages are not found before their time."""
        found = account.messages.get(uid)
        if found is None or found.sent_at > self.clock.now():
            raise no_model("Reports", uid)
        return found

    # Campaigns

    def create_campaign(
        self, account: Account, group_uids: list[str], content: Content, schedule_at: float | None
    ) -> CampaignRecord:
        """Start a campaign to the subscribed contacts of ``group_uids`` (charged now)."""
        groups = [account.groups.get(uid) for uid in group_uids]
        if not groups or any(group is None for group in groups):
            raise ApiError("locale.campaign.invalid_group", 403)
        numbers = list(
            dict.fromkeys(
                contact.phone
                for group in groups
                if group is not None
                for contact in group.contacts.values()
                if contact.status == "subscribe"
            )
        )
        now = self.clock.now()
        start = now if schedule_at is None else schedule_at
        uid = self.new_uid()
        sent = self.send(
            account, numbers, content, sent_at=start + self.config.campaign_step_delay, campaign_uid=uid
        )
        campaign = CampaignRecord(
            uid=uid,
            name=f"API_{int(now)}",
            text=content.text,
            sms_type=content.sms_type,
            created_at=now,
            start_at=start,
            scheduled=schedule_at is not None,
            message_uids=[m.uid for m in sent],
        )
        account.campaigns[uid] = campaign
        return campaign

    def campaign(self, account: Account, uid: str) -> CampaignRecord:
        """A campaign by uid."""
        return _find(account.campaigns, uid, "Campaigns")

    def campaign_done_at(self, campaign: CampaignRecord) -> float:
        """When the campaign is (or will be) done."""
        return campaign.start_at + 2 * self.config.campaign_step_delay

    def campaign_status(self, campaign: CampaignRecord) -> str:
        """``scheduled`` -> ``queued`` -> ``processing`` -> ``done``, by the clock."""
        now = self.clock.now()
        if now < campaign.start_at:
            return "scheduled"
        if now < campaign.start_at + self.config.campaign_step_delay:
            return "queued"
        if now < self.campaign_done_at(campaign):
            return "processing"
        return "done"

    def campaign_stats(self, account: Account, campaign: CampaignRecord) -> dict[str, int]:
        """Counts of the campaign's messages per status (all zero before processing)."""
        stats = dict.fromkeys(STATS_KEYS, 0)
        if self.campaign_status(campaign) in ("scheduled", "queued"):
            return stats
        for uid in campaign.message_uids:
            key = self.message_status(account.messages[uid]).lower()
            if key in stats:
                stats[key] += 1
        return stats

    # Groups

    def create_group(self, account: Account, name: str) -> GroupRecord:
        """Create a group; names are unique per account."""
        _check_unique(account.groups, "name", name, None, "name")
        group = GroupRecord(uid=self.new_uid(), name=name)
        account.groups[group.uid] = group
        return group

    def group(self, account: Account, uid: str) -> GroupRecord:
        """A group by uid."""
        return _find(account.groups, uid, "ContactGroups", 404)

    def rename_group(self, account: Account, uid: str, name: str) -> GroupRecord:
        """Rename a group."""
        group = self.group(account, uid)
        _check_unique(account.groups, "name", name, uid, "name")
        group.name = name
        return group

    def delete_group(self, account: Account, uid: str) -> None:
        """Delete a group and its contacts."""
        self.group(account, uid)
        del account.groups[uid]

    # Contacts

    def add_contact(
        self, group: GroupRecord, phone: str, status: str | None, fields: dict[str, str]
    ) -> ContactRecord:
        """Add a contact; PHONE is unique within the group."""
        _check_unique(group.contacts, "phone", phone, None, "p h o n e")
        contact = ContactRecord(uid=self.new_uid(), phone=phone, status=status or "subscribe", fields=fields)
        group.contacts[contact.uid] = contact
        return contact

    def contact(self, group: GroupRecord, uid: str) -> ContactRecord:
        """A contact of ``group`` by uid."""
        return _find(group.contacts, uid, "Contacts", 404)

    def update_contact(
        self, group: GroupRecord, uid: str, phone: str, status: str | None, fields: dict[str, str]
    ) -> ContactRecord:
        """Change a contact's phone, status and tags (tags not given are kept)."""
        contact = self.contact(group, uid)
        _check_unique(group.contacts, "phone", phone, uid, "p h o n e")
        contact.phone = phone
        contact.status = status or contact.status
        contact.fields.update(fields)
        return contact

    def delete_contact(self, group: GroupRecord, uid: str) -> None:
        """Delete a contact."""
        self.contact(group, uid)
        del group.contacts[uid]

    def summary(self) -> list[dict[str, Any]]:
        """Per-account counts for the control API (no tokens)."""
        with self.lock:
            return [
                {
                    "uid": account.uid,
                    "email": account.email,
                    "balance": None if account.balance is None else f"{account.balance.normalize():f}",
                    "messages": len(account.messages),
                    "campaigns": len(account.campaigns),
                    "groups": len(account.groups),
                    "contacts": sum(len(g.contacts) for g in account.groups.values()),
                }
                for account in self.accounts.values()
            ]
