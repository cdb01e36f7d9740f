"""Write each send request down before it leaves, so that a retry never repeats one that may have gone out.

With a task state store (Airflow 3.3+) a request is written down twice under its own key: what it
sends just before it is sent, then TextioPro's answer (:class:`SentRequest`). A request found
without an answer got none, or its worker was lost while waiting for it: it may have taken effect,
so it is never sent again. The message operator keeps one key per request of at most 100
recipients (``textiopro_message_request_<n>``, :class:`SendProgress`), the campaign operator one
for its only request.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple
from typing import Any, Protocol

from airflow_provider_textiopro.errors import TextioProError, TextioProSendUncertainError
from airflow_provider_textiopro.models import RecipientOutcome

REQUEST_KEY = "textiopro_message_request_{}"


class TaskStateStore(Protocol):
    """The part of Airflow 3.3's ``context["task_state_store"]`` that a send uses."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...

    def delete(self, key: str) -> None: ...


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


class SendProgress:
    """The requests of one message send, in order: their numbers, and their outcomes once answered.

    :param store: the task state store to keep them in; None keeps them in memory only.
    """

    def __init__(self, store: TaskStateStore | None = None) -> None:
        self.store = store
        self._requests: list[SentRequest] = []

    @classmethod
    def load(cls, store: TaskStateStore | None) -> SendProgress:
        """Return the requests that earlier tries wrote to ``store`` (none without a store)."""
        progress = cls(store)
        while (request := SentRequest.load(store, REQUEST_KEY.format(progress.requests))).value is not None:
            progress._requests.append(request)
        return progress

    @property
    def requests(self) -> int:
        """How many requests were made, answered or not."""
        return len(self._requests)

    @property
    def outcomes(self) -> list[RecipientOutcome]:
        """The outcome of each recipient of the answered requests, in sending order."""
        return [RecipientOutcome(*row) for request in self._requests for row in request.answer or ()]

    @property
    def uncertain(self) -> list[str]:
        """The numbers of the requests that got no answer: they may or may not have the message."""
        return [n for request in self._requests if request.unanswered for n in request.request]

    def unsent(self, numbers: Iterable[str]) -> list[str]:
        """Return the ``numbers`` that no request has tried to reach, in their order."""
        tried = {outcome.recipient for outcome in self.outcomes} | set(self.uncertain)
        return [number for number in numbers if number not in tried]

    @contextmanager
    def sending(self, numbers: Sequence[str]) -> Iterator[None]:
        """Write down the numbers of a request, then send it in the ``with`` body.

        As :meth:`SentRequest.sending`: a request that provably took no effect is forgotten.
        """
        request = SentRequest(self.store, REQUEST_KEY.format(self.requests))
        self._requests.append(request)
        try:
            with request.sending(list(numbers)):
                yield
        finally:
            if request.value is None:
                self._requests.remove(request)

    def finish(self, outcomes: Sequence[RecipientOutcome]) -> None:
        """Write down the outcomes TextioPro answered to the last request."""
        self._requests[-1].finish([list(astuple(outcome)) for outcome in outcomes])
