"""Print what TextioProUpsertContactsOperator costs on repeated syncs, against a naive upsert.

Usage: python benchmarks/contact_upsert.py [--contacts N] [--changed SHARE] [--workers 1,4] [--latency S]

Against an in-process sandbox on 127.0.0.1, for each method and each ``--workers`` value, a
new group receives the same N records three times:

1. first sync: the group is empty, every record is new;
2. same input again: nothing changed;
3. ``--changed`` of the records (default 10%) have a new FIRST_NAME.

Methods:

* provider: ``TextioProUpsertContactsOperator(max_workers=W).execute()``: reads the group once
  (pages of 25), then creates only new contacts and updates only changed ones;
* baseline: a naive upsert with the same W threads (one hook each): ``create_contact`` for
  every record, and when the sandbox refuses it because the number is taken (HTTP 422),
  ``update_contact`` with the contact's uid (looked up in one listing of the group, made
  at the first refusal of the run).

Requests are counted from the sandbox's request log: ``writes`` are the store, update and
delete requests, ``refused`` the writes answered with an error. The group's final contents
are checked after the last run. Each method first upserts 5 records unmeasured, so that
no run pays for first imports and metadata loads. ``--latency`` makes the sandbox wait that
many seconds before each answer (its ``slow`` fault), as a distant server would; the
default 0 measures client and server costs only (both share this process and its GIL).
"""

from __future__ import annotations

import argparse
import re
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import _bench

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.operators.contacts import TextioProUpsertContactsOperator
from airflow_provider_textiopro.utils.phone import normalize_phone
from textiopro_sandbox import Faults

CONN_ID = "textiopro_benchmark"
WARM_UP_RECORDS = 5
WRITE_PATH = re.compile(r"/contacts/[^/]+/(store|update/[^/?]+|delete/[^/?]+)(\?|$)")
Records = list[dict[str, str]]


def make_records(count: int) -> Records:
    """Return ``count`` contacts with distinct UK mobile numbers and three fields."""
    return [
        {
            "PHONE": f"+44 7700 9{10000 + i:05d}",
            "FIRST_NAME": f"First{i}",
            "LAST_NAME": f"Last{i}",
            "CITY": ("Leeds", "York", "Bath")[i % 3],
        }
        for i in range(count)
    ]


def change_some(records: Records, share: float) -> Records:
    """Return a copy where ``share`` of the records, spread evenly, have a new FIRST_NAME."""
    count = round(len(records) * share)
    step = len(records) / count if count else 0
    picked = {int(k * step) for k in range(count)}
    return [{**r, "FIRST_NAME": f"Changed{i}"} if i in picked else r for i, r in enumerate(records)]


def upsert_with_provider(group_uid: str, records: Records, workers: int) -> None:
    """Run the provider's operator outside a DAG run (a mock stands in for the outlet events)."""
    task = TextioProUpsertContactsOperator(
        task_id="upsert", group_uid=group_uid, records=records, max_workers=workers, textiopro_conn_id=CONN_ID
    )
    _bench.execute(task, {"task": task, "ti": mock.MagicMock(), "outlet_events": mock.MagicMock()})


def upsert_naively(group_uid: str, records: Records, workers: int) -> None:
    """Create every record; when its number is taken, update the existing contact instead."""
    local = threading.local()
    lock = threading.Lock()
    uids: dict[str, str] = {}

    def hook() -> TextioProHook:
        if not hasattr(local, "hook"):
            local.hook = TextioProHook(CONN_ID)
        return local.hook

    def uid_of(phone: str) -> str:
        with lock:
            if not uids:
                uids.update((c.phone, c.uid) for c in hook().list_contacts(group_uid))
        return uids[normalize_phone(phone)]

    def upsert(record: Mapping[str, str]) -> None:
        phone = record["PHONE"]
        fields = {tag: value for tag, value in record.items() if tag != "PHONE"}
        try:
            hook().create_contact(group_uid, phone, **fields)
        except TextioProInputError as error:
            if error.status_code != 422:
                raise
            hook().update_contact(group_uid, uid_of(phone), phone, **fields)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(upsert, records))


METHODS: dict[str, Callable[[str, Records, int], None]] = {
    "baseline": upsert_naively,
    "provider": upsert_with_provider,
}


def check_group(group_uid: str, expected: Records) -> None:
    """Stop with an error unless the group holds exactly the expected contacts."""
    stored = {c.phone: c.fields for c in TextioProHook(CONN_ID).list_contacts(group_uid)}
    wanted = {
        normalize_phone(r["PHONE"]): {tag: value for tag, value in r.items() if tag != "PHONE"}
        for r in expected
    }
    if stored != wanted:
        wrong = sum(stored.get(phone) != fields for phone, fields in wanted.items())
        raise SystemExit(f"the group does not hold the input: {wrong} contacts differ")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=1000, help="records per sync (default 1000)")
    parser.add_argument("--changed", type=float, default=0.1, help="share changed in sync 3 (default 0.1)")
    parser.add_argument("--workers", default="1,4", help="comma-separated max_workers values (default 1,4)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer (default 0)")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    if args.contacts < 1 or not 0 <= args.changed <= 1 or min(workers) < 1 or args.latency < 0:
        parser.error("need --contacts >= 1, 0 <= --changed <= 1, --workers >= 1 and --latency >= 0")

    _bench.print_header(
        "contact_upsert: three syncs of one group against the in-process sandbox",
        {"contacts": args.contacts, "changed": args.changed, "workers": workers, "latency": args.latency},
    )
    first = make_records(args.contacts)
    syncs = [("1 first (all new)", first), ("2 same input", first)]
    syncs.append((f"3 {args.changed:.0%} changed", change_some(first, args.changed)))
    rows = []
    with _bench.sandbox_connection(CONN_ID, faults=Faults(slow=args.latency)) as server:
        for upsert in METHODS.values():
            warm_up = TextioProHook(CONN_ID).create_group(f"Warm-up {upsert.__name__}").uid
            upsert(warm_up, first[:WARM_UP_RECORDS], 1)
        for method, upsert in METHODS.items():
            for count in workers:
                server.reset()
                group_uid = TextioProHook(CONN_ID).create_group("Benchmark").uid
                for label, records in syncs:
                    server.clear_requests()
                    _, seconds = _bench.timed(lambda: upsert(group_uid, records, count))  # noqa: B023
                    log = server.requests
                    writes = [r for r in log if WRITE_PATH.search(r.path)]
                    refused = sum(r.status >= 400 for r in writes)
                    rows.append(
                        [
                            method,
                            count,
                            label,
                            len(log),
                            len(writes),
                            refused,
                            f"{seconds:.2f}",
                            f"{len(records) / seconds:,.0f}",
                        ]
                    )
                check_group(group_uid, syncs[-1][1])
    _bench.print_table(
        ["method", "workers", "sync", "requests", "writes", "refused", "seconds", "records/s"], rows
    )


if __name__ == "__main__":
    main()
