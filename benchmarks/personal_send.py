"""Print the requests and time of a personalised send, against one send call per recipient.

Usage: python benchmarks/personal_send.py [--rows N] [--repeat N]

Everything runs against an in-process sandbox on 127.0.0.1 (no delays, unlimited balance), reset
before each run. Each run texts the same N rows (``{"PHONE", "FIRST_NAME"}``, three first names,
so three distinct texts) their own text ``Hi {FIRST_NAME}, ...``:

* baseline: one mapped task per recipient, simulated as one ``TextioProHook.send_message`` call per
  recipient with its filled text (one request each; Airflow's own cost per mapped task instance,
  its scheduling and start-up, is not counted, so the real gap is wider);
* provider: one ``TextioProSendMessageOperator`` with the rows as ``recipients``: recipients with
  the same text share requests of 100.

Requests are counted from the sandbox's request log. Times are the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from unittest import mock

import _bench

from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator

CONN_ID = "textiopro_benchmark"
MESSAGE = "Hi {FIRST_NAME}, your parcel arrives today between 10:00 and 12:00."
SENDER_ID = "Parcels"
NAMES = ("Alex", "Sam", "Robin")


def rows(count: int) -> list[dict[str, str]]:
    """Return ``count`` rows: distinct UK mobile numbers (+44 7700 901000 on) and three first names."""
    return [{"PHONE": f"+4477009{1000 + i:05d}", "FIRST_NAME": NAMES[i % 3]} for i in range(count)]


def per_recipient(recipients: list[dict[str, str]]) -> int:
    """One send call per recipient with its own text (a mapped task each); return how many were accepted."""
    hook = TextioProHook(CONN_ID)
    return sum(
        len(hook.send_message([row["PHONE"]], MESSAGE.format(**row), sender_id=SENDER_ID).accepted)
        for row in recipients
    )


def personalised(recipients: list[dict[str, str]]) -> int:
    """One send operator with the rows; return how many were accepted."""
    task = TextioProSendMessageOperator(
        task_id="send",
        recipients=recipients,
        message=MESSAGE,
        sender_id=SENDER_ID,
        durable=False,
        textiopro_conn_id=CONN_ID,
    )
    context = {"ti": mock.MagicMock(try_number=1), "task_state_store": None}
    return int(_bench.execute(task, context)["accepted"])


VARIANTS: list[tuple[str, Callable[[list[dict[str, str]]], int]]] = [
    ("baseline: one send per recipient (a mapped task each)", per_recipient),
    ("provider: personalised send (rows + {FIRST_NAME})", personalised),
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1000, help="recipient rows per run (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant (default 3)")
    args = parser.parse_args()
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")

    _bench.print_header(
        "personal_send: each recipient their own text (3 distinct texts) against the in-process sandbox",
        {"rows": args.rows, "repeat": args.repeat},
    )
    recipients = rows(args.rows)
    table = []
    baseline_median = 0.0
    with _bench.sandbox_connection(CONN_ID) as server:
        for label, variant in VARIANTS:
            seconds, made, accepted = [], set(), set()
            for _ in range(args.repeat):
                server.reset()
                done, elapsed = _bench.timed(lambda: variant(recipients))  # noqa: B023 (called at once)
                seconds.append(elapsed)
                made.add(
                    sum(1 for r in server.requests if r.method == "POST" and r.path.endswith("/sms/send"))
                )
                accepted.add(done)
            median, low, high = _bench.median_and_range(seconds)
            baseline_median = baseline_median or median
            table.append(
                [
                    label,
                    "/".join(map(str, sorted(made))),
                    "/".join(map(str, sorted(accepted))),
                    f"{median:.3f}",
                    f"{low:.3f}-{high:.3f}",
                    f"{baseline_median / median:.1f}x",
                ]
            )
    _bench.print_table(
        ["variant", "send requests", "accepted", "median s", "min-max s", "vs baseline"], table
    )


if __name__ == "__main__":
    main()
