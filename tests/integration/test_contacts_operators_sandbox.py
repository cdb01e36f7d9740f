"""The group and contact operators against the sandbox over a real socket."""

from __future__ import annotations

import functools
import inspect
import threading
from concurrent.futures import ThreadPoolExecutor
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest

from airflow_provider_textiopro.exceptions import TextioProError, TextioProInputError
from airflow_provider_textiopro.hooks._internal.settings import DEFAULT_MAX_CONCURRENT_REQUESTS
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.operators.contacts import (
    TextioProCreateGroupOperator,
    TextioProUpsertContactsOperator,
)
from tests.support.contact_helpers import contact_writes, emitted_assets, task_context
from tests.support.sandbox import set_conn_extra

pytestmark = pytest.mark.integration


def mobile(i: int) -> str:
    return f"3161234{i:04d}"


RECORDS = [
    {"PHONE": "+31 6 1234 0001", "FIRST_NAME": "Ann", "CITY": "Utrecht"},
    {"phone": "06-1234 0002", "first_name": "Bob"},
    {"PHONE": mobile(3), "FIRST_NAME": "Cy", "LAST_NAME": "Young"},
    {"PHONE": "not a number", "FIRST_NAME": "Nobody"},
]


@pytest.fixture
def conn(textiopro_conn, monkeypatch):
    set_conn_extra(monkeypatch, textiopro_conn, default_region="NL")
    return textiopro_conn


@pytest.fixture(params=["bearer", "api_token"])
def any_style_conn(request, monkeypatch):
    """The connection in each auth style, with NL as its default region."""
    fixture = "textiopro_conn" if request.param == "bearer" else "textiopro_conn_api_token"
    conn_id = request.getfixturevalue(fixture)
    set_conn_extra(monkeypatch, conn_id, default_region="NL")
    return conn_id


@pytest.fixture
def group_uid(conn):
    return TextioProHook(conn).create_group("Customers").uid


def upsert_task(group_uid, records, **kwargs):
    return TextioProUpsertContactsOperator(
        task_id="upsert", group_uid=group_uid, records=records, max_invalid_ratio=0.3, **kwargs
    )


def upsert(group_uid, records, **kwargs):
    task = upsert_task(group_uid, records, **kwargs)
    context = task_context(task)
    return task.execute(context), context


def upsert_in_a_thread(group_uid, records, **kwargs):
    """Return what the upsert returns, run in another thread than the test's.

    Airflow 2's executor safeguard around ``execute`` keeps its state per thread and fails in
    a new one, so the unwrapped ``execute`` is called.
    """
    task = upsert_task(group_uid, records, **kwargs)
    return inspect.unwrap(type(task).execute)(task, task_context(task))


def contacts(conn, group_uid):
    return {c.phone: c for c in TextioProHook(conn).list_contacts(group_uid)}


def test_create_group_reuses_by_name(conn, sandbox):
    first = TextioProCreateGroupOperator(task_id="group", name="Newsletter").execute({})
    again = TextioProCreateGroupOperator(task_id="group", name=" Newsletter ").execute({})
    assert again == first
    assert [g.uid for g in TextioProHook(conn).list_groups()] == [first]
    with pytest.raises(TextioProInputError, match=first):
        TextioProCreateGroupOperator(task_id="group", name="Newsletter", if_exists="fail").execute({})


def test_upsert_twice_second_run_makes_zero_writes(conn, sandbox, group_uid):
    result, context = upsert(group_uid, RECORDS)
    assert {k: result[k] for k in ("rows", "created", "updated", "unchanged", "removed", "invalid")} == {
        "rows": 4,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "removed": 0,
        "invalid": 1,
    }
    assert result["invalid_rows"][0]["row"] == 3
    stored = contacts(conn, group_uid)
    assert stored[mobile(2)].fields["FIRST_NAME"] == "Bob"
    assert stored[mobile(3)].fields["LAST_NAME"] == "Young"
    assert emitted_assets(context) == [
        (f"textiopro://group/{group_uid}", {k: v for k, v in result.items() if k != "invalid_rows"})
    ]

    sandbox.clear_requests()
    second, _ = upsert(group_uid, RECORDS)
    assert contact_writes(sandbox) == []
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 3)
    assert sum(1 for r in sandbox.requests if r.path.split("?")[0].endswith("/all")) >= 1


