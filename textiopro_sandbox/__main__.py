"""``textiopro-sandbox`` / ``python -m textiopro_sandbox``: run a local TextioPro server."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import fields
from decimal import Decimal, InvalidOperation
from typing import Any

from textiopro_sandbox.config import DEFAULT_TOKEN, INITIAL_STATUSES, SandboxConfig
from textiopro_sandbox.faults import FAIL_MODES, FAULT_NAMES, RATE_LIMIT_STYLES, Faults
from textiopro_sandbox.server import SandboxServer

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
        epilog=f"Prints one line '{READY_LINE.format(url='http://HOST:PORT')}' (https with --tls-cert) "
        "on stdout once it serves. "
        "Stop it with Ctrl-C or SIGTERM.",
    )

    def setting(option: str, help: str, **kwargs: Any) -> None:
        """Add an option for the SandboxConfig field of the same name, with that field's default."""
        default = getattr(defaults, option.removeprefix("--").replace("-", "_"))
        parser.add_argument(option, default=default, help=f"{help} (default %(default)s)", **kwargs)

    setting("--host", "interface to listen on")
    setting("--port", "TCP port; 0 picks a free one", type=int)
    parser.add_argument(
        "--token",
        action="append",
        dest="tokens",
        metavar="TOKEN",
        help=f"accepted API token, repeatable, one account each (default {DEFAULT_TOKEN!r})",
    )
    parser.add_argument("--seed", type=int, help="seed for uids and delivery outcomes (default: random)")
    setting(
        "--delivery-delay", "time from Enroute/Accepted to Delivered/Failed", type=float, metavar="SECONDS"
    )
    setting(
        "--campaign-step-delay",
        "time a campaign spends queued, then processing",
        type=float,
        metavar="SECONDS",
    )
    setting("--failure-rate", "share of deliveries that fail, 0 to 1", type=float, metavar="SHARE")
    setting("--initial-status", "status of new messages", choices=INITIAL_STATUSES)
    setting("--balance", "starting balance of each account, or 'unlimited'", type=_balance)
    setting("--cost-per-segment", "price of one SMS segment", type=_amount, metavar="AMOUNT")
    setting("--currency", "balance currency symbol")
    parser.add_argument(
        "--legacy",
        action="store_true",
        help="answer the shapes of older servers (remaining_unit, flat contacts, no sms_count)",
    )
    setting("--timezone", "the accounts' timezone: 'me' answers it, schedule_time is read in it")
    platform = parser.add_argument_group("reference platform behaviour (observed on version 3.8)")
    platform.add_argument(
        "--single-send-now",
        action="store_true",
        help="send a one-recipient sms/send at once even with a schedule_time",
    )
    platform.add_argument(
        "--first-campaign-uid",
        action="store_true",
        help="answer sms/campaign with the uid of the account's first campaign",
    )
    platform.add_argument(
        "--gateway-refuses",
        action="append",
        metavar="PREFIX",
        help="numbers starting with PREFIX are refused by the gateway (alone: 403 Failed; in a send to "
        "several: listed Failed, cost 0, with a uid), repeatable",
    )
    no_faults = Faults()
    faults = parser.add_argument_group("fault injection")
    faults.add_argument(
        "--rate-limit",
        type=int,
        metavar="N",
        help="requests per window and account (sliding window); beyond it 'Too Many Attempts.', "
        "the request not processed",
    )
    faults.add_argument(
        "--rate-limit-window",
        type=float,
        default=no_faults.rate_limit_window,
        metavar="SECONDS",
        help="length of the rate limit's window; shorter than the platform's minute to scale time "
        "down, e.g. --rate-limit 200 --rate-limit-window 12 (default %(default)s)",
    )
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
        "--latency-base",
        type=float,
        default=no_faults.latency_base,
        metavar="SECONDS",
        help="server time of every API request, spent after it took effect (the platform: about "
        "0.026; default %(default)s)",
    )
    faults.add_argument(
        "--latency-per-recipient",
        type=float,
        default=no_faults.latency_per_recipient,
        metavar="SECONDS",
        help="server time per recipient of an accepted sms/send, on top of --latency-base (the "
        "platform: about 0.0037, 0.4 s for 100; default %(default)s)",
    )
    faults.add_argument(
        "--html-errors", action="store_true", help="framework errors as HTML pages even to JSON clients"
    )
    faults.add_argument(
        "--contacts-sql-error",
        action="store_true",
        help="listing a non-empty group's contacts answers the platform's SQL error (Unknown column)",
    )
    faults.add_argument(
        "--delete-group-error",
        action="store_true",
        help="DELETE of a group under /api/http deletes it, then answers the platform's PHP error",
    )
    replies = parser.add_argument_group("replies")
    replies.add_argument(
        "--auto-reply",
        action="append",
        dest="auto_replies",
        type=_auto_reply,
        metavar="ENDING=TEXT",
        help="numbers ending with ENDING reply TEXT to every send, e.g. 1=YES (repeatable)",
    )
    setting("--auto-reply-delay", "time from a send to its automatic reply", type=float, metavar="SECONDS")
    tls = parser.add_argument_group("HTTPS")
    tls.add_argument(
        "--tls-cert",
        metavar="PEM",
        help="serve HTTPS with this certificate (chain) file; the ready line then says https://",
    )
    tls.add_argument(
        "--tls-key", metavar="PEM", help="private key of --tls-cert (default: the key is in that file)"
    )
    parser.add_argument("--quiet", action="store_true", help="no request log on stderr")
    return parser


def _auto_reply(value: str) -> tuple[str, str]:
    ending, _, text = value.partition("=")
    if not ending.strip().isdigit() or not text:
        raise argparse.ArgumentTypeError(
            f"expected ENDING=TEXT with a digit ending, e.g. 1=YES, got {value!r}"
        )
    return ending.strip(), text


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    """Turn parsed options into a config (raises ValueError for bad values)."""
    options = vars(args)
    settings: dict[str, Any] = {
        f.name: options[f.name] for f in fields(SandboxConfig) if f.name not in ("tokens", "faults")
    }
    if args.tokens:
        settings["tokens"] = tuple(args.tokens)
    settings["auto_replies"] = dict(args.auto_replies or ())
    settings["gateway_refuses"] = tuple(args.gateway_refuses or ())
    faults = Faults(**{name: options[name] for name in FAULT_NAMES})
    return SandboxConfig(**settings, faults=faults)


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
    except ValueError as exc:
        print(f"textiopro-sandbox: {exc}", file=sys.stderr)
        return 1
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
