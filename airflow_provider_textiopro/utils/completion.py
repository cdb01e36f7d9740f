"""Decide whether messages or a campaign are done, and how it went.

One rule for every way of waiting: the sensors' ``poke``, the deferrable triggers and
the operators' blocking waits all fetch the objects and ask :func:`campaign_completion`
or :func:`messages_completion` what they mean.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
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
    pending = [
        m
        for m in messages
        if not m.status.is_terminal or (m.status is MessageStatus.UNKNOWN and not unknown_is_failure)
    ]
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


def check_campaign(campaign: Campaign) -> tuple[Completion, dict[str, Any]]:
    """Return a campaign's completion and ``Campaign.to_dict()``."""
    return campaign_completion(campaign), campaign.to_dict()


def check_messages(
    messages: Sequence[Message], *, min_success_ratio: float = 1.0, unknown_is_failure: bool = True
) -> tuple[Completion, list[dict[str, Any]]]:
    """Return the completion of ``messages`` and ``Message.to_dict()`` each.

    :param messages: the messages, as :meth:`TextioProHook.get_messages` returns them.
    :param min_success_ratio: see :func:`messages_completion`.
    :param unknown_is_failure: see :func:`messages_completion`.
    """
    completion = messages_completion(
        messages, min_success_ratio=min_success_ratio, unknown_is_failure=unknown_is_failure
    )
    return completion, [m.to_dict() for m in messages]
