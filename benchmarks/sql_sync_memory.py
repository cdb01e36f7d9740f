"""Print the peak Python memory of SqlToTextioProContactsOperator on a large table: streamed vs fetchall().

Usage: python benchmarks/sql_sync_memory.py [--rows N] [--chunk-sizes 1000[,...]]

What is measured: ``SqlToTextioProContactsOperator.execute()`` on a SQLite table of N
customers (read through the common-sql SQLite hook), with the TextioPro API replaced by an
in-memory fake: it lists the group's existing contacts (as ``Contact`` objects, like the
hook) and counts the writes it is asked for without making them. So the figures cover the
SQL read, building the records, normalising the numbers, planning the upsert
(``ContactSync``) and handing the writes to the worker threads; not HTTP or JSON.

Variants: the provider, fetching ``chunk_size`` rows at a time (``cursor.fetchmany``), for
each ``--chunk-sizes`` value; and a baseline that is the same operator except that it reads
the whole result with ``cursor.fetchall()`` first and then plans it in chunks of 1000.

Each runs twice: on an empty group (every row becomes a create) and on a group that
already holds every row (nothing to write; the group's N contacts are held for the diff).
The peak is ``tracemalloc``'s: Python objects only, allocated during ``execute()`` (the
SQLite library's own page cache is not included). Every variant first syncs a 20-row
table unmeasured, so that no run pays for first imports and metadata loads. Times are
taken under tracemalloc, which slows Python code down; compare them with each other only.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sqlite3
import tempfile
import threading
import tracemalloc
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any
from unittest import mock

import _bench

from airflow_provider_textiopro.models import Contact
from airflow_provider_textiopro.transfers.sql_to_textiopro import SqlToTextioProContactsOperator

DB_CONN_ID = "warehouse_benchmark"
BASELINE_CHUNK_SIZE = 1000
WARM_UP_ROWS = 20
CITIES = ("Leeds", "York", "Bath", "Hull")


def customer(i: int) -> tuple[str, str, str, str]:
    """Return row ``i`` of the customers table: phone, first name, last name, city."""
    return f"+44 7700 9{i:05d}", f"First{i}", f"Last{i}", CITIES[i % len(CITIES)]


def create_table(path: Path, table: str, rows: int) -> None:
    """Write a customers table of ``rows`` rows."""
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(f"CREATE TABLE {table} (phone TEXT, first_name TEXT, last_name TEXT, city TEXT)")
        db.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?)", (customer(i) for i in range(rows)))


class FakeTextioPro:
    """Stands in for TextioProHook: lists ``existing`` contacts, counts writes, sends nothing."""

    default_region = None

    def __init__(self, existing: int, writes: Counter[str], lock: threading.Lock) -> None:
        self._existing = existing
        self._writes = writes
        self._lock = lock

    def list_contacts(self, group_uid: str) -> Iterator[Contact]:
        """Yield the group's contacts, parsed from API-shaped dicts as the hook does."""
        for i in range(self._existing):
            phone, first, last, city = customer(i)
            yield Contact.from_api(
                {
                    "uid": f"{i:013x}",
                    "phone": phone.replace(" ", "").lstrip("+"),
                    "status": "subscribe",
                    "custom_fields": {"FIRST_NAME": first, "LAST_NAME": last, "CITY": city},
                }
            )

    def _count(self, action: str) -> None:
        with self._lock:
            self._writes[action] += 1

    def create_contact(self, group_uid: str, phone: str, **fields: Any) -> None:
        self._count("create")

    def update_contact(self, group_uid: str, uid: str, phone: str, **fields: Any) -> None:
        self._count("update")

    def delete_contact(self, group_uid: str, uid: str) -> None:
        self._count("delete")


