"""The completion rule shared by the sensors, the triggers and the operators' waits."""

from __future__ import annotations

import pytest

from airflow_provider_textiopro.exceptions import (
    TextioProAuthError,
    TextioProInputError,
    TextioProNotFoundError,
    TextioProRateLimitError,
    TextioProServerError,
)
from airflow_provider_textiopro.models import Campaign
from airflow_provider_textiopro.utils.completion import (
    campaign_completion,
    check_success_ratio,
    is_transient,
    messages_completion,
)
from tests.support.model_factories import message


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("new", "pending"),
        ("queued", "pending"),
        ("sending", "pending"),
        ("paused", "pending"),
        ("whatever", "pending"),
        ("delivered", "success"),
        ("done", "success"),
        ("failed", "failure"),
        ("error", "failure"),
        ("canceled", "failure"),
    ],
)
def test_campaign_states(status, state):
    assert campaign_completion(Campaign.from_api({"id": "c1", "status": status})).state == state


def test_campaign_message_names_it_and_its_counts():
    campaign = Campaign.from_api(
        {
            "id": "c1",
            "name": "Spring",
            "status": "error",
            "stats": {"failed_count": 4, "delivered_count": "1"},
        }
    )

    assert (
        campaign_completion(campaign).message
        == "Campaign c1 (Spring) ended with status 'error': 1 delivered, 4 failed."
    )


def test_a_share_exactly_at_the_ratio_succeeds():
    messages = [message("a", "Delivered"), message("b", "Delivered"), message("c", "Failed")]

    assert messages_completion(messages, min_success_ratio=2 / 3).state == "success"
    assert messages_completion(messages, min_success_ratio=0.7).state == "failure"


def test_a_ratio_of_zero_accepts_any_final_outcome():
    assert messages_completion([message("a", "Rejected")], min_success_ratio=0).state == "success"
    assert messages_completion([message("a", "Enroute")], min_success_ratio=0).state == "pending"


def test_a_long_failure_list_is_shortened():
    messages = [message(f"m{i}", "Failed") for i in range(25)]

    text = messages_completion(messages).message

    assert text.count("Failed") == 10
    assert text.endswith("and 15 more.")


def test_nothing_to_wait_for_is_an_input_error():
    with pytest.raises(TextioProInputError):
        messages_completion([])


@pytest.mark.parametrize("value", [-0.1, 1.01, "half", None])
def test_bad_ratios(value):
    with pytest.raises(TextioProInputError, match="from 0 to 1"):
        check_success_ratio(value)


def test_ratio_as_text_is_read():
    assert check_success_ratio("0.75") == 0.75


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (TextioProRateLimitError("Too Many Attempts."), True),
        (TextioProServerError("HTTP 502"), True),
        (ConnectionError("reset"), True),
        (TimeoutError("read timed out"), True),
        (TextioProAuthError("Unauthenticated."), False),
        (TextioProNotFoundError("No query results"), False),
        (KeyError("data"), False),
    ],
)
def test_transient_errors(error, transient):
    assert is_transient(error) is transient
