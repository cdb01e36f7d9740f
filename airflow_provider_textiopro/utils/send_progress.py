"""Write each send request down before it leaves, so that a retry never repeats one that may have gone out.

Only the time between a request leaving and its answer is uncertain, so each *attempt* is written
down under the request's key: "in flight" (the numbers) just before it leaves, then TextioPro's
answer, or "not processed" when TextioPro refused it at the rate limit (``Too Many Attempts.``) or
the connection was refused before anything was sent. The waits at the limit happen in the "not
processed" state. The keys live in Airflow 3.3's task state store, or below Airflow 3.3 in an
Airflow Variable of the task instance (:class:`VariableTaskStateStore`). A request found in flight
got no answer, or its worker was lost while waiting for it: it may have taken effect, so it is never
sent again; one found not processed is sent again by a retry. The message operator keeps one key
per request of at most 100 recipients (``textiopro_message_request_<n>``, :class:`SendProgress`,
written in recipient order before the first request leaves, so that several may be in flight at
once), the campaign operator one for its only request (:class:`SentRequest`).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple
from typing import Any, Protocol

from airflow_provider_textiopro.exceptions import TextioProError, TextioProSendUncertainError
from airflow_provider_textiopro.models import RecipientOutcome
from airflow_provider_textiopro.version_compat import Variable

REQUEST_KEY = "textiopro_message_request_{}"


class TaskStateStore(Protocol):
    """The part of Airflow 3.3's ``context["task_state_store"]`` that a send uses."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...

    def delete(self, key: str) -> None: ...


class VariableTaskStateStore:
    """The task state of one task instance below Airflow 3.3: a JSON object in one Airflow Variable.

    Written before each request and with each answer, so that it outlives a lost worker; the
    operator deletes it once the task succeeds (:meth:`clear`). A task that fails keeps it, so
    that clearing the task does not send again either.

    :param name: the Variable's key (see :meth:`for_task_instance`).
    """

    PREFIX = "textiopro_task_state"
    DESCRIPTION = (
        "TextioPro: what this task instance sent, so that a retry does not send it again. "
        "Deleted when the task succeeds; delete it to send again on purpose."
    )
    MAX_NAME = 250  # Airflow's limit on a Variable's key

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def for_task_instance(cls, ti: Any) -> VariableTaskStateStore:
        """Return the store of ``ti``: ``textiopro_task_state/<dag_id>/<run_id>/<task_id>/<map_index>``.

        A key longer than Airflow allows is shortened to the prefix and its SHA-256.
        """
        name = f"{cls.PREFIX}/{ti.dag_id}/{ti.run_id}/{ti.task_id}/{ti.map_index}"
        if len(name) > cls.MAX_NAME:
            name = f"{cls.PREFIX}/{hashlib.sha256(name.encode()).hexdigest()}"
        return cls(name)

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value kept under ``key``, or ``default``."""
        return self._values().get(key, default)

    def set(self, key: str, value: Any) -> None:
        """Keep ``value`` (JSON-able) under ``key``."""
        values = self._values()
        values[key] = value
        Variable.set(self.name, values, description=self.DESCRIPTION, serialize_json=True)

    def delete(self, key: str) -> None:
        """Drop ``key``; the Variable goes with its last key."""
        values = self._values()
        if key not in values:
            return
        del values[key]
        if values:
            Variable.set(self.name, values, description=self.DESCRIPTION, serialize_json=True)
        else:
            self.clear()

    def clear(self) -> None:
        """Delete the Variable: the task succeeded, nothing is left to keep."""
        Variable.delete(self.name)

    def _values(self) -> dict[str, Any]:
        # Positional: Airflow 2.11 names the default default_var, the Task SDK default.
        return dict(Variable.get(self.name, None, True) or {})


def forget_advice(store: TaskStateStore | None, key: str) -> str:
    """Say how to drop what ``store`` keeps under ``key``, so that the task sends again when cleared."""
    if isinstance(store, VariableTaskStateStore):
        return f"delete the Airflow Variable {store.name}"
    return f"delete the task state key {key}"


def took_no_effect(error: BaseException) -> bool:
    """Return True when a send request failed in a way that proves TextioPro did not act on it.

    A TextioPro error refused the request outright (bad input or token, a rate limit, a refused
    connection), except :class:`TextioProSendUncertainError`. Anything else, that error or an
    unexpected one, may have come after TextioPro acted.
    """
    return isinstance(error, TextioProError) and not isinstance(error, TextioProSendUncertainError)


class SentRequest:
    """One send request in the task state store: what it sends, then TextioPro's answer.

    :param store: the task state store; None keeps the request in memory only.
    :param key: the request's key in ``store``.
    :param value: what ``store`` holds under ``key`` (None: nothing yet).
    """

    def __init__(self, store: TaskStateStore | None, key: str, value: dict[str, Any] | None = None) -> None:
        self.store = store
        self.key = key
        self.value = value

    @classmethod
    def load(cls, store: TaskStateStore | None, key: str) -> SentRequest:
        """Return the request that earlier tries wrote under ``key`` (nothing without a store)."""
        return cls(store, key, None if store is None else store.get(key))

    @property
    def request(self) -> Any:
        """What the request sends, while it has no answer (None otherwise)."""
        return None if self.value is None else self.value.get("request")

    @property
    def answer(self) -> Any:
        """TextioPro's answer, once written down (None before)."""
        return None if self.value is None else self.value.get("answer")

    @property
    def unanswered(self) -> bool:
        """True when the request was written down as sent and no answer was: it may have gone out."""
        return self.value is not None and "answer" not in self.value

    @contextmanager
    def sending(self, request: Any) -> Iterator[None]:
        """Write ``request`` down, then send it in the ``with`` body.

        When the body fails with an error that proves the request took no effect
        (:func:`took_no_effect`), the request is forgotten, so that it may be sent again; after
        any other error, or a worker lost in the body, it stays unanswered.
        """
        self._write({"request": request})
        try:
            yield
        except Exception as error:
            if took_no_effect(error):
                self.forget()
            raise

    def finish(self, answer: Any) -> None:
        """Write down TextioPro's answer in place of the request."""
        self._write({"answer": answer})

    def forget(self) -> None:
        """Drop the request from the store."""
        self.value = None
        if self.store is not None:
            self.store.delete(self.key)

    def _write(self, value: dict[str, Any]) -> None:
        self.value = value
        if self.store is not None:
            self.store.set(self.key, value)


