from __future__ import annotations

import re

import pytest

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.models import Contact
from airflow_provider_textiopro.utils.contact_sync import ContactSync, ContactWrite, InvalidRow


def normalize(number: str) -> str:
    """Stand-in for phone.normalize_phone: digits, a leading 0 means NL, under 8 digits is invalid."""
    digits = re.sub(r"\D", "", number)
    if digits.startswith("0"):
        digits = "31" + digits[1:]
    if len(digits) < 8:
        raise TextioProInputError(f"{number!r} is not a valid phone number")
    return digits


def contact(uid: str, phone: str, status: str = "subscribe", **fields: str) -> Contact:
    return Contact(uid=uid, phone=phone, status=status, fields=fields)


EXISTING = [
    contact("a000000000001", "31611111111", FIRST_NAME="Ann", CITY="Utrecht"),
    contact("a000000000002", "31622222222", FIRST_NAME="Bob"),
    contact("a000000000003", "31633333333", FIRST_NAME="Cy"),
    contact("a000000000004", "31644444444", status="unsubscribe", FIRST_NAME="Di"),
]


def make(full_sync=None) -> ContactSync:
    return ContactSync(EXISTING, normalize=normalize, full_sync=full_sync)


def test_new_changed_unchanged():
    sync = make()
    plan = sync.plan_batch(
        [
            {"phone": "+31 6 11111111", "first_name": "Ann"},
            {"PHONE": "0622222222", "FIRST_NAME": "Robert"},
            {"PHONE": "31655555555", "FIRST_NAME": "Eve", "LAST_NAME": None},
        ]
    )
    assert plan.unchanged == 1
    assert plan.invalid == []
    assert plan.writes == [
        ContactWrite("update", "31622222222", {"FIRST_NAME": "Robert"}, uid="a000000000002", row=1),
        ContactWrite("create", "31655555555", {"FIRST_NAME": "Eve", "LAST_NAME": ""}, row=2),
    ]


def test_only_given_fields_are_compared_and_values_as_stripped_strings():
    sync = ContactSync(
        [contact("u", "31611111111", AGE="42", FIRST_NAME="Ann")], normalize=normalize, full_sync=None
    )
    plan = sync.plan_batch([{"PHONE": 31611111111, "AGE": 42}, {"PHONE": "31699999999", "AGE": " 7 "}])
    assert plan.unchanged == 1
    assert plan.writes == [ContactWrite("create", "31699999999", {"AGE": "7"}, row=1)]


def test_none_clears_a_field_that_has_a_value():
    sync = ContactSync([contact("u", "31611111111", CITY="Utrecht")], normalize=normalize)
    plan = sync.plan_batch([{"PHONE": "31611111111", "CITY": None, "ZIP": None}])
    assert plan.writes == [ContactWrite("update", "31611111111", {"CITY": "", "ZIP": ""}, uid="u", row=0)]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"FIRST_NAME": "x"}, "PHONE is missing"),
        ({"PHONE": "  "}, "PHONE is missing"),
        ({"PHONE": None}, "PHONE is missing"),
        ({"PHONE": "12"}, "not a valid phone number"),
        ({"PHONE": "31611111111", "name": "a", "NAME": "b"}, "NAME is given twice"),
        (["31611111111"], "expected a mapping"),
    ],
)
def test_invalid_rows(record, reason):
    plan = make().plan_batch([{"PHONE": "31677777777"}, record])
    assert len(plan.writes) == 1
    assert [i.row for i in plan.invalid] == [1]
    assert reason in plan.invalid[0].reason


def test_duplicates_in_input_keep_the_first_even_across_batches():
    sync = make()
    first = sync.plan_batch([{"PHONE": "0611111111", "FIRST_NAME": "Ann"}])
    second = sync.plan_batch([{"PHONE": "+31611111111", "FIRST_NAME": "Other"}])
    assert first.unchanged == 1
    assert second.writes == []
    assert second.invalid == [InvalidRow(1, "duplicate PHONE 31611111111: row 0 has the same number")]
    assert sync.rows == 2
    assert sync.valid_rows == 1


def test_no_removals_without_full_sync():
    sync = make()
    sync.plan_batch([{"PHONE": "31611111111"}])
    assert sync.plan_removals() == []


def test_full_sync_unsubscribe_skips_already_unsubscribed():
    sync = make("unsubscribe")
    sync.plan_batch([{"PHONE": "31611111111"}])
    sync.plan_batch([{"PHONE": "31622222222"}])
    assert sync.plan_removals() == [ContactWrite("unsubscribe", "31633333333", uid="a000000000003")]


def test_full_sync_delete_removes_every_missing_contact():
    sync = make("delete")
    sync.plan_batch([{"PHONE": "31611111111"}, {"PHONE": "bad"}])
    assert [w.uid for w in sync.plan_removals()] == ["a000000000002", "a000000000003", "a000000000004"]
    assert {w.action for w in sync.plan_removals()} == {"delete"}


def test_unsubscribed_contact_in_input_is_not_resubscribed():
    sync = make("unsubscribe")
    plan = sync.plan_batch([{"PHONE": "31644444444", "FIRST_NAME": "Di"}])
    assert plan.writes == []
    assert plan.unchanged == 1


def test_same_input_twice_plans_no_write_once_applied():
    records = [{"PHONE": "31655555555", "FIRST_NAME": "Eve", "CITY": ""}]
    first = make().plan_batch(records)
    created = first.writes[0]
    after = [*EXISTING, Contact(uid="new", phone=created.phone, fields=created.fields)]
    again = ContactSync(after, normalize=normalize, full_sync="unsubscribe")
    plan = again.plan_batch(records)
    assert plan.writes == []
    assert plan.unchanged == 1


def test_bad_full_sync_mode():
    with pytest.raises(TextioProInputError, match="full_sync"):
        ContactSync([], normalize=normalize, full_sync="purge")  # type: ignore[arg-type]


def test_creates_taken_meanwhile_are_planned_again_against_the_group_read_again():
    sync = make("delete")
    plan = sync.plan_batch(
        [
            {"PHONE": "31655555555", "FIRST_NAME": "Eve", "CITY": None},
            {"PHONE": "31666666666", "FIRST_NAME": "Fay"},
            {"PHONE": "31677777777", "FIRST_NAME": "Gus"},
            {"PHONE": "31611111111"},
        ]
    )
    read_again = [
        *EXISTING,
        contact("e", "31655555555", FIRST_NAME="Eve", CITY="Delft"),
        contact("f", "31666666666", FIRST_NAME="Fay"),
        contact("x", "31699999999", FIRST_NAME="Xi"),
    ]
    taken = sync.plan_taken(plan.writes, read_again)
    assert taken.writes == [
        ContactWrite("update", "31655555555", {"FIRST_NAME": "Eve", "CITY": ""}, uid="e", row=0),
        ContactWrite("create", "31677777777", {"FIRST_NAME": "Gus"}, row=2),
    ]
    assert (taken.unchanged, taken.invalid) == (1, [])
    assert sync.existing_count == 7
    assert [w.uid for w in sync.plan_removals()] == ["a000000000002", "a000000000003", "a000000000004", "x"]
