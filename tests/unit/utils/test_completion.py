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
    MessageWatch,
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


def read_all(watch: MessageWatch, statuses: dict[str, str]) -> list[str]:
    """Read what is due with ``statuses``; return the uids read."""
    uids = watch.due()
    watch.record(uids, [message(uid, statuses[uid]) for uid in uids])
    return uids


def test_a_watch_reads_at_most_max_reads_a_poll_in_turns():
    uids = ["a", "b", "c", "d", "e"]
    watch = MessageWatch(uids, max_reads=2)
    statuses = dict.fromkeys(uids, "Enroute")

    assert [read_all(watch, statuses) for _ in range(4)] == [["a", "b"], ["c", "d"], ["e", "a"], ["b", "c"]]


def test_a_message_read_final_is_not_read_again_and_the_rest_keep_their_turn():
    watch = MessageWatch(["a", "b", "c"], max_reads=2)
    statuses = {"a": "Delivered", "b": "Enroute", "c": "Enroute"}

    assert read_all(watch, statuses) == ["a", "b"]
    assert read_all(watch, statuses) == ["c", "b"]
    statuses["c"] = "Failed"
    assert read_all(watch, statuses) == ["c", "b"]
    assert watch.due() == ["b"]


def test_an_undocumented_status_is_read_again():
    watch = MessageWatch(["a"], max_reads=5)
    read_all(watch, {"a": "Gateway said maybe"})
    assert watch.due() == ["a"]
    assert watch.completion(unknown_is_failure=False).state == "pending"
    assert watch.completion(unknown_is_failure=True).state == "failure"


def test_a_watch_is_pending_while_some_were_never_read_and_says_how_many_are_left():
    watch = MessageWatch(["a", "b", "c", "d"], max_reads=2)
    read_all(watch, {"a": "Delivered", "b": "Enroute"})

    completion = watch.completion()

    assert completion.state == "pending"
    assert completion.message.startswith("1 of 4 messages final (1 delivered); 3 left (2 not read yet)")
    assert "read at most 2 a poll" in completion.message
    assert "(uid b): Enroute" in completion.message


def test_a_watch_completes_once_every_message_was_read_final():
    watch = MessageWatch(["a", "b", "c"], max_reads=2)
    statuses = {"a": "Delivered", "b": "Delivered", "c": "Undelivered"}
    read_all(watch, statuses)
    assert watch.completion(min_success_ratio=0.5).state == "pending"
    read_all(watch, statuses)

    completion = watch.completion(min_success_ratio=0.5)

    assert completion.state == "success"
    assert completion.message == "2 of 3 messages delivered (67%, required 50%)."
    assert [m["uid"] for m in watch.payload()] == ["a", "b", "c"]
