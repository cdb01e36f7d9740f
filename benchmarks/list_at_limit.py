"""Print how close reading a large contact group comes to the account's rate bound.

Usage: python benchmarks/list_at_limit.py [--contacts N] [--max-concurrency N]
       [--limit N] [--window S] [--latency-base S] [--latency-per-recipient S]

Against an in-process sandbox on 127.0.0.1 with the platform's pace (see ``--help`` of
``send_at_limit.py``: by default 200 requests per 12 s and 0.026 s a request), a group of N
contacts (default 10,000, put straight into the sandbox's store) is read whole, 25 contacts a
page as the API pages it. Variants:

* baseline: a plain loop of ``requests`` page reads on one session, one after another,
  pausing 1 s whenever the answer is ``Too Many Attempts.``;
* provider: ``list(TextioProHook.list_contacts(group_uid))``.

The bound is what the account allows: pages / (limit / window). ``vs bound`` is the wall time
over it (the issue's target is at most 1.25x). ``refused`` are the requests the limit refused.
If the hook has a parameter that bounds concurrent requests, ``--max-concurrency`` is passed.
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

import _bench
import requests

from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from textiopro_sandbox.state import ContactRecord

CONN_ID = "textiopro_benchmark"
PAGE_SIZE = 25


def fill_group(server: Any, count: int) -> str:
    """Create a group holding ``count`` contacts directly in the sandbox's store; return its uid."""
    state = server.state
    with state.lock:
        account = next(iter(state.accounts.values()))
        group = state.create_group(account, "Benchmark")
        for i in range(count):
            contact = ContactRecord(
                uid=state.new_uid(), phone=f"447700{100000 + i:06d}", fields={"FIRST_NAME": f"First{i}"}
            )
            group.contacts[contact.uid] = contact
    return group.uid


def page_loop(server: Any, group_uid: str, max_concurrency: int | None) -> int:
    """Baseline: page after page with ``requests``, 1 s pause after a refusal; return the contacts read."""
    url = f"{server.url}/api/v3/contacts/{group_uid}/all"
    headers = {"Authorization": f"Bearer {server.token}", "Accept": "application/json"}
    read, page, last_page = 0, 1, 1
    with requests.Session() as session:
        while page <= last_page:
            answer = session.post(url, params={"page": page}, headers=headers, timeout=30).json()
            if answer["status"] != "success":
                time.sleep(1)
                continue
            read += len(answer["data"]["data"])
            last_page = answer["data"]["last_page"]
            page += 1
    return read


def with_hook(server: Any, group_uid: str, max_concurrency: int | None) -> int:
    """The provider: every contact of the group through the hook; return how many."""
    hook = TextioProHook(CONN_ID, **_bench.knob_arguments(TextioProHook.__init__, max_concurrency))
    knob = _bench.knob_arguments(TextioProHook.list_contacts, max_concurrency)
    return len(list(hook.list_contacts(group_uid, **knob)))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=10_000, help="contacts in the group (default 10000)")
    parser.add_argument(
        "--max-concurrency", type=int, help="passed to the hook's concurrency knob, if it has one"
    )
    _bench.add_pace_options(parser)
    args = parser.parse_args()
    if args.contacts < 1:
        parser.error("--contacts must be at least 1")
    knobs = _bench.concurrency_knobs(TextioProHook.__init__, TextioProHook.list_contacts)
    _bench.print_header(
        "list_at_limit: reading a whole contact group against the account's rate bound",
        {
            "contacts": args.contacts,
            **_bench.pace_parameters(args),
            "hook concurrency knob": ", ".join(knobs) or "none (reads one page after another)",
            "max_concurrency": args.max_concurrency,
            "commit": _bench.commit(),
        },
    )
    pages = math.ceil(args.contacts / PAGE_SIZE)
    bound = _bench.rate_bound(pages, args)
    rows = []
    with _bench.sandbox_connection(CONN_ID, window=args.window, faults=_bench.pace_faults(args)) as server:
        for label, variant in [
            ("baseline: requests page loop, 1 s pause when refused", page_loop),
            ("provider: list(hook.list_contacts(group))", with_hook),
        ]:
            server.reset()
            group_uid = fill_group(server, args.contacts)
            read, elapsed = _bench.timed(lambda v=variant, g=group_uid: v(server, g, args.max_concurrency))
            rows.append(
                [
                    label,
                    len(server.requests),
                    _bench.refused_at_limit(server),
                    read,
                    f"{bound:.1f}",
                    f"{elapsed:.1f}",
                    f"{elapsed / bound:.2f}x",
                ]
            )
    _bench.print_table(["variant", "requests", "refused", "contacts", "bound s", "wall s", "vs bound"], rows)


if __name__ == "__main__":
    main()
