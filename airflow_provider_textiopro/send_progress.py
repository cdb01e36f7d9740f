"""Write down which recipients each request of a send reached, so that a retry sends only to the others.

With a task state store (Airflow 3.3+) every request is written down twice, under
``textiopro_message_request_<n>``: its numbers just before it is sent, then its outcomes once
TextioPro answered. A request found with numbers but no outcomes got no answer, or its worker
died while waiting for one: its recipients may have the message, so they are never sent it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from airflow_provider_textiopro.models import RecipientOutcome

REQUEST_KEY = "textiopro_message_request_{}"


class TaskStateStore(Protocol):
    """The part of Airflow 3.3's ``context["task_state_store"]`` that a send uses."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...

    def delete(self, key: str) -> None: ...


class SendProgress:
    """The requests of one send, in order: their numbers, and their outcomes once answered.

    :param store: the task state store to keep them in; None keeps them in memory only.
    """

    def __init__(self, store: TaskStateStore | None = None) -> None:
        self.store = store
        self._requests: list[tuple[list[str], list[RecipientOutcome] | None]] = []

    @classmethod
    def load(cls, store: TaskStateStore | None) -> SendProgress:
        """Return the requests that earlier tries wrote to ``store`` (none without a store)."""
        progress = cls(store)
        while store is not None:
            value = store.get(REQUEST_KEY.format(progress.requests))
            if value is None:
                break
            if "outcomes" in value:
                outcomes = [RecipientOutcome(*row) for row in value["outcomes"]]
                progress._requests.append(([o.recipient for o in outcomes], outcomes))
            else:
                progress._requests.append((list(value["numbers"]), None))
        return progress

    @property
    def requests(self) -> int:
        """How many requests were made, answered or not."""
        return len(self._requests)

    @property
    def outcomes(self) -> list[RecipientOutcome]:
        """The outcome of each recipient of the answered requests, in sending order."""
        return [o for _, outcomes in self._requests for o in outcomes or ()]

    @property
    def uncertain(self) -> list[str]:
        """The numbers of the requests that got no answer: they may or may not have the message."""
        return [n for numbers, outcomes in self._requests if outcomes is None for n in numbers]

    def unsent(self, numbers: Iterable[str]) -> list[str]:
        """Return the ``numbers`` that no request has tried to reach, in their order."""
        tried = {n for request, _ in self._requests for n in request}
        return [number for number in numbers if number not in tried]

    def start(self, numbers: Sequence[str]) -> None:
        """Write down the numbers of a request about to be sent."""
        self._requests.append((list(numbers), None))
        self._write({"numbers": list(numbers)})

    def finish(self, outcomes: Sequence[RecipientOutcome]) -> None:
        """Write down the outcomes TextioPro answered to the last request."""
        self._requests[-1] = (self._requests[-1][0], list(outcomes))
        self._write(
            {"outcomes": [[o.recipient, o.uid, o.status, o.error, o.cost, o.segments] for o in outcomes]}
        )

    def forget(self) -> None:
        """Drop the last request: it failed without taking effect, so its numbers may be sent again."""
        self._requests.pop()
        if self.store is not None:
            self.store.delete(REQUEST_KEY.format(self.requests))

    def _write(self, value: dict[str, Any]) -> None:
        if self.store is not None:
            self.store.set(REQUEST_KEY.format(self.requests - 1), value)
