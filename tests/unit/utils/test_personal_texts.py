"""Personal texts: tags filled per row, recipients grouped by their text."""

from __future__ import annotations

import pytest

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.utils.personal_texts import (
    fill_tags,
    phone_of,
    plan_personal_texts,
)

JO = {"PHONE": "+31612345678", "FIRST_NAME": "Jo"}
AL = {"PHONE": "+31612345679", "FIRST_NAME": "Al"}


def groups(plan):
    return [(group.text, group.numbers) for group in plan.groups]


def test_plain_recipients_keep_the_message_exactly_as_written():
    plan = plan_personal_texts("Hi {FIRST_NAME}, {not a tag} }{", "+31612345678, +31612345679")
    assert groups(plan) == [("Hi {FIRST_NAME}, {not a tag} }{", ["31612345678", "31612345679"])]
    assert plan.personal is False


def test_plain_recipients_skip_invalid_numbers_as_before():
    plan = plan_personal_texts("Hi", ["+31612345678", "12"], on_invalid="skip")
    assert plan.numbers == ["31612345678"]
    assert [raw for raw, _ in plan.invalid] == ["12"]


def test_rows_get_their_own_text():
    plan = plan_personal_texts("Hi {FIRST_NAME}!", [JO, AL])
    assert groups(plan) == [("Hi Jo!", ["31612345678"]), ("Hi Al!", ["31612345679"])]
    assert plan.personal is True


def test_tag_names_and_keys_are_case_insensitive():
    row = {"phone": "+31612345678", "first_name": "Jo"}
    assert groups(plan_personal_texts("Hi {FIRST_NAME} {First_Name}", [row])) == [
        ("Hi Jo Jo", ["31612345678"])
    ]


def test_inline_default_and_defaults_parameter():
    rows = [JO, {"PHONE": "+31612345679", "FIRST_NAME": None}, {"PHONE": "+31612345670", "FIRST_NAME": "  "}]
    plan = plan_personal_texts("Hi {FIRST_NAME|there}, {CITY}", rows, defaults={"city": "Delft"})
    assert groups(plan) == [
        ("Hi Jo, Delft", ["31612345678"]),
        ("Hi there, Delft", ["31612345679", "31612345670"]),
    ]


def test_inline_default_wins_over_the_defaults_parameter():
    assert fill_tags("{A|inline}", {}, defaults={"A": "param"}) == "inline"
    assert fill_tags("{A|}x", {}) == "x"


def test_a_missing_tag_names_the_row_and_the_tag():
    with pytest.raises(TextioProInputError) as raised:
        plan_personal_texts("Hi {FIRST_NAME}, see you in {CITY}", [JO, {"PHONE": "+31612345679"}])
    text = str(raised.value)
    assert "row 1 (recipients[0])" in text
    assert "{CITY}" in text
    assert "row 2 (recipients[1])" in text
    assert "{FIRST_NAME}" in text
    assert "nothing was sent" in text


def test_braces_that_are_not_tags_stay_text():
    row = {"PHONE": "+31612345678", "CODE": "{X}"}
    assert groups(plan_personal_texts('{"a": 1} {1x} { CODE } {CODE}', [row])) == [
        ('{"a": 1} {1x} { CODE } {X}', ["31612345678"])
    ]


def test_values_are_not_filled_twice():
    assert fill_tags("{A}", {"A": "{B}", "B": "no"}) == "{B}"


def test_non_string_values_are_written_as_text():
    assert fill_tags("{N} {OK}", {"N": 3, "OK": True}) == "3 True"


def test_keys_in_two_cases_are_ambiguous_only_when_used():
    row = {"PHONE": "+31612345678", "Name": "a", "NAME": "b"}
    assert fill_tags("hi", row) == "hi"
    with pytest.raises(TextioProInputError, match="several keys named 'NAME'"):
        fill_tags("{NAME}", row)


@pytest.mark.parametrize("key", ["PHONE", "phone", "Phone_Number", "number", "MOBILE", "msisdn", "to"])
def test_the_phone_key_is_found_case_insensitively(key):
    assert phone_of({key: "+31612345678", "X": 1}) == "+31612345678"


def test_phone_takes_precedence_over_other_number_keys():
    assert phone_of({"mobile": "2", "PHONE": "1"}) == "1"


def test_a_row_without_phone_says_what_to_fix():
    with pytest.raises(TextioProInputError) as raised:
        plan_personal_texts("Hi", [JO, {"FIRST_NAME": "Al", "EMAIL": "a@b"}])
    text = str(raised.value)
    assert "row 2 (recipients[1]) has no phone number" in text
    assert "'FIRST_NAME', 'EMAIL'" in text
    assert "phone_key=" in text


