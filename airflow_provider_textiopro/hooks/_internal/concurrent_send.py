"""Run the requests of one bulk send at once, bounded, and stop sending at the first failure.

Each request is a :class:`~airflow_provider_textiopro.utils.send_progress.RequestRecord`, written
down before the send begins. The request layer reports every attempt through :class:`Attempts`:
"in flight" right before it leaves (or :class:`SendStopped` when another request failed, so that
it never leaves), "not processed" when it provably was not. A request that fails with an error
proving it took no effect is written down as not processed; one that got no answer stays in
flight, so it is never sent again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from airflow_provider_textiopro.models import RecipientOutcome
from airflow_provider_textiopro.utils.send_progress import RequestRecord, took_no_effect


class SendStopped(Exception):
    """Another request of the send failed: this one does not leave."""


class Attempts:
    """Write down each attempt of one request as the request layer reports it.

    :param record: the request's record.
    :param stopped: set once a request of the send failed.
    """

    def __init__(self, record: RequestRecord, stopped: threading.Event) -> None:
        self.record = record
        self.stopped = stopped

    def leaving(self) -> None:
        """Write the request down as in flight, or raise SendStopped when the send stopped."""
        if self.stopped.is_set():
            raise SendStopped
        self.record.leaving()

    def not_processed(self) -> None:
        """Write the request down as not processed (refused at the limit, or never sent)."""
        self.record.not_processed()


class ConcurrentSend:
    """The requests of one send, sent up to N at once; their outcomes stay in request order.

    :param records: the requests, in the order of their recipients.
    :param send: sends one request (reporting its attempts) and returns its outcomes.
    """

    def __init__(
        self,
        records: list[RequestRecord],
        send: Callable[[RequestRecord, Attempts], list[RecipientOutcome]],
    ) -> None:
        self.records = records
        self._send = send
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.error: BaseException | None = None
        self.failed_index = -1

    def run(self, concurrency: int, on_answer: Callable[[int, int], None]) -> None:
        """Send every request, at most ``concurrency`` at once; keep the first failure in :attr:`error`.

        :param on_answer: called with the answered and total number of requests after each answer.
        """
        workers = min(concurrency, len(self.records))
        if workers <= 1:
            for index in range(len(self.records)):
                self._one(index, on_answer)
            return
        with ThreadPoolExecutor(workers, thread_name_prefix="textiopro-send") as pool:
            list(pool.map(lambda index: self._one(index, on_answer), range(len(self.records))))

    @property
    def requests(self) -> int:
        """How many requests the send has."""
        return len(self.records)

    @property
    def answered(self) -> int:
        """How many requests were answered."""
        return sum(1 for record in self.records if record.answer is not None)

    @property
    def outcomes(self) -> list[RecipientOutcome]:
        """The outcomes of the answered requests, in the order of the recipients."""
        return [outcome for record in self.records for outcome in record.outcomes]

    @property
    def uncertain(self) -> list[str]:
        """The numbers of the requests in flight without an answer: they may have the message."""
        return [number for record in self.records if record.unanswered for number in record.numbers]

    @property
    def uncertain_requests(self) -> int:
        """How many requests got no answer."""
        return sum(1 for record in self.records if record.unanswered)

    @property
    def unsent(self) -> list[str]:
        """The numbers of the requests that were not processed (or never left)."""
        return [
            number
            for record in self.records
            if record.answer is None and not record.unanswered
            for number in record.numbers
        ]

    def _one(self, index: int, on_answer: Callable[[int, int], None]) -> None:
        record = self.records[index]
        if self._stopped.is_set():
            return
        try:
            outcomes = self._send(record, Attempts(record, self._stopped))
        except SendStopped:
            return
        except BaseException as error:  # a lost worker (KeyboardInterrupt, SystemExit) included
            self._stopped.set()
            if took_no_effect(error):
                record.not_processed()
            with self._lock:
                if self.error is None:
                    self.error, self.failed_index = error, index
            return
        record.answered(outcomes)
        on_answer(self.answered, len(self.records))