def test_only_changed_contacts_are_updated(conn, sandbox, group_uid):
    upsert(group_uid, RECORDS)
    sandbox.clear_requests()
    changed = [dict(r) for r in RECORDS[:3]]
    changed[0]["CITY"] = "Amsterdam"
    result, _ = upsert(group_uid, [*changed, {"PHONE": mobile(4)}])
    assert (result["created"], result["updated"], result["unchanged"]) == (1, 1, 2)
    assert len(contact_writes(sandbox)) == 2
    assert contacts(conn, group_uid)[mobile(1)].fields == {"FIRST_NAME": "Ann", "CITY": "Amsterdam"}


@pytest.mark.parametrize("mode", ["unsubscribe", "delete"])
def test_full_sync(conn, sandbox, group_uid, mode):
    upsert(group_uid, RECORDS)
    result, _ = upsert(group_uid, RECORDS[:2], full_sync=mode)
    assert result["removed"] == 1
    stored = contacts(conn, group_uid)
    if mode == "unsubscribe":
        assert stored[mobile(3)].subscribed is False
        assert stored[mobile(1)].subscribed is True
    else:
        assert mobile(3) not in stored
    sandbox.clear_requests()
    upsert(group_uid, RECORDS[:2], full_sync=mode)
    assert contact_writes(sandbox) == []


def test_too_many_invalid_rows_fail_without_removing(conn, sandbox, group_uid):
    upsert(group_uid, RECORDS)
    sandbox.clear_requests()
    with pytest.raises(TextioProError, match="rows are invalid"):
        upsert(group_uid, [RECORDS[0], {"PHONE": "x"}], full_sync="delete")
    assert contact_writes(sandbox) == []
    assert len(contacts(conn, group_uid)) == 3


class InFlight:
    """Wrap a hook method, counting the most calls running at once."""

    def __init__(self, method):
        self.method = method
        self.running = self.most = 0
        self.lock = threading.Lock()

    def __get__(self, hook, owner=None):
        return functools.partial(self, hook)

    def __call__(self, hook, *args, **kwargs):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return self.method(hook, *args, **kwargs)
        finally:
            with self.lock:
                self.running -= 1


def requests_by_page(sandbox):
    """Return the requests the sandbox served as ``(method, path, page)``, page 1 when not given."""
    served = []
    for request in sandbox.requests:
        url = urlsplit(request.path)
        page = int(parse_qs(url.query).get("page", ["1"])[0])
        served.append((request.method, url.path, page))
    return served


def test_many_contacts_with_concurrent_writes(conn, sandbox, group_uid):
    records = [{"PHONE": mobile(100 + i), "FIRST_NAME": f"N{i}"} for i in range(60)]
    result, _ = upsert(group_uid, records, max_workers=4)
    assert result["created"] == 60
    assert len(contacts(conn, group_uid)) == 60

    sandbox.clear_requests()
    again, _ = upsert(group_uid, records, max_workers=4)

    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 60)
    # The group is read once, ceil(60 / 25) = 3 pages (page 1 first, the others at once); no contact
    # is searched one by one, none written.
    list_path = f"/api/v3/contacts/{group_uid}/all"
    served = requests_by_page(sandbox)
    assert served[0] == ("POST", list_path, 1)
    assert sorted(served) == [("POST", list_path, page) for page in (1, 2, 3)]


def wait_after_first_read(parties):
    """Patch the hook's contact listing: each thread's first read waits until ``parties`` threads read."""
    read_by_all = threading.Barrier(parties, timeout=30)
    waited: set[int] = set()
    list_contacts = TextioProHook.list_contacts

    def read_then_wait(hook, group):
        contacts = list(list_contacts(hook, group))
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            read_by_all.wait()
        return iter(contacts)

    return mock.patch.object(TextioProHook, "list_contacts", read_then_wait)


