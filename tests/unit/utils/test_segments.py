from __future__ import annotations

import pytest

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.utils.segments import SegmentEstimate, check_max_segments, estimate_segments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SegmentEstimate("GSM-7", 0, 0)),
        ("Hello", SegmentEstimate("GSM-7", 5, 1)),
        ("a" * 160, SegmentEstimate("GSM-7", 160, 1)),
        ("a" * 161, SegmentEstimate("GSM-7", 161, 2)),
        ("a" * 306, SegmentEstimate("GSM-7", 306, 2)),
        ("a" * 307, SegmentEstimate("GSM-7", 307, 3)),
        ("a" * 459, SegmentEstimate("GSM-7", 459, 3)),
        ("a" * 460, SegmentEstimate("GSM-7", 460, 4)),
        ("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\n\r", SegmentEstimate("GSM-7", 44, 1)),
        ("€" * 80, SegmentEstimate("GSM-7", 160, 1)),
        ("€" * 81, SegmentEstimate("GSM-7", 162, 2)),
        ("^{}\\[~]|€\f", SegmentEstimate("GSM-7", 20, 1)),
        ("a" * 159 + "[", SegmentEstimate("GSM-7", 161, 2)),
        ("ж" * 70, SegmentEstimate("UCS-2", 70, 1)),
        ("ж" * 71, SegmentEstimate("UCS-2", 71, 2)),
        ("ж" * 134, SegmentEstimate("UCS-2", 134, 2)),
        ("ж" * 135, SegmentEstimate("UCS-2", 135, 3)),
        ("a" * 69 + "ç", SegmentEstimate("UCS-2", 70, 1)),
        ("a" * 159 + "ç", SegmentEstimate("UCS-2", 160, 3)),
        ("😀" * 35, SegmentEstimate("UCS-2", 70, 1)),
        ("😀" * 36, SegmentEstimate("UCS-2", 72, 2)),
        ("a" * 69 + "😀", SegmentEstimate("UCS-2", 71, 2)),
        ("\x1b" * 3, SegmentEstimate("UCS-2", 3, 1)),
    ],
)
def test_estimate_segments(text, expected):
    assert estimate_segments(text) == expected


def test_extension_character_is_not_split_across_parts():
    # 306 septets would fit two parts of 153, but the euro sign cannot straddle them.
    assert estimate_segments("a" * 152 + "€" + "a" * 152) == SegmentEstimate("GSM-7", 306, 3)
    assert estimate_segments("a" * 151 + "€" + "a" * 153) == SegmentEstimate("GSM-7", 306, 2)


def test_surrogate_pair_is_not_split_across_parts():
    assert estimate_segments("ж" * 66 + "😀" + "ж" * 66) == SegmentEstimate("UCS-2", 134, 3)
    assert estimate_segments("ж" * 65 + "😀" + "ж" * 67) == SegmentEstimate("UCS-2", 134, 2)


def test_unicode_forces_ucs2():
    assert estimate_segments("a" * 71, unicode=True) == SegmentEstimate("UCS-2", 71, 2)
    assert estimate_segments("a" * 71) == SegmentEstimate("GSM-7", 71, 1)


def test_check_max_segments():
    assert check_max_segments(3) == 3
    for bad in (0, -1, 1.5, "2", True, None):
        with pytest.raises(TextioProInputError, match="max_segments must be a whole number of at least 1"):
            check_max_segments(bad)
