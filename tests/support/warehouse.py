"""SQLite warehouses for the tests of the SQL transfer and of the warehouse example."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest


def use_sqlite(monkeypatch: pytest.MonkeyPatch, conn_id: str, path: Path) -> None:
    """Point the connection ``conn_id`` at the SQLite file ``path``."""
    connection = {"conn_type": "sqlite", "host": str(path)}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(connection))


def customers_warehouse(
    monkeypatch: pytest.MonkeyPatch, path: Path, columns: str, rows: Sequence[Sequence[Any]]
) -> Path:
    """Create ``customers (columns)`` holding ``rows`` in ``path``; point connection ``warehouse`` at it."""
    with sqlite3.connect(path) as db:
        db.execute(f"CREATE TABLE customers ({columns})")
        db.executemany(f"INSERT INTO customers VALUES ({', '.join('?' * len(columns.split(',')))})", rows)
    use_sqlite(monkeypatch, "warehouse", path)
    return path
