"""Estimate how many SMS segments (billed parts) a text takes.

A text that fits the GSM-7 alphabet is sent in 7-bit septets: 160 in one SMS,
153 per part when it has to be split (each part carries a header). Characters
of the GSM-7 extension table (``^ { } \\ [ ~ ] | €`` and form feed) take two
septets. Any other character makes the whole text UCS-2: 70 UTF-16 code units
in one SMS, 67 per part, and a character outside the Basic Multilingual Plane
(most emoji) takes two units.

Parts are filled the way phones and gateways split them: a two-unit character
(an extension character or a surrogate pair) is never cut across two parts, so
a part may hold one unit less than its maximum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow_provider_textiopro.exceptions import TextioProInputError

GSM7 = "GSM-7"
UCS2 = "UCS-2"

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

_LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True)
class SegmentEstimate:
    """How a text is encoded and how many segments it takes.

    ``characters`` is the length as the network counts it: GSM-7 septets
    (extension characters count 2) or UTF-16 code units (emoji count 2).
    """

    encoding: str
    characters: int
    segments: int


def estimate_segments(text: str, *, unicode: bool = False) -> SegmentEstimate:
    """Return the encoding, length and number of segments of ``text``; an empty text takes 0 segments.

    :param text: the message body.
    :param unicode: count as UCS-2 even when the text fits GSM-7 (TextioPro's ``type="unicode"``).
    """
    is_gsm7 = not unicode and all(ch in _GSM7_BASIC or ch in _GSM7_EXTENSION for ch in text)
    if is_gsm7:
        encoding = GSM7
        units = [2 if ch in _GSM7_EXTENSION else 1 for ch in text]
    else:
        encoding = UCS2
        units = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    single, per_part = _LIMITS[encoding]
    characters = sum(units)
    if characters <= single:
        return SegmentEstimate(encoding, characters, 1 if characters else 0)
    return SegmentEstimate(encoding, characters, _count_parts(units, per_part))


def check_max_segments(value: Any) -> int:
    """Return ``value`` when it is a whole number of at least 1 (a segment limit).

    :raises TextioProInputError: for anything else.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise TextioProInputError(f"max_segments must be a whole number of at least 1, not {value!r}.")
    return value


def _count_parts(units: list[int], per_part: int) -> int:
    """Return how many parts of ``per_part`` units hold ``units`` without splitting a character."""
    parts, used = 1, 0
    for size in units:
        if used + size > per_part:
            parts, used = parts + 1, 0
        used += size
    return parts