class StreamingSync(SqlToTextioProContactsOperator):
    """The provider's operator, with :class:`FakeTextioPro` for the TextioPro side."""

    def __init__(self, *, existing: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.existing = existing
        self.writes: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _new_hook(self) -> Any:
        return FakeTextioPro(self.existing, self.writes, self._lock)


class FetchallSync(StreamingSync):
    """The baseline: the same operator, reading the whole result with ``fetchall()`` first."""

    def iter_batches(self, context: Any) -> Iterator[Iterable[Mapping[str, Any]]]:
        """Fetch every row, then yield records ``chunk_size`` rows at a time."""
        with closing(self.get_db_hook().get_conn()) as conn, closing(conn.cursor()) as cursor:
            cursor.execute(self._query())
            tags = self._tags([str(column[0]) for column in cursor.description or ()])
            rows = cursor.fetchall()
        for start in range(0, len(rows), self.chunk_size):
            yield [{tag: row[i] for i, tag in tags} for row in rows[start : start + self.chunk_size]]


def sync_task(
    operator_class: type[StreamingSync], table: str, chunk_size: int, existing: int
) -> StreamingSync:
    """Return an operator syncing ``table`` into a fake group holding its first ``existing`` rows."""
    return operator_class(
        task_id="sync",
        conn_id=DB_CONN_ID,
        table=table,
        group_uid="benchmark-group",
        chunk_size=chunk_size,
        existing=existing,
    )


def run(operator: StreamingSync) -> None:
    """Run the operator's ``execute()`` outside a DAG run."""
    _bench.execute(operator, {"task": operator, "ti": mock.MagicMock(), "outlet_events": mock.MagicMock()})


def measure(operator: StreamingSync) -> tuple[int, float]:
    """Run the operator under tracemalloc; return the peak bytes and the seconds."""
    gc.collect()
    tracemalloc.start()
    try:
        _, seconds = _bench.timed(lambda: run(operator))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=50_000, help="rows in the table (default 50000)")
    parser.add_argument(
        "--chunk-sizes", default="1000", help="comma-separated provider chunk sizes (default 1000)"
    )
    args = parser.parse_args()
    chunk_sizes = [int(size) for size in args.chunk_sizes.split(",")]
    if not 1 <= args.rows <= 100_000 or min(chunk_sizes) < 1:
        parser.error("--rows must be from 1 to 100000 and chunk sizes at least 1")

    _bench.print_header(
        "sql_sync_memory: peak Python memory of a SQLite-to-TextioPro sync (TextioPro API faked)",
        {"rows": args.rows, "chunk_sizes": chunk_sizes, "baseline_chunk_size": BASELINE_CHUNK_SIZE},
    )
    variants: list[tuple[str, type[StreamingSync], int]] = [
        ("baseline: fetchall() first", FetchallSync, BASELINE_CHUNK_SIZE)
    ]
    variants += [(f"provider: fetchmany({size})", StreamingSync, size) for size in chunk_sizes]
    rows = []
    with tempfile.TemporaryDirectory(prefix="textiopro-bench-") as folder:
        database = Path(folder) / "warehouse.db"
        create_table(database, "customers", args.rows)
        create_table(database, "warm_up", WARM_UP_ROWS)
        os.environ[f"AIRFLOW_CONN_{DB_CONN_ID.upper()}"] = json.dumps(
            {"conn_type": "sqlite", "host": str(database)}
        )
        for _, operator_class, chunk_size in variants:
            run(sync_task(operator_class, "warm_up", chunk_size, existing=WARM_UP_ROWS // 2))
        baseline_peaks: dict[int, int] = {}
        for existing, group in ((0, "empty"), (args.rows, "in sync")):
            for label, operator_class, chunk_size in variants:
                operator = sync_task(operator_class, "customers", chunk_size, existing)
                peak, seconds = measure(operator)
                baseline_peaks.setdefault(existing, peak)
                rows.append(
                    [
                        label,
                        f"{group} ({existing})",
                        sum(operator.writes.values()),
                        f"{peak / 2**20:.1f}",
                        f"{peak / baseline_peaks[existing]:.0%}",
                        f"{seconds:.1f}",
                    ]
                )
    _bench.print_table(
        ["variant", "group before", "writes", "peak MiB", "vs baseline", "seconds (traced)"], rows
    )


if __name__ == "__main__":
    main()
