"""SMS segments: GSM-7 (160/153 characters) or UCS-2 (70/67) when a character is outside GSM-7."""

from __future__ import annotations

import math

_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = frozenset("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    """True when every character fits the GSM-7 alphabet (basic or extension table)."""
    return all(char in _GSM_BASIC or char in _GSM_EXTENSION for char in text)


def count_segments(text: str, *, unicode: bool = False) -> int:
    """Return the number of segments ``text`` takes; ``unicode`` forces UCS-2."""
    if not unicode and is_gsm7(text):
        length = sum(2 if char in _GSM_EXTENSION else 1 for char in text)
        single, multi = 160, 153
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    return 1 if length <= single else math.ceil(length / multi)
