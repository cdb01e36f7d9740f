"""Run a contact sync's planned writes against one group, several at a time."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from typing import TYPE_CHECKING, Any

from airflow_provider_textiopro.exceptions import TextioProAuthError
from airflow_provider_textiopro.utils.contact_sync import ContactWrite

if TYPE_CHECKING:
    from airflow_provider_textiopro.hooks.textiopro import TextioProHook

PROGRESS_EVERY = 100
IN_FLIGHT_PER_WORKER = 2


class ContactWriter:
    """Run planned contact writes with bounded concurrency, one hook per worker thread.

    At most ``IN_FLIGHT_PER_WORKER`` writes per worker are handed to the pool at a
    time, so memory does not grow with the writes of a batch. Failed writes are
    collected in :attr:`errors`. An auth error stops the sync: writes not started
    yet are skipped, and the error is raised.
    """

    def __init__(
        self, hook_factory: Callable[[], TextioProHook], group_uid: str, max_workers: int, log: Any
    ) -> None:
        self._hook_factory = hook_factory
        self._group_uid = group_uid
        self._log = log
        self._local = threading.local()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="textiopro-contacts")
        self._max_in_flight = IN_FLIGHT_PER_WORKER * max_workers
        self.done: Counter[str] = Counter()
        self.errors: list[tuple[ContactWrite, str]] = []

    def __enter__(self) -> ContactWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    @property
    def total(self) -> int:
        """Writes done so far."""
        return sum(self.done.values())

    def _hook(self) -> TextioProHook:
        hook = getattr(self._local, "hook", None)
        if hook is None:
            hook = self._local.hook = self._hook_factory()
        return hook

    def _write(self, write: ContactWrite) -> bool:
        """Make one write in a worker thread; return False when skipped after an auth error."""
        if self._stop.is_set():
            return False
        hook, group, phone = self._hook(), self._group_uid, f"+{write.phone}"
        try:
            if write.action == "create":
                hook.create_contact(group, phone, **write.fields)
            elif write.action == "update":
                hook.update_contact(group, str(write.uid), phone, **write.fields)
            elif write.action == "unsubscribe":
                hook.update_contact(group, str(write.uid), phone, status="unsubscribe")
            else:
                hook.delete_contact(group, str(write.uid))
        except TextioProAuthError:
            self._stop.set()
            raise
        return True

    def run(self, writes: Iterable[ContactWrite]) -> None:
        """Execute ``writes``; return when each is done or failed."""
        pending: dict[Future[bool], ContactWrite] = {}
        for write in writes:
            while len(pending) >= self._max_in_flight:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    self._record(pending.pop(future), future)
            pending[self._pool.submit(self._write, write)] = write
        for future in as_completed(pending):
            self._record(pending[future], future)

    def _record(self, write: ContactWrite, future: Future[bool]) -> None:
        """Count a finished write or keep its error; re-raise an auth error."""
        error = future.exception()
        if isinstance(error, TextioProAuthError):
            self._log.error("Stopping the sync after %s writes: %s", self.total, error)
            raise error
        if error is not None:
            self.errors.append((write, f"{type(error).__name__}: {error}"))
            self._log.warning("Could not %s contact %s: %s", write.action, write.phone, error)
        elif future.result():
            self.done[write.action] += 1
            if self.total % PROGRESS_EVERY == 0:
                self._log.info("%s contact writes done (%s).", self.total, dict(self.done))


__all__ = ["ContactWriter"]
