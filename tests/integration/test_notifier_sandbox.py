"""TextioProNotifier against the sandbox: alerts arrive, and an alert that cannot be sent never raises."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.notifications.textiopro import TextioProNotifier

pytestmark = pytest.mark.integration

ONCALL = "447700900000"
LOG_URL = "http://localhost:8080/dags/sales/runs/manual__1/tasks/load?try_number=1"


def context() -> dict:
    ti = SimpleNamespace(
        dag_id="sales", task_id="load", run_id="manual__1", try_number=1, state="failed", log_url=LOG_URL
    )
    return {"ti": ti, "exception": KeyError("customer_id")}


def received(conn_id: str) -> list[tuple[str, str]]:
    return [(m.to, m.message or "") for m in TextioProHook(textiopro_conn_id=conn_id).list_messages()]


def use_connection(monkeypatch, conn_id: str, **connection) -> str:
    connection = {"conn_type": "textiopro", "extra": {"max_retries": 1, "retry_wait_max": 0.01}, **connection}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(connection))
    return conn_id


def test_the_alert_arrives(textiopro_conn):
    TextioProNotifier(recipients=f"+{ONCALL}", sender_id="Airflow").notify(context())

    assert received(textiopro_conn) == [
        (ONCALL, f"Airflow: sales.load failed (try 1) run manual__1: KeyError: 'customer_id' {LOG_URL}")
    ]


@pytest.mark.asyncio
async def test_the_alert_arrives_from_the_triggerer(textiopro_conn):
    await TextioProNotifier(recipients=ONCALL, message="Deadline missed").async_notify(context())

    assert received(textiopro_conn) == [(ONCALL, "Deadline missed")]


def test_a_bad_token_is_logged_without_the_token(sandbox, monkeypatch, logged):
    conn_id = use_connection(monkeypatch, "tp_bad", host=sandbox.url, password="7|not-the-right-token")

    TextioProNotifier(recipients=ONCALL, textiopro_conn_id=conn_id).notify(context())

    text = logged()
    assert "The TextioPro alert could not be sent" in text
    assert "not-the-right-token" not in text


@pytest.mark.asyncio
async def test_textiopro_down_is_logged_not_raised(monkeypatch, logged):
    conn_id = use_connection(
        monkeypatch, "tp_down", host="http://127.0.0.1:9", password="1|sandbox-test-token"
    )

    await TextioProNotifier(recipients=ONCALL, textiopro_conn_id=conn_id).async_notify(context())

    text = logged()
    assert "The TextioPro alert could not be sent" in text
    assert "sandbox-test-token" not in text
