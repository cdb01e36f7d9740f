from __future__ import annotations

import pytest

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.utils.phone import (
    NormalizedRecipients,
    check_on_invalid,
    normalize_phone,
    normalize_recipients,
)


@pytest.mark.parametrize(
    ("number", "region", "expected"),
    [
        ("+31 6 1234 5678", None, "31612345678"),
        ("+31 6-1234.5678", None, "31612345678"),
        ("0031612345678", None, "31612345678"),
        ("31612345678", None, "31612345678"),
        (31612345678, None, "31612345678"),
        (31612345678.0, None, "31612345678"),
        ("8801721970168", None, "8801721970168"),
        ("31612345678", "NL", "31612345678"),
        ("31612345678", "nl", "31612345678"),
        ("06 1234 5678", "NL", "31612345678"),
        ("612345678", "NL", "31612345678"),
        ("07911 123456", "GB", "447911123456"),
        ("447911123456", "GB", "447911123456"),
        ("4915112345678", "NL", "4915112345678"),
        ("447911123456", "US", "447911123456"),
        ("(202) 555-0123", "US", "12025550123"),
        ("4155552671", "US", "14155552671"),
        ("1 202 555 0123", "US", "12025550123"),
        ("+1 202 555 0123", "NL", "12025550123"),
        ("8 916 123-45-67", "RU", "79161234567"),
        # Possible but not valid (a range reserved for fiction): accepted, as the server does.
        ("+44 7700 900123", None, "447700900123"),
        ("447700900123", "NL", "447700900123"),
        ("07700 900123", "GB", "447700900123"),
    ],
)
def test_normalize_phone(number, region, expected):
    assert normalize_phone(number, region) == expected


@pytest.mark.parametrize(
    ("number", "region", "message"),
    [
        ("0612345678", None, "national number without country code: set default_region in the connection"),
        ("12345", None, "too short); if it is a national number, set default_region"),
        ("123", None, "wrong length (too short)"),
        ("+3161234567890123456", None, "too long; separate several numbers with commas"),
        ("31612345678 447911123456", None, "separate several numbers with commas"),
        ("+999123456", None, "+999... does not start with a known country code"),
        ("+31 6 12", None, "not a valid phone number: wrong length (too short)"),
        ("+1 555 0100", None, "a local number: add the area code"),
        ("1-800-FLOWERS", "US", "only digits, spaces, '( ) - .' and a leading '+' are allowed"),
        ("", None, "empty value"),
        ("06 12", "NL", "not a valid phone number as a national number of NL"),
        ("612", "NL", "as a national number of NL nor as international digits: wrong length (too short)"),
        ("0123", "NL", "as a national number of NL: wrong length (too short)"),
        ("0000000000", "NL", "+000... does not start with a known country code"),
        (
            "2033167325",
            "US",
            "ambiguous: it reads as +12033167325 (national number of US) and as +2033167325",
        ),
        (True, None, "a boolean is not a phone number"),
        (3.5, None, "a number with decimals"),
    ],
)
def test_normalize_phone_refuses(number, region, message):
    with pytest.raises(TextioProInputError, match="is not usable") as info:
        normalize_phone(number, region)
    assert message in str(info.value)


def test_unknown_region_is_refused():
    with pytest.raises(TextioProInputError, match=r"default_region 'XX' is not a known ISO 3166"):
        normalize_phone("31612345678", "XX")


def test_blank_region_means_none():
    assert normalize_phone("+31612345678", "  ") == "31612345678"


@pytest.mark.parametrize(
    "recipients",
    [
        "+31612345678, 447911123456;8801721970168",
        "+31612345678\n447911123456\r\n8801721970168\n",
        ["+31612345678", "447911123456", "8801721970168"],
        ("+31612345678", 447911123456, 8801721970168),
        [["+31612345678", "447911123456"], ["8801721970168"]],
        ["+31612345678, 447911123456", ("8801721970168",)],
        (n for n in ["31612345678", "447911123456", "8801721970168"]),
    ],
)
def test_recipients_forms(recipients):
    result = normalize_recipients(recipients)
    assert result == NormalizedRecipients(numbers=["31612345678", "447911123456", "8801721970168"])


def test_duplicates_dropped_keeping_first_order():
    result = normalize_recipients(
        ["447911123456", "+31 6 1234 5678", "0031612345678", "07911 123456"], default_region="GB"
    )
    assert result.numbers == ["447911123456", "31612345678"]


def test_skip_reports_invalid_and_keeps_valid():
    result = normalize_recipients(
        ["31612345678", "123", None, "123", "06 1234 5678"], default_region="NL", on_invalid="skip"
    )
    assert result.numbers == ["31612345678"]
    assert [raw for raw, _ in result.invalid] == ["123", "None"]
    assert "too short" in result.invalid[0][1]
    assert result.invalid[1][1] == "empty value"


def test_skip_with_only_invalid_numbers_returns_no_numbers():
    result = normalize_recipients("123, 0612345678", on_invalid="skip")
    assert result.numbers == []
    assert len(result.invalid) == 2


def test_fail_lists_every_bad_number():
    with pytest.raises(TextioProInputError) as info:
        normalize_recipients("31612345678, 123, 0612345678, abc")
    text = str(info.value)
    assert text.startswith("3 of 4 recipients are not usable phone numbers")
    assert "on_invalid='skip'" in text
    for raw in ("123:", "0612345678:", "abc:"):
        assert f"- {raw}" in text


@pytest.mark.parametrize(
    ("recipients", "message"),
    [
        (None, "No recipient given"),
        ("", "No recipient given"),
        (" , ;\n", "No recipient given"),
        ([], "No recipient given"),
        ({"phone": "31612345678"}, "must be a string or a list of phone numbers, not dict"),
        (b"31612345678", "not bytes"),
        (3.5, "not float"),
        ([[["31612345678"]]], "nested one level at most"),
        ([{"PHONE": "31612345678"}], "is a dict"),
    ],
)
def test_recipients_refused(recipients, message):
    with pytest.raises(TextioProInputError, match="recipient") as info:
        normalize_recipients(recipients)
    assert message in str(info.value)


def test_check_on_invalid():
    assert check_on_invalid("skip") == "skip"
    with pytest.raises(TextioProInputError, match="on_invalid must be 'fail' or 'skip', not None"):
        check_on_invalid(None)


def test_unknown_on_invalid():
    with pytest.raises(TextioProInputError, match="on_invalid must be 'fail' or 'skip', not 'ignore'"):
        normalize_recipients("31612345678", on_invalid="ignore")