class RequestRecord(SentRequest):
    """One request of a message send: written down before each attempt leaves, then its answer.

    Its value is ``{"not_processed": numbers}`` (not sent yet, or refused before TextioPro acted),
    ``{"request": numbers}`` (in flight: it may have gone out) or ``{"answer": rows}``.

    :param numbers: the request's recipients (digits).
    :param lock: serialises the writes of the requests of one send (they may run in threads).
    :param on_answer: called once the answer is written down.
    """

    def __init__(
        self,
        store: TaskStateStore | None,
        key: str,
        numbers: Sequence[str],
        lock: threading.Lock,
        value: dict[str, Any] | None = None,
        on_answer: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__(store, key, value)
        self.numbers = list(numbers)
        self._lock = lock
        self._on_answer = on_answer

    @classmethod
    def read(cls, store: TaskStateStore, key: str, lock: threading.Lock) -> RequestRecord | None:
        """Return the request an earlier try wrote under ``key``, or None when there is none."""
        value = store.get(key)
        if value is None:
            return None
        numbers = value.get("request") or value.get("not_processed") or [row[0] for row in value["answer"]]
        return cls(store, key, numbers, lock, value)

    @property
    def unanswered(self) -> bool:
        """True while the request is in flight: it may have gone out, and no answer was written down."""
        return self.value is not None and "request" in self.value

    @property
    def outcomes(self) -> list[RecipientOutcome]:
        """The outcomes TextioPro answered, once written down (none before)."""
        return [RecipientOutcome(*row) for row in self.answer or ()]

    def leaving(self) -> None:
        """Write the request down as in flight: call right before it leaves."""
        self._write({"request": self.numbers})

    def not_processed(self) -> None:
        """Write the request down as not processed: TextioPro provably did not act on it."""
        self._write({"not_processed": self.numbers})

    def answered(self, outcomes: Sequence[RecipientOutcome]) -> None:
        """Write down the outcomes TextioPro answered, in place of the request."""
        self._write({"answer": [list(astuple(outcome)) for outcome in outcomes]})
        if self._on_answer is not None:
            self._on_answer()

    def _write(self, value: dict[str, Any]) -> None:
        with self._lock:
            super()._write(value)


class SendProgress:
    """The requests of one message send, in order: their numbers, and their outcomes once answered.

    Thread-safe: the requests of a send may be in flight at once.

    :param store: the task state store to keep them in; None keeps them in memory only.
    :param on_answer: called each time a request's answer is written down (e.g. to log progress).
    """

    def __init__(
        self, store: TaskStateStore | None = None, on_answer: Callable[[], Any] | None = None
    ) -> None:
        self.store = store
        self.on_answer = on_answer
        self._lock = threading.Lock()
        self._requests: list[RequestRecord] = []

    @classmethod
    def load(cls, store: TaskStateStore | None) -> SendProgress:
        """Return the requests that earlier tries wrote to ``store`` (none without a store)."""
        progress = cls(store)
        while store is not None:
            record = RequestRecord.read(store, REQUEST_KEY.format(progress.requests), progress._lock)
            if record is None:
                break
            progress._requests.append(record)
        return progress

    @property
    def requests(self) -> int:
        """How many requests were written down, whatever became of them."""
        return len(self._requests)

    @property
    def outcomes(self) -> list[RecipientOutcome]:
        """The outcome of each recipient of the answered requests, in the order of the requests."""
        return [outcome for request in self._requests for outcome in request.outcomes]

    @property
    def uncertain(self) -> list[str]:
        """The numbers of the requests in flight without an answer: they may or may not have the message."""
        return [n for request in self._requests if request.unanswered for n in request.numbers]

    def unsent(self, numbers: Iterable[str]) -> list[str]:
        """Return the ``numbers`` that no request reached or may have reached, in their order."""
        tried = {outcome.recipient for outcome in self.outcomes} | set(self.uncertain)
        return [number for number in numbers if number not in tried]

    def plan(self, batches: Sequence[Sequence[str]]) -> list[RequestRecord]:
        """Write down one request per batch of numbers, not processed yet, before any of them leaves."""
        planned = []
        for numbers in batches:
            key = REQUEST_KEY.format(self.requests)
            record = RequestRecord(self.store, key, numbers, self._lock, on_answer=self._answered)
            record.not_processed()
            self._requests.append(record)
            planned.append(record)
        return planned

    def _answered(self) -> None:
        if self.on_answer is not None:
            self.on_answer()
