"""Print how fast TextioProHook.send_message reaches many recipients, against one request per recipient.

Usage: python benchmarks/send_throughput.py [--recipients N] [--repeat N]

Everything runs against an in-process sandbox on 127.0.0.1 (no delays, unlimited balance),
reset before each run. Variants, each sending one plain SMS to the same N numbers:

* provider: ``TextioProHook.send_message`` (numbers checked locally, 100 per request, one
  kept-alive ``requests.Session``);
* baseline: ``requests.post`` per recipient, without a session (a new TCP connection each);
* per recipient on one session: the baseline with a kept-alive session, to separate the gain
  of keep-alive from that of batching.

A row also shows what the provider's local number check (``normalize_recipients``) alone
costs, since it is part of the provider's time and the baselines do not do it. Requests are
counted from the sandbox's request log. Times are the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import _bench
import requests

from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.utils.phone import normalize_recipients

CONN_ID = "textiopro_benchmark"
MESSAGE = "Your parcel arrives today between 10:00 and 12:00."
SENDER_ID = "Parcels"


def numbers(count: int) -> list[str]:
    """Return ``count`` distinct UK mobile numbers (+44 7700 901000 on; no special sandbox behaviour)."""
    return [f"+4477009{1000 + i:05d}" for i in range(count)]


def send_with_hook(recipients: list[str], server: Any) -> int:
    """Send with the provider's hook; return how many recipients got a message."""
    return len(TextioProHook(CONN_ID).send_message(recipients, MESSAGE, sender_id=SENDER_ID).accepted)


def per_recipient(post: Callable[..., requests.Response], recipients: list[str], server: Any) -> int:
    """POST one ``sms/send`` per recipient with ``post``; return how many succeeded."""
    headers = {"Authorization": f"Bearer {server.token}", "Accept": "application/json"}
    accepted = 0
    for number in recipients:
        response = post(
            f"{server.url}/api/v3/sms/send",
            json={
                "recipient": number.lstrip("+"),
                "sender_id": SENDER_ID,
                "type": "plain",
                "message": MESSAGE,
            },
            headers=headers,
            timeout=30,
        )
        accepted += response.json().get("status") == "success"
    return accepted


def baseline(recipients: list[str], server: Any) -> int:
    """One request per recipient, each on a new connection."""
    return per_recipient(requests.post, recipients, server)


def per_recipient_on_session(recipients: list[str], server: Any) -> int:
    """One request per recipient on one kept-alive session."""
    with requests.Session() as session:
        return per_recipient(session.post, recipients, server)


def check_only(recipients: list[str], server: Any) -> None:
    """Only the provider's local number check; no request, so nothing is accepted."""
    normalize_recipients(recipients)


VARIANTS: list[tuple[str, Callable[[list[str], Any], int | None]]] = [
    ("baseline: requests.post per recipient, new connection each", baseline),
    ("per recipient on one kept-alive session", per_recipient_on_session),
    ("provider: TextioProHook.send_message (100 per request)", send_with_hook),
]
CHECK_ONLY = "  of which: local number check (normalize_recipients)"


def distinct(values: list[Any]) -> str:
    """Return the value shared by all runs, or the distinct values joined with '/'."""
    return "/".join(dict.fromkeys("-" if value is None else str(value) for value in values))


def measure(
    variant: Callable[[list[str], Any], int | None], recipients: list[str], server: Any, repeat: int
) -> tuple[list[float], str, str]:
    """Run ``variant`` ``repeat`` times on a reset sandbox; return the seconds, requests and accepted."""
    seconds, requests_made, accepted = [], [], []
    for _ in range(repeat):
        server.reset()
        done, elapsed = _bench.timed(lambda: variant(recipients, server))
        seconds.append(elapsed)
        requests_made.append(len(server.requests))
        accepted.append(done)
    return seconds, distinct(requests_made), distinct(accepted)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=2000, help="recipients per run (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant (default 3)")
    args = parser.parse_args()
    if args.recipients < 1 or args.repeat < 1:
        parser.error("--recipients and --repeat must be at least 1")

    _bench.print_header(
        "send_throughput: one SMS to many recipients against the in-process sandbox",
        {"recipients": args.recipients, "repeat": args.repeat},
    )
    recipients = numbers(args.recipients)
    rows = []
    medians: dict[str, float] = {}
    with _bench.sandbox_connection(CONN_ID) as server:
        for label, variant in [*VARIANTS, (CHECK_ONLY, check_only)]:
            seconds, requests_made, accepted = measure(variant, recipients, server, args.repeat)
            median, low, high = _bench.median_and_range(seconds)
            medians[label] = median
            if label == CHECK_ONLY:
                versus = f"{median / medians[VARIANTS[-1][0]]:.0%} of provider"
            else:
                versus = f"{medians[VARIANTS[0][0]] / median:.1f}x"
            rows.append(
                [
                    label,
                    requests_made,
                    accepted,
                    f"{median:.3f}",
                    f"{low:.3f}-{high:.3f}",
                    f"{args.recipients / median:,.0f}",
                    versus,
                ]
            )
    _bench.print_table(
        ["variant", "requests", "accepted", "median s", "min-max s", "recipients/s", "vs baseline"], rows
    )


if __name__ == "__main__":
    main()
