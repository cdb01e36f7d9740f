"""Warehouse-to-TextioPro: a SQLite table synced into a sandbox group."""

from __future__ import annotations

import sqlite3

import pytest

from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.transfers.sql_to_textiopro import SqlToTextioProContactsOperator
from tests.support.contact_helpers import contact_writes, emitted_assets, task_context
from tests.support.sandbox import set_conn_extra
from tests.support.warehouse import customers_warehouse
from textiopro_sandbox.api import is_write

pytestmark = pytest.mark.integration

ROWS = [(f"06 1234 {i:04d}", f"First{i}", f"Last{i}", "NL" if i % 2 else "BE") for i in range(1, 12)]


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    columns = "phone TEXT, first_name TEXT, last_name TEXT, country TEXT"
    return customers_warehouse(monkeypatch, tmp_path / "warehouse.db", columns, ROWS)


@pytest.fixture
def group_uid(textiopro_conn, monkeypatch):
    set_conn_extra(monkeypatch, textiopro_conn, default_region="NL")
    return TextioProHook(textiopro_conn).create_group("Warehouse").uid


def sync(group_uid, **kwargs):
    task = SqlToTextioProContactsOperator(
        task_id="sync",
        conn_id="warehouse",
        group_uid=group_uid,
        chunk_size=3,
        column_mapping={"first_name": "FIRST_NAME", "last_name": "LAST_NAME"},
        **kwargs,
    )
    context = task_context(task)
    return task.execute(context), context


def test_table_sync_in_chunks_then_zero_writes(textiopro_conn, sandbox, warehouse, group_uid):
    result, context = sync(group_uid, table="customers")
    assert (result["rows"], result["created"], result["invalid"]) == (11, 11, 0)
    stored = {c.phone: c for c in TextioProHook(textiopro_conn).list_contacts(group_uid)}
    assert stored["31612340007"].fields == {"FIRST_NAME": "First7", "LAST_NAME": "Last7"}
    assert emitted_assets(context)[0][0] == f"textiopro://group/{group_uid}"

    sandbox.clear_requests()
    again, _ = sync(group_uid, table="customers")
    assert contact_writes(sandbox) == []
    assert again["unchanged"] == 11


def test_query_sync_with_full_sync_after_rows_left(textiopro_conn, sandbox, warehouse, group_uid):
    sync(group_uid, table="customers")
    with sqlite3.connect(warehouse) as db:
        db.execute("UPDATE customers SET first_name = 'Changed' WHERE phone = '06 1234 0002'")
    result, _ = sync(
        group_uid,
        sql="SELECT phone, first_name, last_name FROM customers WHERE country = :country",
        parameters={"country": "NL"},
        full_sync="unsubscribe",
    )
    assert (result["rows"], result["updated"], result["unchanged"], result["removed"]) == (6, 0, 6, 5)
    stored = {c.phone: c for c in TextioProHook(textiopro_conn).list_contacts(group_uid)}
    assert sum(not c.subscribed for c in stored.values()) == 5
    assert stored["31612340002"].fields["FIRST_NAME"] == "First2"
    assert not stored["31612340002"].subscribed


def test_a_dry_run_on_the_connection_reads_and_writes_nothing(
    textiopro_conn, sandbox, warehouse, group_uid, monkeypatch
):
    set_conn_extra(monkeypatch, textiopro_conn, dry_run=True)
    sandbox.clear_requests()

    result, context = sync(group_uid, table="customers")

    assert (result["dry_run"], result["rows"], result["created"]) == (True, 11, 11)
    assert [r for r in sandbox.requests if is_write(r.method, r.path)] == []
    assert list(TextioProHook(textiopro_conn).list_contacts(group_uid)) == []
    assert emitted_assets(context) == []
