"""The table of tokens written in a connection URI (docs/connection.md) holds what Airflow does.

Each row's URI is parsed by Airflow's own ``Connection``, and read by the hook from an
``AIRFLOW_CONN_TEXTIOPRO_DEFAULT`` variable, on the Airflow version the suite runs on: the password
and host Airflow reads, and what the task gets, must be what the row says. No network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_textiopro.hooks.textiopro import TextioProHook

DOCS = Path(__file__).resolve().parents[2] / "docs"
HEADER = "| The token | Written in the URI | Password Airflow reads | Host Airflow reads | The task gets |"
HOST = "app.textiopro.com"
UNREADABLE = "Port could not be cast to integer value"
# What the table must show: each character that breaks a URI, a cut after a bearer token's `|`
# and after an all-digit prefix, and a `%` escape that changes the token or is not UTF-8.
REQUIRED_WRITINGS = {
    "1383%7Cabcdef",
    "1383|abcdef",
    "1383%7Cab/cd",
    "1383|ab?cd",
    "1383%7Cab#cd",
    "1383/abcd",
    "1383?abcd",
    "1383#abcd",
    "1383%7Cab%41",
    "1383%7Cab%de",
    "1383%7Cab%25cd",
}
CELL = re.compile(r"(`+).+?\1|[^|`]+|`|\|")
CODE = re.compile(r"(`+) ?(.+?) ?\1")


@dataclass(frozen=True)
class Row:
    """One row of the table: the cells as written."""

    line: int
    token: str
    written: str
    password: str
    host: str
    outcome: str

    @property
    def uri(self) -> str:
        return f"textiopro://:{self.written}@{HOST}"


def cells(line: str) -> list[str]:
    """Split a table row on the ``|`` that are outside code spans."""
    found, current = [], ""
    for match in CELL.finditer(line.strip().removeprefix("|").removesuffix("|")):
        if match[0] == "|":
            found.append(current.strip())
            current = ""
        else:
            current += match[0]
    return [*found, current.strip()]


def code(cell: str) -> str:
    """Return the first code span of a cell (``""`` when it has none)."""
    match = CODE.search(cell)
    return match[2] if match else ""


def table_rows() -> list[Row]:
    lines = (DOCS / "connection.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER)
    rows = []
    for number, line in enumerate(lines[start + 2 :], start + 3):
        if not line.startswith("|"):
            break
        token, written, password, host, outcome = cells(line)
        rows.append(Row(number, code(token), code(written), password, host, outcome))
    return rows


ROWS = table_rows()


def test_the_table_covers_every_case():
    assert {row.written for row in ROWS} >= REQUIRED_WRITINGS


def parsed(uri: str) -> Any:
    """Return Airflow's Connection for ``uri``, or the ValueError it raises."""
    from airflow.models.connection import Connection

    try:
        return Connection(conn_id="textiopro_default", uri=uri)
    except ValueError as error:
        return error


def token_read(monkeypatch: pytest.MonkeyPatch, uri: str) -> str | Exception:
    """Return the token the hook reads from ``uri`` in the environment, or the error it raises."""
    monkeypatch.setenv("AIRFLOW_CONN_TEXTIOPRO_DEFAULT", uri)
    try:
        return TextioProHook().settings.token
    except Exception as error:
        return error


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.written)
def test_airflow_reads_what_the_table_says(row: Row):
    conn = parsed(row.uri)
    if isinstance(conn, ValueError):
        assert UNREADABLE in str(conn)
        assert f"the URI cannot be read (`{UNREADABLE}`)" in row.password, f"line {row.line}: {conn}"
        assert row.host == "none", f"line {row.line}"
        return
    if conn.password is None:
        assert row.password == "none", f"line {row.line}: Airflow reads no password"
    else:
        assert code(row.password) == conn.password, f"line {row.line}"
    if conn.host:
        assert code(row.host) == conn.host, f"line {row.line}"
    else:
        assert row.host.startswith("empty"), f"line {row.line}: Airflow reads no host"
        assert f"`{conn.port}` is read as the port" in row.host, f"line {row.line}"


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.written)
def test_the_task_gets_what_the_table_says(row: Row, monkeypatch: pytest.MonkeyPatch):
    token = token_read(monkeypatch, row.uri)
    if isinstance(token, Exception):
        assert code(row.outcome), f"line {row.line}: the task gets {type(token).__name__}: {token}"
        assert code(row.outcome) in str(token), f"line {row.line}"
    elif token == row.token:
        assert row.outcome.startswith("works"), f"line {row.line}: the token is read as it is"
    else:
        assert row.outcome == "another token: `Unauthenticated.`", f"line {row.line}: read {token!r}"


def test_troubleshooting_names_every_outcome_of_a_uri():
    text = (DOCS / "troubleshooting.md").read_text(encoding="utf-8")
    outcomes = {code(row.outcome) for row in ROWS if not row.outcome.startswith("works")}
    missing = [outcome for outcome in sorted(outcomes) if outcome not in text]
    assert not missing, f"troubleshooting.md does not name {missing}"
