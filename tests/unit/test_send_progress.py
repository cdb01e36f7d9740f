"""SendProgress: what each request of a send reached, kept in the task state store across tries."""

from __future__ import annotations

import json

from task_state import FakeTaskStateStore

from airflow_provider_textiopro.models import RecipientOutcome
from airflow_provider_textiopro.send_progress import REQUEST_KEY, SendProgress

ANSWERED = [
    RecipientOutcome(
        recipient="31600000001", uid="6065ecdc9184a", status="Delivered", cost="0.05", segments=1
    ),
    RecipientOutcome(recipient="31600000002", error="Number contains in the blacklist"),
]


def test_answered_unanswered_and_forgotten_requests_survive_a_reload():
    store = FakeTaskStateStore()
    progress = SendProgress(store)
    progress.start(["31600000001", "31600000002"])
    progress.finish(ANSWERED)
    progress.start(["31600000003"])
    progress.start(["31600000004"])
    progress.forget()

    reloaded = FakeTaskStateStore()
    reloaded.values = json.loads(json.dumps(store.values))
    again = SendProgress.load(reloaded)

    assert again.requests == 2
    assert again.outcomes == ANSWERED
    assert again.uncertain == ["31600000003"]
    numbers = [f"3160000000{i}" for i in range(1, 6)]
    assert again.unsent(numbers) == ["31600000004", "31600000005"]
    assert set(store.values) == {REQUEST_KEY.format(0), REQUEST_KEY.format(1)}


def test_an_answered_request_is_stored_as_rows_without_field_names():
    store = FakeTaskStateStore()
    progress = SendProgress(store)
    progress.start(["31600000001", "31600000002"])
    progress.finish(ANSWERED)
    assert store.values[REQUEST_KEY.format(0)] == {
        "outcomes": [
            ["31600000001", "6065ecdc9184a", "Delivered", None, "0.05", 1],
            ["31600000002", None, None, "Number contains in the blacklist", None, None],
        ]
    }


def test_without_a_store_progress_is_kept_in_memory_only():
    progress = SendProgress.load(None)
    progress.start(["31600000001", "31600000002"])
    progress.finish(ANSWERED)
    progress.start(["31600000003"])
    assert (progress.requests, progress.uncertain) == (2, ["31600000003"])
    assert progress.unsent(["31600000003", "31600000009"]) == ["31600000009"]
    progress.forget()
    assert progress.unsent(["31600000003"]) == ["31600000003"]
