"""Properties of phone normalisation: any input gives digits with a country code or a clear error."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.utils.phone import normalize_phone, normalize_recipients
from tests.support.properties import FAST, result_or_error

pytestmark = pytest.mark.property

regions = st.none() | st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS))
phone_like = st.from_regex(r"(\+|00)?[0-9 ().\-]{1,20}", fullmatch=True)
raw_numbers = phone_like | st.text(max_size=25) | st.integers() | st.floats(allow_nan=False)


@FAST
@given(raw=raw_numbers, region=regions)
def test_a_number_becomes_digits_with_a_country_code_or_an_input_error(raw, region):
    digits, error = result_or_error(normalize_phone, raw, region)
    if error is not None:
        assert isinstance(error, TextioProInputError)
        assert "Phone number" in str(error)
        return
    assert digits.isdigit()
    parsed = phonenumbers.parse(f"+{digits}")
    assert phonenumbers.is_valid_number(parsed) or phonenumbers.is_possible_number(parsed)


@FAST
@given(raw=phone_like, region=regions)
def test_normalising_is_idempotent_once_written_internationally(raw, region):
    try:
        digits = normalize_phone(raw, region)
    except TextioProInputError:
        return
    assert normalize_phone(f"+{digits}") == digits
    assert normalize_phone(f"00{digits}", region) == digits
    assert normalize_phone(int(f"{digits}")) == digits


@FAST
@given(
    raw=st.from_regex(r"\+[1-9][0-9]{7,13}", fullmatch=True), cuts=st.lists(st.integers(0, 15), max_size=4)
)
def test_formatting_characters_do_not_change_the_number(raw, cuts):
    try:
        digits = normalize_phone(raw)
    except TextioProInputError:
        return
    formatted = raw
    for position, separator in zip(sorted(set(cuts), reverse=True), " -.()", strict=False):
        position = 1 + position % len(raw)
        formatted = formatted[:position] + separator + formatted[position:]
    assert normalize_phone(formatted) == digits


@FAST
@given(
    recipients=st.lists(raw_numbers | st.none() | st.lists(phone_like, max_size=3), max_size=8)
    | st.text(max_size=60),
    region=regions,
)
def test_a_recipient_list_keeps_each_usable_number_once_and_reports_every_other(recipients, region):
    result, error = result_or_error(
        normalize_recipients, recipients, default_region=region, on_invalid="skip"
    )
    if error is not None:
        assert isinstance(error, TextioProInputError)
        assert "recipient" in str(error).lower()
        return
    assert len(result.numbers) == len(set(result.numbers))
    assert all(number.isdigit() for number in result.numbers)
    assert result.numbers or result.invalid
    assume(result.invalid)
    with pytest.raises(TextioProInputError, match="not usable phone numbers"):
        normalize_recipients(recipients, default_region=region, on_invalid="fail")
