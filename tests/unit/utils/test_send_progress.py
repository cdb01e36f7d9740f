"""SentRequest and SendProgress: what each send request reached, kept in the task state store across tries."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from airflow_provider_textiopro.exceptions import (
    TextioProAuthError,
    TextioProRateLimitError,
    TextioProSendUncertainError,
)
from airflow_provider_textiopro.models import RecipientOutcome
from airflow_provider_textiopro.utils.send_progress import (
    REQUEST_KEY,
    SendProgress,
    SentRequest,
    VariableTaskStateStore,
    forget_advice,
    took_no_effect,
)
from tests.support.task_state import FakeTaskStateStore

ANSWERED = [
    RecipientOutcome(
        recipient="31600000001", uid="6065ecdc9184a", status="Delivered", cost="0.05", segments=1
    ),
    RecipientOutcome(recipient="31600000002", error="Number contains in the blacklist"),
]
REFUSED = TextioProRateLimitError("Too Many Attempts.", retry_after=5)
NO_ANSWER = TextioProSendUncertainError("no answer within 30 s")


def reloaded(store: FakeTaskStateStore) -> FakeTaskStateStore:
    """Return a copy of ``store`` as a later try reads it: through JSON."""
    again = FakeTaskStateStore()
    again.values = json.loads(json.dumps(store.values))
    return again


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (REFUSED, True),
        (TextioProAuthError("Unauthenticated."), True),
        (NO_ANSWER, False),
        (RuntimeError("connection pool broke"), False),
        (KeyboardInterrupt("worker lost"), False),
    ],
)
def test_took_no_effect(error, expected):
    assert took_no_effect(error) is expected


def test_a_request_is_written_before_it_is_sent_and_replaced_by_its_answer():
    store = FakeTaskStateStore()
    sent = SentRequest.load(store, "key")
    with sent.sending(["6065ecdc9184a"]):
        assert store.values == {"key": {"request": ["6065ecdc9184a"]}}
        assert SentRequest.load(reloaded(store), "key").unanswered
    sent.finish("65a1b2c3d4e5f")

    again = SentRequest.load(reloaded(store), "key")
    assert (again.unanswered, again.request, again.answer) == (False, None, "65a1b2c3d4e5f")


@pytest.mark.parametrize(
    ("error", "kept"),
    [(REFUSED, False), (NO_ANSWER, True), (RuntimeError("bug"), True), (KeyboardInterrupt("lost"), True)],
)
def test_a_failed_request_is_forgotten_only_when_it_provably_took_no_effect(error, kept):
    store = FakeTaskStateStore()
    with pytest.raises(type(error)), SentRequest.load(store, "key").sending(["31600000001"]):
        raise error
    assert SentRequest.load(reloaded(store), "key").unanswered is kept
    assert ("key" in store.values) is kept


def test_each_attempt_is_written_down_and_survives_a_reload():
    store = FakeTaskStateStore()
    progress = SendProgress(store)
    answered, no_answer, refused, never = progress.plan(
        [["31600000001", "31600000002"], ["31600000003"], ["31600000004"], ["31600000005"]]
    )
    assert set(store.values) == {REQUEST_KEY.format(i) for i in range(4)}
    assert all(value == {"not_processed": value["not_processed"]} for value in store.values.values())
    answered.leaving()
    assert store.values[REQUEST_KEY.format(0)] == {"request": ["31600000001", "31600000002"]}
    answered.answered(ANSWERED)
    no_answer.leaving()
    refused.leaving()
    refused.not_processed()

    again = SendProgress.load(reloaded(store))

    assert again.requests == 4
    assert again.outcomes == ANSWERED
    assert again.uncertain == ["31600000003"]
    numbers = [f"3160000000{i}" for i in range(1, 7)]
    assert again.unsent(numbers) == ["31600000004", "31600000005", "31600000006"]
    assert never.value == {"not_processed": ["31600000005"]}


def test_an_answered_request_is_stored_as_rows_without_field_names():
    store = FakeTaskStateStore()
    (record,) = SendProgress(store).plan([["31600000001", "31600000002"]])
    record.leaving()
    assert store.values == {REQUEST_KEY.format(0): {"request": ["31600000001", "31600000002"]}}
    record.answered(ANSWERED)
    assert store.values[REQUEST_KEY.format(0)] == {
        "answer": [
            ["31600000001", "6065ecdc9184a", "Delivered", None, "0.05", 1, False],
            ["31600000002", None, None, "Number contains in the blacklist", None, None, False],
        ]
    }


def test_without_a_store_progress_is_kept_in_memory_only():
    progress = SendProgress.load(None)
    answered, no_answer = progress.plan([["31600000001", "31600000002"], ["31600000003"]])
    answered.leaving()
    answered.answered(ANSWERED)
    no_answer.leaving()
    assert (progress.requests, progress.uncertain) == (2, ["31600000003"])
    assert progress.unsent(["31600000003", "31600000009"]) == ["31600000009"]
    (refused,) = progress.plan([["31600000009"]])
    refused.leaving()
    refused.not_processed()
    assert progress.requests == 3
    assert progress.unsent(["31600000009"]) == ["31600000009"]


def test_a_later_try_plans_its_requests_after_the_earlier_ones():
    store = FakeTaskStateStore()
    (first,) = SendProgress(store).plan([["31600000001"]])
    first.leaving()
    first.not_processed()
    later = reloaded(store)
    again = SendProgress.load(later)
    (retry,) = again.plan([again.unsent(["31600000001"])])
    assert retry.key == REQUEST_KEY.format(1)
    retry.leaving()
    retry.answered(ANSWERED[:1])
    assert SendProgress.load(reloaded(later)).outcomes == ANSWERED[:1]


def test_answers_are_announced():
    announced = []
    progress = SendProgress(on_answer=lambda: announced.append(len(progress.outcomes)))
    for record in progress.plan([["31600000001"], ["31600000002"]]):
        record.leaving()
        record.answered([RecipientOutcome(recipient=record.numbers[0], uid="6065ecdc9184a")])
    assert announced == [1, 2]


def task_instance(**changes):
    fields = {"dag_id": "d", "run_id": "manual__2025-01-01", "task_id": "send", "map_index": -1}
    return SimpleNamespace(**{**fields, **changes})


def test_variable_store_keeps_one_variable_per_task_instance(variables):
    store = VariableTaskStateStore.for_task_instance(task_instance(map_index=3))
    store.set(REQUEST_KEY.format(0), {"request": ["31600000001"]})
    store.set("textiopro_message_send", {"type": "plain"})

    assert store.name == "textiopro_task_state/d/manual__2025-01-01/send/3"
    assert variables.values == {
        store.name: {
            REQUEST_KEY.format(0): {"request": ["31600000001"]},
            "textiopro_message_send": {"type": "plain"},
        }
    }
    again = VariableTaskStateStore.for_task_instance(task_instance(map_index=3))
    assert again.get(REQUEST_KEY.format(0)) == {"request": ["31600000001"]}
    assert again.get("missing", "default") == "default"
    assert (
        VariableTaskStateStore.for_task_instance(task_instance(map_index=4)).get(REQUEST_KEY.format(0))
        is None
    )


def test_variable_store_goes_with_its_last_key_or_when_cleared(variables):
    store = VariableTaskStateStore.for_task_instance(task_instance())
    store.set("a", 1)
    store.set("b", 2)
    store.delete("a")
    store.delete("never set")
    assert variables.values == {store.name: {"b": 2}}
    store.delete("b")
    assert variables.values == {}
    store.set("c", 3)
    store.clear()
    assert variables.values == {}


def test_variable_store_name_fits_airflow_s_limit():
    store = VariableTaskStateStore.for_task_instance(task_instance(dag_id="d" * 250))
    assert len(store.name) <= 250
    assert store.name.startswith("textiopro_task_state/")


def test_forget_advice_names_the_store_s_place():
    variable = VariableTaskStateStore("textiopro_task_state/d/r/t/-1")
    assert forget_advice(variable, "k") == "delete the Airflow Variable textiopro_task_state/d/r/t/-1"
    assert forget_advice(FakeTaskStateStore(), "k") == "delete the task state key k"
