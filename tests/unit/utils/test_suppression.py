"""Suppression lists, unsubscribed contacts and masked numbers."""

from __future__ import annotations

import pytest

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.models import Contact
from airflow_provider_textiopro.utils.suppression import (
    mask_number,
    normalize_suppression,
    split_suppressed,
    unsubscribed_numbers,
)

NL = "31612345678"


@pytest.mark.parametrize(
    "given",
    [
        "06 1234 5678",
        "+31 6 1234-5678; 0031612345679",
        ["0612345678", ["+31612345679"]],
        [{"PHONE": "0612345678", "NAME": "Jo"}],
        {"mobile": "0612345678"},
        [("+31612345678",)],
        31612345678,
    ],
)
def test_any_format_is_normalised_with_the_default_region(given):
    assert NL in normalize_suppression(given, default_region="NL").numbers


@pytest.mark.parametrize("given", [None, "", "  ", []])
def test_nothing_suppresses_nothing(given):
    assert normalize_suppression(given).numbers == frozenset()


def test_an_unreadable_entry_is_an_error_that_says_what_to_fix():
    with pytest.raises(TextioProInputError) as raised:
        normalize_suppression(["+31612345678", "0612345679", "call me"])
    text = str(raised.value)
    assert text.startswith("2 entries of the suppression list are not usable phone numbers; nothing was sent")
    assert "0612345679: it looks like a national number without country code" in text
    assert "on_invalid='skip'" in text


def test_unreadable_entries_can_be_skipped_and_reported():
    result = normalize_suppression(["+31612345678", "call me"], on_invalid="skip")
    assert result.numbers == frozenset({NL})
    assert [raw for raw, _ in result.invalid] == ["call me"]


def test_a_row_without_phone_names_the_row():
    with pytest.raises(TextioProInputError, match="suppression row 2 has no phone number"):
        normalize_suppression([{"PHONE": NL}, {"EMAIL": "a@b"}])


def test_split_keeps_the_order_of_each_side():
    split = split_suppressed(["1", "2", "3", "4"], {"3", "1"})
    assert (split.kept, split.suppressed) == (["2", "4"], ["1", "3"])


def test_unsubscribed_contacts_are_suppressed_and_contacts_without_status_are_not():
    contacts = [
        Contact(uid="a", phone="31600000001", status="unsubscribe"),
        Contact(uid="b", phone="31600000002", status="subscribe"),
        Contact(uid="c", phone="31600000003"),
        Contact(uid="d", phone="31600000004", status="Unsubscribe"),
    ]
    assert unsubscribed_numbers(contacts) == {"31600000001", "31600000004"}


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("31612345678", "+3161****678"),  # NL mobile: 9 national digits
        ("+31612345678", "+3161****678"),
        ("12025550123", "+120*****123"),  # US: 10 national digits
        ("447700900123", "+4477*****123"),  # UK: 10
        ("8613812345678", "+8613******678"),  # China: 11
        ("353861234567", "+35386****567"),  # three-digit country code, 9 national digits
        ("35312345678", "+3531****678"),  # 8 national digits: one leading digit
        ("3541234567", "+354****567"),  # Iceland: 7 national digits
        ("376123456", "+376****56"),  # Andorra: 6 national digits
        ("37612345", "+376****5"),  # 5 national digits
        ("6901234", "+690****"),  # Tokelau: 4 national digits, all hidden
    ],
)
def test_masking_keeps_the_country_code_two_leading_and_three_trailing_digits(number, masked):
    assert mask_number(number) == masked


def test_masking_refuses_what_is_not_a_normalised_number():
    with pytest.raises(TextioProInputError, match="Cannot mask"):
        mask_number("+31 6 1234")
