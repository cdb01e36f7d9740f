"""A fake TextioPro contact group for the upsert operators' unit tests."""

from __future__ import annotations

import threading

from airflow_provider_textiopro.models import Contact

GROUP = "6065ecdc9184a"


def mobile(i: int) -> str:
    return f"3161234{i:04d}"


class FakeTextioPro:
    """One account's contact group, shared by every hook the operator creates."""

    def __init__(self, contacts=()):
        self.contacts = {c.uid: c for c in contacts}
        self.writes: list[tuple] = []
        self.failures: dict[str, Exception] = {}
        self.hooks: list[FakeHook] = []
        self.lock = threading.Lock()

    def hook_class(self, textiopro_conn_id="textiopro_default"):
        hook = FakeHook(self, textiopro_conn_id)
        with self.lock:
            self.hooks.append(hook)
        return hook

    def by_phone(self, phone):
        return next((c for c in self.contacts.values() if c.phone == phone), None)


class FakeHook:
    default_region = "NL"
    dry_run = False

    def __init__(self, server: FakeTextioPro, conn_id: str):
        self.server = server
        self.conn_id = conn_id
        self.threads: set[int] = set()

    def list_contacts(self, group_uid):
        assert group_uid == GROUP
        return iter(list(self.server.contacts.values()))

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
                uid = f"c{len(self.server.writes):012d}"
                self.server.contacts[uid] = Contact(uid=uid, phone=phone, fields=dict(fields))
            else:
                old = self.server.contacts[uid]
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
            contact = self.server.contacts.pop(uid)
            self.server.writes.append(("delete", contact.phone, {}))


def group_of_three() -> FakeTextioPro:
    """A group with Ann, Bob and Cy (mobiles 1 to 3), all subscribed."""
    return FakeTextioPro(
        [
            Contact(uid="a1", phone=mobile(1), status="subscribe", fields={"FIRST_NAME": "Ann"}),
            Contact(uid="a2", phone=mobile(2), status="subscribe", fields={"FIRST_NAME": "Bob"}),
            Contact(uid="a3", phone=mobile(3), status="subscribe", fields={"FIRST_NAME": "Cy"}),
        ]
    )
