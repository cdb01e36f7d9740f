"""``textiopro-sandbox`` / ``python -m airflow_provider_textiopro.sandbox``: run a local TextioPro server."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from airflow_provider_textiopro.sandbox.config import (
    DEFAULT_PORT,
    DEFAULT_TOKEN,
    INITIAL_STATUSES,
    SandboxConfig,
)
from airflow_provider_textiopro.sandbox.faults import FAIL_MODES, RATE_LIMIT_STYLES, Faults
from airflow_provider_textiopro.sandbox.server import SandboxServer

READY_LINE = "TextioPro sandbox listening on {url}"


def _amount(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None


def _balance(value: str) -> Decimal | None:
    return None if value.strip().lower() == "unlimited" else _amount(value)


def build_parser() -> argparse.ArgumentParser:
    """The command line options."""
    defaults = SandboxConfig()
    parser = argparse.ArgumentParser(
        prog="textiopro-sandbox",
        description="Run a local TextioPro API server (both /api/v3 and /api/http) for demos and tests.",
        epilog=f"Prints one line '{READY_LINE.format(url='http://HOST:PORT')}' on stdout once it serves. "
        "Stop it with Ctrl-C or SIGTERM.",
    )
    parser.add_argument("--host", default=defaults.host, help="interface to listen on (default %(default)s)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="TCP port; 0 picks a free one (default %(default)s)"
    )
    parser.add_argument(
        "--token",
        action="append",
        dest="tokens",
        metavar="TOKEN",
        help=f"accepted API token, repeatable, one account each (default {DEFAULT_TOKEN!r})",
    )
    parser.add_argument("--seed", type=int, help="seed for uids and delivery outcomes (default: random)")
    parser.add_argument(
        "--delivery-delay",
        type=float,
        default=defaults.delivery_delay,
        metavar="SECONDS",
        help="time from Enroute/Accepted to Delivered/Failed (default %(default)s)",
    )
    parser.add_argument(
        "--campaign-step-delay",
        type=float,
        default=defaults.campaign_step_delay,
        metavar="SECONDS",
        help="time a campaign spends queued, then processing (default %(default)s)",
    )
    parser.add_argument(
        "--failure-rate",
        type=float,
        default=defaults.failure_rate,
        metavar="SHARE",
        help="share of deliveries that fail, 0 to 1 (default %(default)s)",
    )
    parser.add_argument(
        "--initial-status",
        choices=INITIAL_STATUSES,
        default=defaults.initial_status,
        help="status of new messages (default %(default)s)",
    )
    parser.add_argument(
        "--balance",
        type=_balance,
        default=defaults.balance,
        help="starting balance of each account, or 'unlimited' (default %(default)s)",
    )
    parser.add_argument(
        "--cost-per-segment",
        type=_amount,
        default=defaults.cost_per_segment,
        metavar="AMOUNT",
        help="price of one SMS segment (default %(default)s)",
    )
    parser.add_argument(
        "--currency", default=defaults.currency, help="balance currency symbol (default %(default)s)"
    )
    parser.add_argument(
        "--legacy",
        action="store_true",
        help="answer the shapes of older servers (remaining_unit, flat contacts, no sms_count)",
    )
    faults = parser.add_argument_group("fault injection")
    faults.add_argument("--rate-limit", type=int, metavar="N", help="requests per minute and token")
    faults.add_argument(
        "--rate-limit-style",
        choices=RATE_LIMIT_STYLES,
        default="200",
        help="'200': HTTP 200 status error without Retry-After; '429': HTTP 429 with Retry-After; "
        "'mixed': alternate (default %(default)s)",
    )
    faults.add_argument(
        "--fail-next-5xx", type=int, default=0, metavar="N", help="the next N API requests fail"
    )
    faults.add_argument(
        "--fail-status", type=int, default=500, help="HTTP code of those failures (default %(default)s)"
    )
    faults.add_argument(
        "--fail-mode",
        choices=FAIL_MODES,
        default="before",
        help="'before': the failing request has no effect; 'after': it takes effect, then fails",
    )
    faults.add_argument("--slow", type=float, default=0.0, metavar="SECONDS", help="delay every API answer")
    faults.add_argument(
        "--html-errors", action="store_true", help="framework errors as HTML pages even to JSON clients"
    )
    parser.add_argument("--quiet", action="store_true", help="no request log on stderr")
    return parser


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    """Turn parsed options into a config (raises ValueError for bad values)."""
    fields: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "seed": args.seed,
        "delivery_delay": args.delivery_delay,
        "campaign_step_delay": args.campaign_step_delay,
        "failure_rate": args.failure_rate,
        "initial_status": args.initial_status,
        "balance": args.balance,
        "cost_per_segment": args.cost_per_segment,
        "currency": args.currency,
        "legacy": args.legacy,
        "quiet": args.quiet,
        "faults": Faults(
            rate_limit=args.rate_limit,
            rate_limit_style=args.rate_limit_style,
            fail_next_5xx=args.fail_next_5xx,
            fail_status=args.fail_status,
            fail_mode=args.fail_mode,
            slow=args.slow,
            html_errors=args.html_errors,
        ),
    }
    if args.tokens:
        fields["tokens"] = tuple(args.tokens)
    return SandboxConfig(**fields)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox until Ctrl-C or SIGTERM."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    server = SandboxServer(config)
    try:
        server.start()
    except OSError as exc:
        where = f"{config.host}:{config.port}"
        print(f"textiopro-sandbox: cannot listen on {where}: {exc.strerror}", file=sys.stderr)
        return 1
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(READY_LINE.format(url=server.url), flush=True)
    if not config.quiet and args.tokens is None:
        print(f"[textiopro-sandbox] accepting the demo token {DEFAULT_TOKEN!r}", file=sys.stderr, flush=True)
    stop.wait()
    server.stop()
    if not config.quiet:
        print("[textiopro-sandbox] stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
