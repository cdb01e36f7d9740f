from __future__ import annotations

import re
from unittest import mock

import pytest

from airflow_provider_textiopro import outcomes
from airflow_provider_textiopro.hooks._internal.answers import (
    NO_MESSAGE_REASON,
    outcomes_from_answer,
    reasons_by_number,
)
from airflow_provider_textiopro.models import SendResult

NUMBERS = [f"3161200{index:04d}" for index in range(100)]


@pytest.mark.parametrize("separator", ["\n", ", ", ". ", "; "])
def test_each_number_gets_its_own_part_of_the_joined_text(separator):
    first, second = NUMBERS[:2]
    text = separator.join([f"+{first} is a invalid phone number", f"{second} is not allowed"])

    assert reasons_by_number(NUMBERS, text) == {
        first: f"+{first} is a invalid phone number",
        second: f"{second} is not allowed",
    }


def test_the_first_part_naming_a_number_is_its_reason():
    number = NUMBERS[0]
    text = f"{number} is a invalid phone number; {number} is blacklisted"

    assert reasons_by_number([number], text) == {number: f"{number} is a invalid phone number"}


def test_a_number_inside_a_longer_run_of_digits_is_not_mentioned():
    assert reasons_by_number(["3161200001"], "31612000010 and 13161200001 are invalid") == {}


def test_only_the_given_numbers_are_mapped():
    assert reasons_by_number(NUMBERS[:1], f"{NUMBERS[1]} is a invalid phone number") == {}


@pytest.mark.parametrize("text", [None, "", "Failed", "Invalid phone numbers."])
def test_a_text_without_digits_maps_nothing(text):
    assert reasons_by_number(NUMBERS, text) == {}


def test_no_regex_is_compiled_per_call(monkeypatch):
    text = "; ".join(f"{number} is a invalid phone number" for number in NUMBERS[::2])
    monkeypatch.setattr(re, "compile", mock.Mock(side_effect=AssertionError("re.compile called")))

    found = reasons_by_number(NUMBERS, text)

    assert sorted(found) == NUMBERS[::2]


def test_only_numbers_without_a_message_are_looked_for():
    good, bad, silent = NUMBERS[:3]
    data = [{"uid": "u1", "to": good, "customer_status": "Delivered"}]
    message = f"{bad} is a invalid phone number"

    with mock.patch.object(outcomes, "reasons_by_number", wraps=reasons_by_number) as spy:
        result = outcomes_from_answer([good, bad, silent], data, message, scheduled=False)

    spy.assert_called_once_with([bad, silent], message)
    assert [(o.recipient, o.uid, o.error) for o in result] == [
        (good, "u1", None),
        (bad, None, message),
        (silent, None, f"{NO_MESSAGE_REASON}: {message}"),
    ]


def test_a_message_without_uid_still_gets_its_reason():
    number = NUMBERS[0]
    data = [{"to": number, "customer_status": "Rejected"}, {"uid": "u2", "to": NUMBERS[1]}]
    message = f"{number} is blacklisted"

    result = outcomes_from_answer(NUMBERS[:2], data, message, scheduled=False)

    assert (result[0].status, result[0].error) == ("Rejected", message)
    assert result[1].uid == "u2"


def test_a_final_failure_in_a_list_is_refused_and_keeps_its_uid():
    delivered, refused = NUMBERS[:2]
    data = [
        {"uid": "u1", "to": delivered, "customer_status": "Delivered", "cost": "1"},
        {"uid": "u2", "to": refused, "customer_status": "Failed", "cost": "0"},
    ]

    result = outcomes_from_answer(
        NUMBERS[:2], data, "Your message was successfully delivered", scheduled=False
    )

    assert [(o.uid, o.status, o.accepted) for o in result] == [
        ("u1", "Delivered", True),
        ("u2", "Failed", False),
    ]
    assert result[1].error == "TextioPro answered a final failure for this number: Failed"


@pytest.mark.parametrize(
    "data",
    [
        {"uid": "u1", "to": NUMBERS[0], "status": "Failed", "cost": "0"},
        [{"uid": "u1", "to": NUMBERS[0], "customer_status": "Failed", "cost": "0"}],
    ],
    ids=["object", "list"],
)
def test_a_final_failure_is_refused_whatever_the_shape(data):
    (outcome,) = outcomes_from_answer(NUMBERS[:1], data, None, scheduled=False)

    assert (outcome.uid, outcome.status, outcome.accepted) == ("u1", "Failed", False)


@pytest.mark.parametrize("status", ["Delivered", "Enroute", "Accepted"])
def test_a_message_answered_to_a_scheduled_request_was_sent_immediately(status):
    data = {"uid": "u1", "to": NUMBERS[0], "status": status, "cost": "1"}

    (outcome,) = outcomes_from_answer(NUMBERS[:1], data, None, scheduled=True)

    assert (outcome.uid, outcome.accepted, outcome.scheduled, outcome.sent_immediately) == (
        "u1",
        True,
        False,
        True,
    )
    assert SendResult(outcomes=[outcome]).to_dict() == {
        "uids": ["u1"],
        "outcomes": [
            {
                "recipient": NUMBERS[0],
                "uid": "u1",
                "status": status,
                "error": None,
                "cost": "1",
                "segments": None,
                "sent_immediately": True,
            }
        ],
        "accepted": 1,
        "refused": 0,
        "scheduled": False,
        "sent_immediately": 1,
        "requests": 0,
    }


def test_a_scheduled_answer_without_messages_is_scheduled_not_sent():
    result = SendResult(outcomes=outcomes_from_answer(NUMBERS[:2], None, None, scheduled=True))

    assert (result.scheduled, result.sent_immediately, result.uids) == (True, [], [])


def test_an_unscheduled_send_is_never_sent_immediately():
    data = {"uid": "u1", "to": NUMBERS[0], "status": "Delivered"}

    (outcome,) = outcomes_from_answer(NUMBERS[:1], data, None, scheduled=False)

    assert outcome.sent_immediately is False
