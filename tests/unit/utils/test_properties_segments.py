"""Properties of segment counting: bounds that hold for every text, GSM-7 or UCS-2."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_textiopro.utils.segments import GSM7, UCS2, estimate_segments
from tests.support.properties import FAST

pytestmark = pytest.mark.property

GSM_TEXT = st.text(alphabet="abcXYZ 0123.,!?@£€^{}[]~|\\\n", max_size=500)
ANY_TEXT = GSM_TEXT | st.text(max_size=400)
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


@FAST
@given(text=ANY_TEXT, unicode=st.booleans())
def test_segments_lie_between_the_even_split_and_the_split_with_a_unit_lost_per_part(text, unicode):
    estimate = estimate_segments(text, unicode=unicode)
    single, per_part = LIMITS[estimate.encoding]
    if not text:
        assert (estimate.characters, estimate.segments) == (0, 0)
    elif estimate.characters <= single:
        assert estimate.segments == 1
    else:
        assert math.ceil(estimate.characters / per_part) <= estimate.segments
        assert estimate.segments <= math.ceil(estimate.characters / (per_part - 1))
    assert estimate.encoding == UCS2 or not unicode


@FAST
@given(text=ANY_TEXT, more=st.text(min_size=1, max_size=50))
def test_a_longer_text_never_takes_fewer_segments(text, more):
    shorter, longer = estimate_segments(text), estimate_segments(text + more)
    if shorter.encoding == longer.encoding:
        assert longer.segments >= shorter.segments
        assert longer.characters > shorter.characters


@FAST
@given(text=st.text(max_size=300))
def test_ucs2_counts_utf16_code_units(text):
    estimate = estimate_segments(text, unicode=True)
    assert estimate.encoding == UCS2
    assert estimate.characters == len(text.encode("utf-16-le")) // 2


@FAST
@given(text=GSM_TEXT)
def test_gsm7_counts_an_extension_character_as_two_septets(text):
    estimate = estimate_segments(text)
    assert estimate.encoding == GSM7
    assert estimate.characters == len(text) + sum(ch in "\f^{}\\[~]|€" for ch in text)