def test_two_syncs_of_one_group_at_once_both_succeed(any_style_conn, sandbox):
    group = TextioProHook(any_style_conn).create_group("Members").uid
    first = [{"PHONE": mobile(i), "FIRST_NAME": f"N{i}"} for i in range(1, 7)]
    second = [
        {"PHONE": mobile(4), "FIRST_NAME": "N4"},
        {"PHONE": mobile(5), "CITY": "Delft"},
        {"PHONE": mobile(6), "CITY": "Leiden"},
        *({"PHONE": mobile(i), "FIRST_NAME": f"N{i}"} for i in range(7, 10)),
    ]

    # Both read the group empty before either writes, as two DAG runs starting together do.
    with wait_after_first_read(2), ThreadPoolExecutor(2) as runs:
        results = list(
            runs.map(lambda records: upsert_in_a_thread(group, records, max_workers=2), [first, second])
        )

    def total(key):
        return sum(result[key] for result in results)

    # Each contact was created once; the slower create found it made by the other run and compared it.
    assert (total("created"), total("created_meanwhile")) == (9, 3)
    assert (total("updated"), total("unchanged")) == (2, 1)
    assert [result["rows"] for result in results] == [6, 6]
    stored = contacts(any_style_conn, group)
    assert {phone: c.fields for phone, c in stored.items()} == {
        **{mobile(i): {"FIRST_NAME": f"N{i}"} for i in (1, 2, 3, 4, 7, 8, 9)},
        mobile(5): {"FIRST_NAME": "N5", "CITY": "Delft"},
        mobile(6): {"FIRST_NAME": "N6", "CITY": "Leiden"},
    }
    stores = [w for w in contact_writes(sandbox) if w[1].endswith("/store")]
    assert len(stores) == 12


def test_contacts_deleted_meanwhile_end_as_asked(any_style_conn, sandbox):
    group = TextioProHook(any_style_conn).create_group("Members").uid
    upsert(group, RECORDS)
    someone_else = TextioProHook(any_style_conn)
    stored = contacts(any_style_conn, group)
    list_contacts = TextioProHook.list_contacts

    def read_then_someone_deletes(hook, group_uid):
        read = list(list_contacts(hook, group_uid))
        for phone in (mobile(1), mobile(3)):
            someone_else.delete_contact(group_uid, stored[phone].uid)
        return iter(read)

    changed = [{**RECORDS[0], "CITY": "Delft"}, RECORDS[1]]
    with mock.patch.object(TextioProHook, "list_contacts", read_then_someone_deletes):
        result, _ = upsert(group, changed, full_sync="delete")

    assert {k: result[k] for k in ("created", "updated", "unchanged", "removed", "deleted_meanwhile")} == {
        "created": 1,
        "updated": 0,
        "unchanged": 1,
        "removed": 0,
        "deleted_meanwhile": 2,
    }
    assert {phone: c.fields for phone, c in contacts(any_style_conn, group).items()} == {
        mobile(1): {"FIRST_NAME": "Ann", "CITY": "Delft"},
        mobile(2): {"FIRST_NAME": "Bob"},
    }


def test_rerun_of_an_unchanged_large_group_costs_its_page_reads_and_nothing_else(conn, sandbox, group_uid):
    count = 3_000
    records = [{"PHONE": mobile(i), "FIRST_NAME": f"N{i}"} for i in range(count)]
    with sandbox.state.lock:  # stored as the store endpoint would, without 3,000 requests
        group = sandbox.state.group(sandbox.state.accounts[sandbox.token], group_uid)
        for record in records:
            sandbox.state.add_contact(group, record["PHONE"], None, {"FIRST_NAME": record["FIRST_NAME"]})
    sandbox.clear_requests()
    sandbox.set_faults(slow=0.01)  # pages overlap whenever they are asked at once
    calls = InFlight(TextioProHook._call)

    with mock.patch.object(TextioProHook, "_call", calls):
        result, _ = upsert(group_uid, records, max_workers=4)

    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, count)
    assert calls.most == DEFAULT_MAX_CONCURRENT_REQUESTS  # the pages after the first, read concurrently
    list_path = f"/api/v3/contacts/{group_uid}/all"
    served = requests_by_page(sandbox)
    assert served[0] == ("POST", list_path, 1)
    assert sorted(served) == [("POST", list_path, page) for page in range(1, count // 25 + 1)]
    assert all(r.status == 200 for r in sandbox.requests)
