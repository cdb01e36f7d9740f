"""Run a contact sync's planned writes against one group, several at a time.

The writes converge whatever else changes the group meanwhile (another sync of the
same group, a person in the dashboard). As the platform answers (FIELD-NOTES):

* a create refused with 422 ``The p h o n e has already been taken.`` means someone
  else created the contact: it is kept in :attr:`ContactWriter.taken`, for the caller
  to read the group again and compare (there is no read of a contact by phone);
* an update answered 404 ``No query results for model [App\\Models\\Contacts] <uid>``
  means someone deleted the contact: it is created with the fields asked;
* an unsubscribe or delete answered so finds the contact gone already, as asked.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_textiopro.exceptions import (
    TextioProAuthError,
    TextioProError,
    TextioProInputError,
    TextioProNotFoundError,
)
from airflow_provider_textiopro.utils.contact_sync import ContactWrite, WriteAction

if TYPE_CHECKING:
    from airflow_provider_textiopro.hooks.textiopro import TextioProHook

PROGRESS_EVERY = 100
IN_FLIGHT_PER_WORKER = 2
_PHONE_TAKEN = re.compile(r"has already been taken", re.IGNORECASE)
# Laravel's ModelNotFoundException for the contact itself (not its group, not a missing route).
_CONTACT_MISSING = re.compile(r"no query results for model \[[^\]]*\bcontacts?\]", re.IGNORECASE)


def _phone_taken(error: TextioProError) -> bool:
    """True when a create was refused because the group has a contact with that phone."""
    return isinstance(error, TextioProInputError) and bool(_PHONE_TAKEN.search(error.api_message or ""))


def _contact_missing(error: TextioProError) -> bool:
    """True when the server answered that the contact does not exist (deleted meanwhile)."""
    return isinstance(error, TextioProNotFoundError) and bool(
        _CONTACT_MISSING.search(error.api_message or "")
    )


@dataclass(frozen=True)
class _Outcome:
    """What one planned write did.

    :param made: the write made (``create`` for an update whose contact was gone), or None.
    :param created_meanwhile: a create found the contact created by someone else.
    :param deleted_meanwhile: the contact had been deleted by someone else.
    """

    made: WriteAction | None
    created_meanwhile: bool = False
    deleted_meanwhile: bool = False


class ContactWriter:
    """Run planned contact writes with bounded concurrency, one hook per worker thread.

    At most ``IN_FLIGHT_PER_WORKER`` writes per worker are handed to the pool at a
    time, so memory does not grow with the writes of a batch. Failed writes are
    collected in :attr:`errors`. An auth error stops the sync: writes not started
    yet are skipped, and the error is raised.

    :attr:`done` counts the writes made by action; :attr:`meanwhile` counts the contacts
    found ``created`` or ``deleted`` by someone else; :attr:`taken` holds the writes
    whose contact someone else created, to plan again after reading the group again.
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
        self.meanwhile: Counter[str] = Counter()
        self.taken: list[ContactWrite] = []
        self.errors: list[tuple[ContactWrite, str]] = []

    def __enter__(self) -> ContactWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    @property
    def total(self) -> int:
        """Writes done so far."""
        return sum(self.done.values())

    def pop_taken(self) -> list[ContactWrite]:
        """Return the writes whose contact someone else created, and forget them."""
        taken, self.taken = self.taken, []
        return taken

    def _hook(self) -> TextioProHook:
        hook = getattr(self._local, "hook", None)
        if hook is None:
            hook = self._local.hook = self._hook_factory()
        return hook

    def _write(self, write: ContactWrite) -> _Outcome | None:
        """Make one write in a worker thread; return None when skipped after an auth error."""
        if self._stop.is_set():
            return None
        try:
            return self._apply(write)
        except TextioProAuthError:
            self._stop.set()
            raise

    def _apply(self, write: ContactWrite) -> _Outcome:
        hook, group, phone = self._hook(), self._group_uid, f"+{write.phone}"
        if write.action == "create":
            return self._create(hook, write)
        try:
            if write.action == "update":
                hook.update_contact(group, str(write.uid), phone, **write.fields)
            elif write.action == "unsubscribe":
                hook.update_contact(group, str(write.uid), phone, status="unsubscribe")
            else:
                hook.delete_contact(group, str(write.uid))
        except TextioProNotFoundError as error:
            if not _contact_missing(error):
                raise
            if write.action != "update":
                self._log.info("Contact %s was deleted meanwhile by someone else: gone already.", write.phone)
                return _Outcome(None, deleted_meanwhile=True)
            self._log.info("Contact %s was deleted meanwhile by someone else: creating it.", write.phone)
            created = self._create(hook, write)
            return _Outcome(created.made, created.created_meanwhile, deleted_meanwhile=True)
        return _Outcome(write.action)

    def _create(self, hook: TextioProHook, write: ContactWrite) -> _Outcome:
        fields = {tag: value for tag, value in write.fields.items() if value}
        try:
            hook.create_contact(self._group_uid, f"+{write.phone}", **fields)
        except TextioProInputError as error:
            if not _phone_taken(error):
                raise
            self._log.info(
                "Contact %s was created meanwhile by someone else: comparing it later.", write.phone
            )
            return _Outcome(None, created_meanwhile=True)
        return _Outcome("create")

    def run(self, writes: Iterable[ContactWrite]) -> None:
        """Execute ``writes``; return when each is done or failed."""
        pending: dict[Future[_Outcome | None], ContactWrite] = {}
        for write in writes:
            while len(pending) >= self._max_in_flight:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    self._record(pending.pop(future), future)
            pending[self._pool.submit(self._write, write)] = write
        for future in as_completed(pending):
            self._record(pending[future], future)

    def _record(self, write: ContactWrite, future: Future[_Outcome | None]) -> None:
        """Count a finished write or keep its error; re-raise an auth error."""
        error = future.exception()
        if isinstance(error, TextioProAuthError):
            self._log.error("Stopping the sync after %s writes: %s", self.total, error)
            raise error
        if error is not None:
            self.errors.append((write, f"{type(error).__name__}: {error}"))
            self._log.warning("Could not %s contact %s: %s", write.action, write.phone, error)
            return
        outcome = future.result()
        if outcome is None:
            return
        if outcome.created_meanwhile:
            self.meanwhile["created"] += 1
            self.taken.append(write)
        if outcome.deleted_meanwhile:
            self.meanwhile["deleted"] += 1
        if outcome.made is not None:
            self.done[outcome.made] += 1
            if self.total % PROGRESS_EVERY == 0:
                self._log.info("%s contact writes done (%s).", self.total, dict(self.done))


__all__ = ["ContactWriter"]
