"""Turn the answers of ``sms/send`` into one outcome per recipient.

One recipient gives one message object, several give a list (with ``customer_status``);
invalid numbers are missing from the list and their errors are joined into ``message``;
numbers the gateway refused may be listed with a final failure (``Failed``, cost 0, a
uid): whatever the shape, a final failure is a refusal. A scheduled send may answer
``data: null``; one that answers a sent or moving message went out at once.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from airflow_provider_textiopro.models import SCHEDULED, Message, MessageStatus, RecipientOutcome

CHUNK_SIZE = 100
NO_MESSAGE_REASON = "TextioPro created no message for this number"
FINAL_FAILURE_REASON = "TextioPro answered a final failure for this number"

_PARTS = re.compile(r"\n|;|(?<=[.!])\s+|,\s+(?=\+?\d)")
_DIGITS = re.compile(r"\d+")


def chunked(numbers: Sequence[str], size: int = CHUNK_SIZE) -> Iterator[list[str]]:
    """Yield consecutive slices of at most ``size`` numbers, the last never a single one of several.

    TextioPro sends a one-recipient request at once even when it has a ``schedule_time``, so a
    number left alone at the end moves in with the one before it (100 + 1 becomes 99 + 2).
    """
    bounds = [*range(0, len(numbers), size), len(numbers)]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] == 1 and size > 1:
        bounds[-2] -= 1
    for start, end in itertools.pairwise(bounds):
        yield list(numbers[start:end])


def reasons_by_number(numbers: Sequence[str], text: str | None) -> dict[str, str]:
    """Map each number that a joined error text mentions to its own part of that text.

    A number is mentioned when a part holds it as a whole run of digits (``+`` before it
    allowed); the first such part is its reason. ``numbers`` are digit strings, as
    :func:`~airflow_provider_textiopro.phone.normalize_phone` returns them.
    """
    if not text or not _DIGITS.search(text):
        return {}
    wanted = set(numbers)
    found: dict[str, str] = {}
    for part in _PARTS.split(text):
        part = part.strip(" ,.")
        for run in _DIGITS.findall(part):
            if run in wanted and run not in found:
                found[run] = part
    return found


def refused(numbers: Sequence[str], text: str) -> list[RecipientOutcome]:
    """Return an outcome without a message for each number the gateway refused.

    :param numbers: the numbers of the refused request.
    :param text: the server's message: a status (``Failed``) or the joined refusals of each number.
    """
    reasons = reasons_by_number(numbers, text)
    status = text if MessageStatus.parse(text) is not MessageStatus.UNKNOWN else None
    return [
        RecipientOutcome(recipient=number, status=status, error=reasons.get(number) or f"refused: {text}")
        for number in numbers
    ]


def is_final_failure(status: MessageStatus) -> bool:
    """True for a known final failure: ``Failed``, ``Undelivered``, ``Expired``, ``Rejected``, ``Skipped``."""
    return status.is_failure and status is not MessageStatus.UNKNOWN


def outcomes_from_answer(
    chunk: Sequence[str], data: Any, message: str | None, *, scheduled: bool
) -> list[RecipientOutcome]:
    """Return one outcome per number of ``chunk``, in its order.

    A message answered with a final failure is refused (it keeps its uid); with ``scheduled``,
    a message answered as delivered or moving was sent at once (``sent_immediately``).

    :param chunk: the numbers of one request.
    :param data: the answer's ``data``: a message object, a list of them, or None.
    :param message: the answer's ``message`` (the joined errors of invalid numbers).
    :param scheduled: the request had a ``schedule_time``.
    """
    if data is None or (scheduled and not data):
        status = SCHEDULED if scheduled else None
        return [RecipientOutcome(recipient=number, status=status) for number in chunk]
    items = [data] if isinstance(data, Mapping) else list(data) if isinstance(data, list) else []
    messages = [Message.from_api(item) for item in items if isinstance(item, Mapping)]
    by_number: dict[str, Message] = {}
    unmatched: list[Message] = []
    for item in messages:
        number: str | None = item.to if item.to in chunk and item.to not in by_number else None
        if number is None and len(chunk) == 1 and not by_number:
            number = chunk[0]
        if number is None:
            unmatched.append(item)
        else:
            by_number[number] = item
    missing = [number for number in chunk if number not in by_number]
    if unmatched and len(unmatched) == len(missing):
        by_number.update(zip(missing, unmatched, strict=True))
    failed = {
        number
        for number in chunk
        if number not in by_number or not by_number[number].uid or is_final_failure(by_number[number].status)
    }
    reasons = reasons_by_number([number for number in chunk if number in failed], message)
    outcomes = []
    for number in chunk:
        found = by_number.get(number)
        if found is None or not found.uid:
            reason = reasons.get(number) or (
                f"{NO_MESSAGE_REASON}: {message}" if message else NO_MESSAGE_REASON
            )
            status = found.raw_status if found else None
            outcomes.append(RecipientOutcome(recipient=number, status=status, error=reason))
            continue
        error = None
        if number in failed:
            error = reasons.get(number) or f"{FINAL_FAILURE_REASON}: {found.raw_status}"
        outcomes.append(
            RecipientOutcome(
                recipient=number,
                uid=found.uid,
                status=found.raw_status,
                error=error,
                cost=found.cost,
                segments=found.segments,
                sent_immediately=scheduled and error is None and not found.status.is_failure,
            )
        )
    return outcomes
