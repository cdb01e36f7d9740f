"""Plan the writes that bring a contact group in line with input records.

Pure logic, no I/O: :class:`ContactSync` is given the group's existing contacts
once, then batches of input records, and answers which contacts to create,
update or leave alone; after the last batch it answers which contacts are
missing from the input. The upsert operators execute the plan with
:class:`~airflow_provider_textiopro.utils.contact_writer.ContactWriter`; creates
that found their contact made by someone else meanwhile are planned again
against the group read again (:meth:`ContactSync.plan_taken`).

Rules:

* Record keys are field tags, compared upper-cased (``phone`` is ``PHONE``).
* ``PHONE`` is the key, normalised by the ``normalize`` callable given; existing
  contacts are keyed by the digits the server stores.
* Values are compared as stripped strings (the server trims them), ``None``
  as an empty string, and only for the fields the record gives: other fields
  on the server are left as they are.
* A record is invalid when it has no ``PHONE``, an invalid one, the same tag
  twice after upper-casing, or the same normalised ``PHONE`` as an earlier
  record (the first one wins).
* A contact's subscription status is never changed by an upsert: an
  unsubscribed contact may have opted out. ``full_sync="unsubscribe"``
  unsubscribes only contacts that are subscribed and missing from the input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.models import Contact

FullSync = Literal["unsubscribe", "delete"]
FULL_SYNC_MODES: tuple[FullSync, ...] = ("unsubscribe", "delete")
WriteAction = Literal["create", "update", "unsubscribe", "delete"]


@dataclass(frozen=True)
class InvalidRow:
    """An input record that was not synced, with its 0-based position in the input."""

    row: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"row", "reason"}``."""
        return {"row": self.row, "reason": self.reason}


@dataclass(frozen=True)
class ContactWrite:
    """One planned write.

    :param action: ``create``, ``update``, ``unsubscribe`` or ``delete``.
    :param phone: the normalised phone number (digits with country code).
    :param fields: the tags the record gives besides ``PHONE`` (empty for removals); a
        create sends only the non-empty ones.
    :param uid: the existing contact's uid (None for ``create``).
    :param row: the input row it comes from (None for removals).
    """

    action: WriteAction
    phone: str
    fields: dict[str, str] = field(default_factory=dict)
    uid: str | None = None
    row: int | None = None


@dataclass(frozen=True)
class BatchPlan:
    """What one batch of records needs: the writes, and the counts of the rest."""

    writes: list[ContactWrite]
    unchanged: int
    invalid: list[InvalidRow]


def validate_full_sync(value: Any) -> FullSync | None:
    """Return ``value`` when it is None, ``"unsubscribe"`` or ``"delete"``.

    :raises TextioProInputError: any other value.
    """
    if value is not None and value not in FULL_SYNC_MODES:
        raise TextioProInputError(f"full_sync must be None, 'unsubscribe' or 'delete', not {value!r}.")
    return value


def _value(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _by_phone(contacts: Iterable[Contact]) -> dict[str, Contact]:
    """Index a group's contacts by phone (the first one wins)."""
    indexed: dict[str, Contact] = {}
    for contact in contacts:
        indexed.setdefault(contact.phone, contact)
    return indexed


class ContactSync:
    """Plan upserts batch by batch against a group's existing contacts.

    :param existing: the group's contacts, read once (all pages).
    :param normalize: turns a raw ``PHONE`` value into the digits form; raises
        :class:`TextioProInputError` (or ``ValueError``) for an invalid number.
    :param full_sync: None, ``"unsubscribe"`` or ``"delete"``: what
        :meth:`plan_removals` plans for contacts missing from the input.
    """

    def __init__(
        self,
        existing: Iterable[Contact],
        *,
        normalize: Callable[[str], str],
        full_sync: FullSync | None = None,
    ) -> None:
        self.full_sync = validate_full_sync(full_sync)
        self._existing = _by_phone(existing)
        self._normalize = normalize
        self._seen: dict[str, int] = {}
        self.rows = 0

    @property
    def existing_count(self) -> int:
        """Number of contacts the group had."""
        return len(self._existing)

    @property
    def valid_rows(self) -> int:
        """Number of valid records planned so far."""
        return len(self._seen)

    def plan_batch(self, records: Iterable[Mapping[str, Any]]) -> BatchPlan:
        """Plan creates and updates for the next records; rows are numbered across batches."""
        writes: list[ContactWrite] = []
        invalid: list[InvalidRow] = []
        unchanged = 0
        for record in records:
            row = self.rows
            self.rows += 1
            try:
                phone, fields = self._parse(row, record)
            except (TextioProInputError, ValueError) as err:
                invalid.append(InvalidRow(row, str(err)))
                continue
            write = self._plan(phone, fields, row)
            if write is None:
                unchanged += 1
            else:
                writes.append(write)
        return BatchPlan(writes=writes, unchanged=unchanged, invalid=invalid)

    def plan_taken(self, writes: Iterable[ContactWrite], group: Iterable[Contact]) -> BatchPlan:
        """Plan again the writes whose contact someone else created meanwhile, against the group read again.

        Each is planned as if the contact had been there from the start: an update when it
        differs from what the record asks, nothing when it does not, a create when it is gone
        again. The group read again is also what :meth:`plan_removals` then compares with.
        """
        self._existing = _by_phone(group)
        planned = [(write, self._plan(write.phone, write.fields, write.row)) for write in writes]
        return BatchPlan(
            writes=[again for _, again in planned if again is not None],
            unchanged=sum(1 for _, again in planned if again is None),
            invalid=[],
        )

    def plan_removals(self) -> list[ContactWrite]:
        """Plan the removal of the contacts missing from every batch (nothing without ``full_sync``)."""
        if self.full_sync is None:
            return []
        missing = [c for phone, c in self._existing.items() if phone not in self._seen]
        if self.full_sync == "unsubscribe":
            missing = [c for c in missing if c.subscribed]
        return [ContactWrite(self.full_sync, c.phone, uid=c.uid) for c in missing]

    def _plan(self, phone: str, fields: dict[str, str], row: int | None) -> ContactWrite | None:
        """Return the write that makes the contact of ``phone`` hold ``fields`` (None: it does)."""
        contact = self._existing.get(phone)
        if contact is None:
            return ContactWrite("create", phone, fields, row=row)
        if any(contact.fields.get(tag, "") != value for tag, value in fields.items()):
            return ContactWrite("update", phone, fields, uid=contact.uid, row=row)
        return None

    def _parse(self, row: int, record: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        if not isinstance(record, Mapping):
            kind = type(record).__name__
            raise TextioProInputError(f"expected a mapping of field tags to values, got {kind}")
        fields: dict[str, str] = {}
        for key, value in record.items():
            tag = str(key).strip().upper()
            if tag in fields:
                raise TextioProInputError(f"field {tag} is given twice (keys are compared upper-cased)")
            fields[tag] = _value(value)
        raw_phone = fields.pop("PHONE", "")
        if not raw_phone:
            raise TextioProInputError("PHONE is missing or empty")
        phone = self._normalize(raw_phone)
        first = self._seen.get(phone)
        if first is not None:
            raise TextioProInputError(f"duplicate PHONE {phone}: row {first} has the same number")
        self._seen[phone] = row
        return phone, fields
