"""A fake TextioPro contact group for the upsert operators' unit tests.

It answers as the platform does (FIELD-NOTES): a create of a ``PHONE`` the group has is refused
with 422 ``The p h o n e has already been taken.``; an update or delete of an unknown contact
uid with 404 ``No query results for model [App\\Models\\Contacts] <uid>``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from airflow_provider_textiopro.exceptions import TextioProInputError, TextioProNotFoundError
from airflow_provider_textiopro.models import Contact

GROUP = "6065ecdc9184a"
PHONE_TAKEN = "The p h o n e has already been taken."


def mobile(i: int) -> str:
    return f"3161234{i:04d}"


def phone_taken(operation: str = "create_contact") -> TextioProInputError:
    """The hook's error for the platform's answer to a duplicate ``PHONE``."""
    return TextioProInputError(
        f"TextioPro {operation} failed: {PHONE_TAKEN} (HTTP 422). Fix the request's parameters.",
        status_code=422,
        api_message=PHONE_TAKEN,
        operation=operation,
    )


def contact_missing(uid: str, operation: str) -> TextioProNotFoundError:
    """The hook's error for the platform's answer about an unknown contact uid."""
    text = f"No query results for model [App\\Models\\Contacts] {uid}"
    return TextioProNotFoundError(
        f"TextioPro {operation} failed: {text} (HTTP 404). Check the uid.",
        status_code=404,
        api_message=text,
        operation=operation,
    )


class FakeTextioPro:
    """One account's contact group, shared by every hook the operator creates."""

    def __init__(self, contacts=()):
        self.contacts = {c.uid: c for c in contacts}
        self.writes: list[tuple] = []
        self.failures: dict[str, Exception] = {}
        self.hooks: list[FakeHook] = []
        self.lock = threading.Lock()
        self.reads = 0
        self.meanwhile: Callable[[FakeTextioPro], None] | None = None
        """What someone else does to the group right after the next read (run once)."""

    def hook_class(self, textiopro_conn_id="textiopro_default"):
        hook = FakeHook(self, textiopro_conn_id)
        with self.lock:
            self.hooks.append(hook)
        return hook

    def by_phone(self, phone):
        return next((c for c in self.contacts.values() if c.phone == phone), None)

    def add(self, uid, phone, **fields):
        """Add a contact as someone else would."""
        self.contacts[uid] = Contact(uid=uid, phone=phone, fields=fields)


class FakeHook:
    default_region = "NL"
    dry_run = False

    def __init__(self, server: FakeTextioPro, conn_id: str):
        self.server = server
        self.conn_id = conn_id
        self.threads: set[int] = set()

    def list_contacts(self, group_uid):
        assert group_uid == GROUP
        with self.server.lock:
            self.server.reads += 1
            read = list(self.server.contacts.values())
            meanwhile, self.server.meanwhile = self.server.meanwhile, None
        if meanwhile is not None:
            meanwhile(self.server)
        return iter(read)

    def _write(self, action, phone, uid=None, **fields):
        self.threads.add(threading.get_ident())
        assert phone.startswith("+")
        phone = phone[1:]
        with self.server.lock:
            self.server.writes.append((action, phone, dict(fields)))
            error = self.server.failures.get(phone)
            if error:
                raise error
            if action == "create":
                if self.server.by_phone(phone) is not None:
                    raise phone_taken()
                uid = f"c{len(self.server.writes):012d}"
                self.server.contacts[uid] = Contact(uid=uid, phone=phone, fields=dict(fields))
            else:
                old = self.server.contacts.get(uid)
                if old is None:
                    raise contact_missing(uid, "update_contact")
                status = fields.pop("status", old.status)
                merged = {**old.fields, **{k: v for k, v in fields.items()}}
                self.server.contacts[uid] = Contact(uid=uid, phone=phone, status=status, fields=merged)

    def create_contact(self, group_uid, phone, **fields):
        self._write("create", phone, **fields)

    def update_contact(self, group_uid, uid, phone, **fields):
        self._write("update", phone, uid=uid, **fields)

    def delete_contact(self, group_uid, uid):
        self.threads.add(threading.get_ident())
        with self.server.lock:
            contact = self.server.contacts.get(uid)
            phone = contact.phone if contact else uid
            self.server.writes.append(("delete", phone, {}))
            error = self.server.failures.get(phone)
            if error:
                raise error
            if contact is None:
                raise contact_missing(uid, "delete_contact")
            del self.server.contacts[uid]


def group_of_three() -> FakeTextioPro:
    """A group with Ann, Bob and Cy (mobiles 1 to 3), all subscribed."""
    return FakeTextioPro(
        [
            Contact(uid="a1", phone=mobile(1), status="subscribe", fields={"FIRST_NAME": "Ann"}),
            Contact(uid="a2", phone=mobile(2), status="subscribe", fields={"FIRST_NAME": "Bob"}),
            Contact(uid="a3", phone=mobile(3), status="subscribe", fields={"FIRST_NAME": "Cy"}),
        ]
    )
