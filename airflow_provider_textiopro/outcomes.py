"""Turn the answers of ``sms/send`` into one outcome per recipient.

One recipient gives one message object, several give a list (with ``customer_status``);
invalid numbers are missing from the list and their errors are joined into ``message``;
a scheduled send may answer ``data: null``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from airflow_provider_textiopro.models import Message, MessageStatus, RecipientOutcome

CHUNK_SIZE = 100
SCHEDULED = "scheduled"
NO_MESSAGE_REASON = "TextioPro created no message for this number"

_PARTS = re.compile(r"\n|;|(?<=[.!])\s+|,\s+(?=\+?\d)")
_DIGITS = re.compile(r"\d+")


def chunked(numbers: Sequence[str], size: int = CHUNK_SIZE) -> Iterator[list[str]]:
    """Yield consecutive slices of at most ``size`` numbers."""
    for start in range(0, len(numbers), size):
        yield list(numbers[start : start + size])


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


def outcomes_from_answer(
    chunk: Sequence[str], data: Any, message: str | None, *, scheduled: bool
) -> list[RecipientOutcome]:
    """Return one outcome per number of ``chunk``, in its order.

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
    no_message = [number for number in chunk if number not in by_number or not by_number[number].uid]
    reasons = reasons_by_number(no_message, message)
    outcomes = []
    for number in chunk:
        found = by_number.get(number)
        if found is None or not found.uid:
            reason = reasons.get(number) or (
                f"{NO_MESSAGE_REASON}: {message}" if message else NO_MESSAGE_REASON
            )
            status = found.raw_status if found else None
            outcomes.append(RecipientOutcome(recipient=number, status=status, error=reason))
        else:
            outcomes.append(
                RecipientOutcome(
                    recipient=number,
                    uid=found.uid,
                    status=found.raw_status,
                    cost=found.cost,
                    segments=found.segments,
                )
            )
    return outcomes