def test_phone_key_names_the_column():
    rows = [{"cell": "+31612345678", "mobile": "+31612345679"}]
    assert plan_personal_texts("Hi", rows, phone_key="CELL").numbers == ["31612345678"]
    with pytest.raises(TextioProInputError, match="has no key 'gsm' \\(phone_key\\)"):
        plan_personal_texts("Hi", rows, phone_key="gsm")


def test_national_numbers_use_the_default_region():
    plan = plan_personal_texts("Hi", [{"PHONE": "06 1234 5678"}], default_region="NL")
    assert plan.numbers == ["31612345678"]


def test_the_same_number_with_the_same_text_is_one_recipient():
    again = {"phone": "0031 6 1234 5678", "first_name": "Jo"}
    plan = plan_personal_texts("Hi {FIRST_NAME}", [JO, AL, again])
    assert groups(plan) == [("Hi Jo", ["31612345678"]), ("Hi Al", ["31612345679"])]


def test_the_same_number_with_another_text_is_an_error():
    with pytest.raises(
        TextioProInputError, match=r"row 2 \(recipients\[1\]\) gives \+31612345678 another text"
    ):
        plan_personal_texts("Hi {FIRST_NAME}", [JO, {**JO, "FIRST_NAME": "Joanna"}])


def test_invalid_numbers_fail_listing_their_rows_or_are_skipped():
    rows = [JO, {"PHONE": "12", "FIRST_NAME": "X"}]
    with pytest.raises(
        TextioProInputError, match=r"row 2 \(recipients\[1\]\): Phone number 12 is not usable"
    ):
        plan_personal_texts("Hi {FIRST_NAME}", rows)
    plan = plan_personal_texts("Hi {FIRST_NAME}", rows, on_invalid="skip")
    assert plan.numbers == ["31612345678"]
    assert plan.invalid[0][0] == "row 2 (recipients[1])"


def test_plain_numbers_among_rows_are_rows_without_values():
    plan = plan_personal_texts("Hi {FIRST_NAME|there}", [JO, "+31612345679"])
    assert groups(plan) == [("Hi Jo", ["31612345678"]), ("Hi there", ["31612345679"])]


def test_rows_nested_one_level_as_mapped_tasks_return_them():
    assert plan_personal_texts("{FIRST_NAME}", [[JO], [AL]]).numbers == ["31612345678", "31612345679"]


def test_one_mapping_is_one_row():
    assert groups(plan_personal_texts("Hi {FIRST_NAME}", JO)) == [("Hi Jo", ["31612345678"])]


def test_an_empty_text_is_an_error():
    with pytest.raises(TextioProInputError, match="the filled message is empty"):
        plan_personal_texts("{FIRST_NAME|}", [JO | {"FIRST_NAME": ""}])


def test_many_problems_are_listed_with_a_count():
    rows = [{"PHONE": f"+316123456{i:02d}"} for i in range(25)]
    with pytest.raises(TextioProInputError) as raised:
        plan_personal_texts("Hi {FIRST_NAME}", rows)
    text = str(raised.value)
    assert text.startswith("25 problem(s) in 25 recipient rows")
    assert "... and 15 more" in text


def test_ten_thousand_rows_with_three_texts_make_three_groups():
    names = ["Jo", "Al", "Mo"]
    rows = [{"PHONE": f"+3161{i:07d}", "FIRST_NAME": names[i % 3]} for i in range(10_000)]
    plan = plan_personal_texts("Hi {FIRST_NAME}, our sale starts today.", rows)
    assert [group.text for group in plan.groups] == [f"Hi {n}, our sale starts today." for n in names]
    assert [len(group.numbers) for group in plan.groups] == [3334, 3333, 3333]
    assert len(plan.numbers) == len(set(plan.numbers)) == 10_000


def test_segments_and_cost_are_counted_per_distinct_text():
    long_name = {"PHONE": "+31612345679", "FIRST_NAME": "x" * 160}
    plan = plan_personal_texts("Hi {FIRST_NAME}", [JO, long_name, {**JO, "PHONE": "+31612345670"}])
    assert [(g.segments.segments, g.total_segments) for g in plan.groups] == [(1, 2), (2, 2)]
    assert plan.total_segments == 4
    unicode_plan = plan_personal_texts("Hi {FIRST_NAME}", [JO], unicode=True)
    assert unicode_plan.groups[0].segments.encoding == "UCS-2"


def test_unknown_on_invalid_is_refused():
    with pytest.raises(TextioProInputError, match="on_invalid"):
        plan_personal_texts("Hi", [JO], on_invalid="ignore")


def test_an_empty_list_is_refused():
    with pytest.raises(TextioProInputError, match="No recipient"):
        plan_personal_texts("Hi", [])


def test_a_generator_is_read_once_whatever_it_holds():
    assert plan_personal_texts("Hi", (n for n in ["+31612345678"])).numbers == ["31612345678"]
    assert plan_personal_texts("{FIRST_NAME}", (row for row in [JO])).numbers == ["31612345678"]
