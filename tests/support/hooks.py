"""Helpers for the hook's unit tests: a connection in the environment and envelope bodies."""

from __future__ import annotations

import json
import logging
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from airflow_provider_textiopro.hooks.textiopro import TextioProHook

TOKEN = "1383|Sup3rS3cretT0ken"
QUOTED_TOKEN = "1383%7CSup3rS3cretT0ken"
BASE = "https://app.textiopro.com"
V3 = f"{BASE}/api/v3"
HTTP = f"{BASE}/api/http"
STYLES = ("bearer", "api_token")
PREFIX = {"bearer": V3, "api_token": HTTP}


def set_connection(
    monkeypatch: pytest.MonkeyPatch,
    conn_id: str = "textiopro_test",
    *,
    host: str | None = "app.textiopro.com",
    password: str | None = TOKEN,
    port: int | None = None,
    **extra: Any,
) -> str:
    """Put a textiopro connection in the environment (JSON form) and return its id."""
    conn: dict[str, Any] = {"conn_type": "textiopro", "host": host, "password": password, "extra": extra}
    if port is not None:
        conn["port"] = port
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
    return conn_id


def make_hook(
    monkeypatch: pytest.MonkeyPatch, style: str = "bearer", **extra: Any
) -> tuple[TextioProHook, list[float]]:
    """Return a hook on a fresh connection and the list its waits go to (no sleeping).

    The connection's ``default_sender_id`` is ``Alerts`` unless given (None leaves it unset).
    The hook logs to a standard logger, so ``caplog`` sees every line, DEBUG included.
    """
    extra.setdefault("retry_wait_min", 1)
    extra.setdefault("default_sender_id", "Alerts")
    if extra["default_sender_id"] is None:
        del extra["default_sender_id"]
    hook = TextioProHook(set_connection(monkeypatch, auth_style=style, **extra))
    sleeps: list[float] = []
    hook._sleep = sleeps.append
    hook._log = logging.getLogger("textiopro.hook.test")
    return hook, sleeps


def ok(data: Any = None, message: str | None = None) -> dict[str, Any]:
    """A success envelope."""
    return {"status": "success", "message": message, "data": data}


def error(message: str) -> dict[str, Any]:
    """An error envelope."""
    return {"status": "error", "message": message}


def paginator(
    items: list[dict[str, Any]], page: int = 1, last_page: int = 1, path: str = ""
) -> dict[str, Any]:
    """A Laravel paginator as real servers put it in ``data``."""
    return {
        "current_page": page,
        "data": items,
        "first_page_url": f"{path}?page=1",
        "from": 1,
        "last_page": last_page,
        "last_page_url": f"{path}?page={last_page}",
        "links": [],
        "next_page_url": f"{path}?page={page + 1}" if page < last_page else None,
        "path": path,
        "per_page": 25,
        "prev_page_url": None,
        "to": len(items),
        "total": len(items),
    }


def fake_hook() -> mock.MagicMock:
    """Return a mock hook whose message reads go through its mocked ``get_message`` (one by one)."""
    fake = mock.MagicMock(name="TextioProHook()")
    fake._concurrently.side_effect = map
    read = TextioProHook.get_messages
    fake.get_messages.side_effect = lambda uids, final=None: read(fake, uids, final=final)
    fake.read_due_messages.side_effect = lambda watch: TextioProHook.read_due_messages(fake, watch)
    return fake


def page_number(request: Any) -> int:
    """Return the ``?page=N`` of a request ``responses`` recorded (1 when absent)."""
    return int(parse_qs(urlsplit(request.url).query).get("page", ["1"])[0])


def by_page(verb: str, url: str, answers: dict[int, dict[str, Any]]) -> None:
    """Answer each page of ``url`` with its own paginator, whatever order the pages are asked in."""
    responses.add_callback(
        verb,
        url,
        callback=lambda request: (200, {}, json.dumps(ok(answers[page_number(request)]))),
        content_type="application/json",
    )
