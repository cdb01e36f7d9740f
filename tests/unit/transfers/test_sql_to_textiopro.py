from __future__ import annotations

import sqlite3
import sys
from unittest import mock

import pytest

from airflow_provider_textiopro.exceptions import TextioProError, TextioProInputError
from airflow_provider_textiopro.transfers.sql_to_textiopro import SqlToTextioProContactsOperator
from airflow_provider_textiopro.version_compat import AirflowOptionalProviderFeatureException
from tests.support.contact_fakes import GROUP, mobile
from tests.support.warehouse import customers_warehouse

ROWS = [
    (mobile(1), "Ann", "Utrecht", 1),
    (mobile(2), "Robert", "Delft", 1),
    ("06 1234 0004", "Dee", "Gouda", 1),
    ("bad", "Eve", "Ede", 1),
    (mobile(5), "Fay", "Breda", 0),
]


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    columns = "Phone TEXT, first_name TEXT, city TEXT, active INTEGER"
    return customers_warehouse(monkeypatch, tmp_path / "warehouse.db", columns, ROWS)


def op(**kwargs):
    kwargs.setdefault("task_id", "sync")
    kwargs.setdefault("conn_id", "warehouse")
    kwargs.setdefault("group_uid", GROUP)
    kwargs.setdefault("max_invalid_ratio", 0.5)
    return SqlToTextioProContactsOperator(**kwargs)


def test_table_with_default_mapping(warehouse, server, emitted):
    result = op(table="customers", where="active = 1").execute({})
    assert {k: result[k] for k in ("rows", "created", "updated", "unchanged", "invalid")} == {
        "rows": 4,
        "created": 1,
        "updated": 2,
        "unchanged": 0,
        "invalid": 1,
    }
    assert server.by_phone(mobile(4)).fields == {"FIRST_NAME": "Dee", "CITY": "Gouda", "ACTIVE": "1"}
    assert result["invalid_rows"][0]["row"] == 3
    assert emitted.call_args.args[1].uri == f"textiopro://group/{GROUP}"


def test_query_with_mapping_and_parameters(warehouse, server, emitted):
    task = op(
        sql="SELECT phone AS mobile, first_name, city FROM customers WHERE active = ?",
        parameters=[1],
        column_mapping={"FIRST_NAME": "first_name"},
        phone_column="MOBILE",
    )
    result = task.execute({})
    assert (result["created"], result["updated"], result["unchanged"]) == (1, 1, 1)
    assert server.by_phone(mobile(4)).fields == {"FIRST_NAME": "Dee"}


def test_mapping_may_name_the_phone_column_itself(warehouse, server, emitted):
    task = op(table="customers", column_mapping={"phone": "PHONE", "city": "town"}, phone_column="nope")
    result = task.execute({})
    assert (result["updated"], result["created"]) == (2, 2)
    assert server.by_phone(mobile(1)).fields == {"FIRST_NAME": "Ann", "TOWN": "Utrecht"}


class SpyConnection:
    """A DB-API connection that records, at each fetchmany, how many writes were made so far."""

    def __init__(self, path, server):
        self.db = sqlite3.connect(path)
        self.server = server
        self.fetches: list[tuple[int, int]] = []

    def cursor(self):
        return SpyCursor(self, self.db.cursor())

    def close(self):
        self.db.close()


class SpyCursor:
    def __init__(self, connection, cursor):
        self.connection, self.cursor = connection, cursor

    @property
    def description(self):
        return self.cursor.description

    def execute(self, *args):
        self.cursor.execute(*args)

    def fetchmany(self, size):
        self.connection.fetches.append((size, len(self.connection.server.writes)))
        return self.cursor.fetchmany(size)

    def close(self):
        self.cursor.close()


def test_rows_are_streamed_chunk_by_chunk(warehouse, server, emitted):
    connection = SpyConnection(warehouse, server)
    task = op(table="customers", chunk_size=2, max_invalid_ratio=0.3)
    with mock.patch.object(task, "get_db_hook") as get_db_hook:
        get_db_hook.return_value.get_conn.return_value = connection
        result = task.execute({})
    assert result["rows"] == 5
    # (chunk size, writes made before this fetch): chunk 1 updates 2 contacts, chunk 2 creates 1.
    assert connection.fetches == [(2, 0), (2, 2), (2, 3), (2, 4)]


def test_removal_happens_after_the_last_chunk(warehouse, server, emitted):
    seen_when_removing = []
    task = op(table="customers", chunk_size=1, full_sync="delete")
    original = task.iter_batches

    def batches(context):
        yield from original(context)
        seen_when_removing.append([w[0] for w in server.writes])

    with mock.patch.object(task, "iter_batches", side_effect=batches):
        result = task.execute({})
    assert "delete" not in seen_when_removing[0]
    assert [w[0] for w in server.writes][-1] == "delete"
    assert result["removed"] == 1


def test_unknown_columns_fail_before_any_write(warehouse, server):
    with pytest.raises(TextioProInputError, match=r"Column\(s\) email not in the query result"):
        op(table="customers", column_mapping={"email": "EMAIL"}).execute({})
    assert server.writes == []


def test_two_columns_for_one_tag(warehouse, server):
    with pytest.raises(TextioProInputError, match="Several columns map to PHONE"):
        op(sql="SELECT phone, phone AS mobile FROM customers", phone_column="mobile").execute({})


def test_non_sql_connection(server, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_NOTSQL", "smtp://mail.example.com")
    with pytest.raises(TextioProInputError, match="not a SQL hook"):
        op(conn_id="notsql", table="customers").execute({})


def test_missing_common_sql_says_what_to_install(warehouse, server):
    with (
        mock.patch.dict(sys.modules, {"airflow.providers.common.sql.hooks.sql": None}),
        pytest.raises(AirflowOptionalProviderFeatureException, match=r"airflow-provider-textiopro\[sql\]"),
    ):
        op(table="customers").execute({})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "either sql or table"),
        ({"sql": "SELECT 1", "table": "t"}, "either sql or table"),
        ({"sql": "SELECT 1", "where": "x = 1"}, "where only applies to table"),
        ({"table": "t", "chunk_size": 0}, "chunk_size"),
    ],
)
def test_arguments_are_checked_at_init(kwargs, match):
    with pytest.raises(TextioProInputError, match=match):
        op(**kwargs)


def test_template_fields():
    assert {"sql", "table", "where", "parameters", "group_uid"} <= set(
        SqlToTextioProContactsOperator.template_fields
    )
    assert ".sql" in SqlToTextioProContactsOperator.template_ext


def test_write_failure_is_reported(warehouse, server, emitted):
    server.failures[mobile(4)] = TextioProError("boom")
    with pytest.raises(TextioProError, match="1 writes failed"):
        op(table="customers").execute({})
