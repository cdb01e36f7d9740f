"""Properties of masked numbers: at least four digits hidden, the rest shown in place."""

from __future__ import annotations

import pytest
from hypothesis import given

from airflow_provider_textiopro.utils.suppression import mask_number
from tests.support.properties import FAST, numbers

pytestmark = pytest.mark.property


@FAST
@given(number=numbers)
def test_a_masked_number_hides_at_least_four_digits_and_shows_the_others_in_place(number):
    masked = mask_number(number)
    assert masked.startswith("+")
    body = masked[1:]
    assert len(body) == len(number)
    assert all(shown in ("*", digit) for shown, digit in zip(body, number, strict=True))
    hidden = body.count("*")
    assert hidden >= min(4, len(number))
    assert len(number) - hidden <= 3 + 2 + 3  # country code, two leading and three trailing digits
    assert set(body[body.index("*") : body.rindex("*") + 1]) == {"*"}  # one hidden stretch
