"""Decide whether messages or a campaign are done, and how it went.

One rule for every way of waiting: the sensors' ``poke``, the deferrable triggers and
the operators' blocking waits all fetch the objects and ask :func:`campaign_completion`
or :func:`messages_completion` what they mean.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Final, Literal

from airflow_provider_textiopro.exceptions import (
    TextioProInputError,
    TextioProRateLimitError,
    TextioProServerError,
)
from airflow_provider_textiopro.models import Campaign, CampaignStatus, Message, MessageStatus

log = logging.getLogger(__name__)

SUCCESS: Final = "success"
FAILURE: Final = "failure"
PENDING: Final = "pending"

_LISTED = 10
DEFAULT_MAX_READS = 100
DEFAULT_MAX_FAILED_POLLS = 10


@dataclass(frozen=True)
class Completion:
    """Where a wait stands: ``success``, ``failure`` or still ``pending``, and why, in words.

    :param state: ``"success"``, ``"failure"`` or ``"pending"``.
    :param message: what was seen, for the log or the exception.
    """

    state: Literal["success", "failure", "pending"]
    message: str

    @property
    def done(self) -> bool:
        """True when the wait is over (success or failure)."""
        return self.state != PENDING


def check_success_ratio(value: float) -> float:
    """Return ``value`` as a float between 0 and 1, or raise TextioProInputError."""
    try:
        ratio = float(value)
    except (TypeError, ValueError):
        ratio = -1.0
    if not 0.0 <= ratio <= 1.0:
        raise TextioProInputError(
            f"min_success_ratio must be a number from 0 to 1 (1 = every message delivered), got {value!r}."
        )
    return ratio


def is_transient(error: BaseException) -> bool:
    """True for errors worth polling through: rate limits, server failures and network errors."""
    return isinstance(error, (TextioProRateLimitError, TextioProServerError, OSError))


def _stats_text(campaign: Campaign) -> str:
    counts = [f"{count} {name}" for name, count in campaign.stats.to_dict().items() if count]
    return ", ".join(counts) if counts else "no message counts yet"


def campaign_completion(campaign: Campaign) -> Completion:
    """Return a campaign's completion: delivered or done succeed; failed, error or cancelled fail.

    :param campaign: the campaign as last fetched.
    """
    label = f"Campaign {campaign.uid}" + (f" ({campaign.name})" if campaign.name else "")
    stats = _stats_text(campaign)
    if campaign.status.is_success:
        return Completion(SUCCESS, f"{label} is {campaign.status.value}: {stats}.")
    if campaign.status.is_failure:
        return Completion(FAILURE, f"{label} ended with status '{campaign.status.value}': {stats}.")
    if campaign.status is CampaignStatus.UNKNOWN:
        log.warning(
            "%s has an unknown status %r: still waiting for a known final one.", label, campaign.raw_status
        )
        return Completion(PENDING, f"{label} has an unknown status {campaign.raw_status!r}: {stats}.")
    return Completion(PENDING, f"{label} is {campaign.status.value}: {stats}.")


def _describe(message: Message) -> str:
    status = message.status.value
    if message.status is MessageStatus.UNKNOWN:
        status = f"unknown status {message.raw_status!r}"
    return f"{message.to or '?'} (uid {message.uid}): {status}"


def _listing(messages: Sequence[Message]) -> str:
    text = "; ".join(_describe(m) for m in messages[:_LISTED])
    if len(messages) > _LISTED:
        text += f"; and {len(messages) - _LISTED} more"
    return text


def messages_completion(
    messages: Sequence[Message], *, min_success_ratio: float = 1.0, unknown_is_failure: bool = True
) -> Completion:
    """Return the completion of a set of messages.

    Once every message is final, the wait succeeds when the delivered share is at least
    ``min_success_ratio`` and fails otherwise, naming the recipients that were not delivered.
    A status TextioPro does not document counts as a failure (and is logged as such), or
    as not final yet when ``unknown_is_failure`` is False.

    :param messages: the messages as last fetched (at least one).
    :param min_success_ratio: share of messages that must be ``Delivered``, from 0 to 1.
    :param unknown_is_failure: whether an undocumented status is a final failure.
    """
    if not messages:
        raise TextioProInputError("There are no message uids to wait for.")
    unknown = [m for m in messages if m.status is MessageStatus.UNKNOWN]
    for message in unknown:
        log.warning(
            "Message %s to %s has an unknown status %r: %s.",
            message.uid,
            message.to,
            message.raw_status,
            "counted as a failure" if unknown_is_failure else "still waiting for a known one",
        )
    pending = [m for m in messages if _is_pending(m, unknown_is_failure)]
    total = len(messages)
    delivered = sum(1 for m in messages if m.status.is_success)
    if pending:
        return Completion(
            PENDING,
            f"{total - len(pending)} of {total} messages final ({delivered} delivered); "
            f"waiting for {_listing(pending)}.",
        )
    ratio = delivered / total
    required = f", required {min_success_ratio:.0%}" if min_success_ratio else ""
    share = f"{delivered} of {total} messages delivered ({ratio:.0%}{required})"
    if ratio >= min_success_ratio:
        return Completion(SUCCESS, f"{share}.")
    failed = [m for m in messages if m.status.is_failure]
    return Completion(FAILURE, f"{share}. Not delivered: {_listing(failed)}.")


def _is_pending(message: Message, unknown_is_failure: bool) -> bool:
    """True while ``message`` may still change status (an undocumented one only if not counted a failure)."""
    if message.status is MessageStatus.UNKNOWN:
        return not unknown_is_failure
    return not message.status.is_terminal


class MessageWatch:
    """What a wait on messages knows between polls: the last read of each, and which to read next.

    A message read with a final status is never read again. The others are read in turns,
    at most ``max_reads`` a poll, the least recently read first, so each is read at least
    once every ``ceil(not final / max_reads)`` polls. It holds one :class:`Message` per uid
    read, nothing else.

    :param uids: the messages waited for, in the order the result lists them.
    :param max_reads: the most messages to read in one poll (at least 1).
    """

    def __init__(self, uids: Sequence[str], *, max_reads: int = DEFAULT_MAX_READS) -> None:
        self.uids = list(uids)
        self.max_reads = max_reads
        self._latest: dict[str, Message] = {}
        self._turns: deque[str] = deque(dict.fromkeys(self.uids))

    def due(self) -> list[str]:
        """Return the uids to read in this poll: the next ``max_reads`` not final ones."""
        return list(islice(self._turns, self.max_reads))

    def record(self, uids: Sequence[str], messages: Sequence[Message]) -> None:
        """Keep ``messages`` (read for ``uids``): final ones leave the turns, the others go last."""
        read = dict(zip(uids, messages, strict=True))
        self._latest.update(read)
        again = [uid for uid, message in read.items() if not is_final(message)]
        self._turns = deque([uid for uid in self._turns if uid not in read] + again)

    def completion(self, *, min_success_ratio: float = 1.0, unknown_is_failure: bool = True) -> Completion:
        """Return where the wait stands (see :func:`messages_completion`), with how many are left to read."""
        latest = [self._latest[uid] for uid in self.uids if uid in self._latest]
        unread = len(self.uids) - len(latest)
        if not unread:
            completion = messages_completion(
                latest, min_success_ratio=min_success_ratio, unknown_is_failure=unknown_is_failure
            )
            if completion.done:
                return completion
        pending = [m for m in latest if _is_pending(m, unknown_is_failure)]
        total = len(self.uids)
        delivered = sum(1 for m in latest if m.status.is_success)
        text = (
            f"{len(latest) - len(pending)} of {total} messages final ({delivered} delivered); "
            f"{len(pending) + unread} left ({unread} not read yet), read at most {self.max_reads} a poll"
        )
        if pending:
            text += f"; waiting for {_listing(pending)}"
        return Completion(PENDING, f"{text}.")

    def payload(self) -> list[dict[str, Any]]:
        """Return ``Message.to_dict()`` of each message read, in the order of the uids."""
        return [self._latest[uid].to_dict() for uid in self.uids if uid in self._latest]


def is_final(message: Message) -> bool:
    """True when a read of ``message`` can never change (an undocumented status is read again)."""
    return message.status.is_terminal and message.status is not MessageStatus.UNKNOWN


def check_campaign(campaign: Campaign) -> tuple[Completion, dict[str, Any]]:
    """Return a campaign's completion and ``Campaign.to_dict()``."""
    return campaign_completion(campaign), campaign.to_dict()
