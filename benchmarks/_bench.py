"""Shared parts of the benchmarks: environment, machine facts, tables, a local sandbox.

Importing this module sets defaults for ``AIRFLOW_HOME`` (``.airflow-home/benchmarks`` in the
repository), ``AIRFLOW__CORE__LOAD_EXAMPLES=False`` and ``AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING``
(the provider's per-call INFO lines would break up the tables), so import it before anything
imports Airflow.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

REPO_ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("AIRFLOW_HOME", str(REPO_ROOT / ".airflow-home" / "benchmarks"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")

T = TypeVar("T")

PLATFORM_LIMIT_PER_MINUTE = 1000
"""The account's limit on the reference platform (FIELD-NOTES)."""


def machine_facts() -> str:
    """Return one line: Python, Airflow and provider versions, CPU count, OS."""
    import airflow

    import airflow_provider_textiopro

    return (
        f"python {platform.python_version()}, airflow {airflow.__version__}, "
        f"airflow-provider-textiopro {airflow_provider_textiopro.__version__}, "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}"
    )


def commit() -> str:
    """Return the checked-out commit (short), with ``+changes`` when the tree has uncommitted changes."""

    def git(*words: str) -> str:
        result = subprocess.run(["git", *words], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        return result.stdout.strip()

    dirty = "+changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    return (git("rev-parse", "--short", "HEAD") or "unknown") + dirty


def print_header(title: str, parameters: dict[str, Any]) -> None:
    """Print the benchmark's title, its parameters and the machine facts."""
    print(title)
    print("parameters: " + ", ".join(f"{name}={value}" for name, value in parameters.items()))
    print(f"machine: {machine_facts()}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print()


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print rows under headers; the first column is left-aligned, the others right-aligned."""
    cells = [[str(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        rest = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        return "  ".join([row[0].ljust(widths[0]), *rest])

    print(line(cells[0]))
    print("  ".join("-" * width for width in widths))
    for row in cells[1:]:
        print(line(row))
    print()


def timed(function: Callable[[], T]) -> tuple[T, float]:
    """Call ``function``; return its result and the wall-clock seconds it took."""
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def median_and_range(values: Sequence[float]) -> tuple[float, float, float]:
    """Return (median, min, max)."""
    return statistics.median(values), min(values), max(values)


def execute(task: Any, context: dict[str, Any]) -> Any:
    """Run ``task.execute(context)`` without the guard that warns when it is called outside a task runner.

    Airflow wraps each operator's ``execute`` in a check that logs a warning for every direct
    call; the wrapped function is what the task runner ends up running.
    """
    function = type(task).execute
    return getattr(function, "__wrapped__", function)(task, context)


@contextmanager
def sandbox_connection(conn_id: str, *, window: float = 60.0, **config: Any) -> Iterator[Any]:
    """Run a quiet in-process sandbox (no delays, unlimited balance) with ``conn_id`` pointing at it.

    :param conn_id: the Airflow connection id set in the environment (bearer style).
    :param window: the seconds of the sandbox's rate-limit window, given to the hooks' pacer too.
    :param config: :class:`~textiopro_sandbox.SandboxConfig` fields to change.
    """
    from textiopro_sandbox import run_sandbox

    settings: dict[str, Any] = {
        "port": 0,
        "seed": 1,
        "delivery_delay": 0,
        "campaign_step_delay": 0,
        "balance": None,
        "quiet": True,
        **config,
    }
    variable = f"AIRFLOW_CONN_{conn_id.upper()}"
    with run_sandbox(**settings) as server:
        os.environ[variable] = json.dumps(
            {
                "conn_type": "textiopro",
                "host": server.url,
                "password": server.token,
                "extra": {
                    "auth_style": "bearer",
                    "retry_wait_min": 0.01,
                    "retry_wait_max": 0.1,
                    "rate_limit_window": window,
                },
            }
        )
        try:
            yield server
        finally:
            os.environ.pop(variable, None)


def add_pace_options(parser: argparse.ArgumentParser) -> None:
    """Add the sandbox's limit and latency options, set to the platform's (time scaled by 5)."""
    group = parser.add_argument_group("the sandbox's pace (the platform's limit and latency)")
    group.add_argument("--limit", type=int, default=200, help="requests per window and account (default 200)")
    group.add_argument(
        "--window",
        type=float,
        default=12.0,
        help="the limit's window in seconds (default 12: 1,000 a minute)",
    )
    group.add_argument(
        "--latency-base", type=float, default=0.026, help="server seconds per request (default 0.026)"
    )
    group.add_argument(
        "--latency-per-recipient",
        type=float,
        default=0.0037,
        help="server seconds per recipient of a send (default 0.0037: 0.4 s for 100)",
    )


def pace_faults(args: argparse.Namespace) -> Any:
    """Return the sandbox :class:`~textiopro_sandbox.Faults` of the pace options."""
    from textiopro_sandbox import Faults

    return Faults(
        rate_limit=args.limit,
        rate_limit_window=args.window,
        latency_base=args.latency_base,
        latency_per_recipient=args.latency_per_recipient,
    )


def pace_parameters(args: argparse.Namespace) -> dict[str, Any]:
    """Return the pace options for :func:`print_header`."""
    return {
        "limit": f"{args.limit} per {args.window:g} s ({args.limit * 60 / args.window:,.0f}/min)",
        "latency": f"{args.latency_base:g} s + {args.latency_per_recipient:g} s per recipient",
    }


def rate_bound(requests: int, args: argparse.Namespace) -> float:
    """Return the seconds ``requests`` take at the allowed rate: requests / (limit / window)."""
    return requests * args.window / args.limit


def send_requests(recipients: int, per_request: int = 100) -> int:
    """Return how many requests a send to ``recipients`` numbers needs."""
    return math.ceil(recipients / per_request)


CONCURRENCY_WORDS = ("concurren", "parallel", "workers", "in_flight")


def concurrency_knobs(*functions: Callable[..., Any]) -> list[str]:
    """Return the parameters of ``functions`` that look like a bound on concurrent requests."""
    return [
        name
        for function in functions
        for name in inspect.signature(function).parameters
        if any(word in name for word in CONCURRENCY_WORDS)
    ]


def knob_arguments(function: Callable[..., Any], value: int | None) -> dict[str, Any]:
    """Return ``{knob: value}`` for the concurrency knob ``function`` takes (nothing if none or no value)."""
    knobs = concurrency_knobs(function)
    return {knobs[0]: value} if knobs and value is not None else {}


def account_numbers(server: Any) -> list[str]:
    """Return the recipient of every message the sandbox's first account stored, in sending order."""
    with server.state.lock:
        account = next(iter(server.state.accounts.values()))
        return [m.to for m in sorted(account.messages.values(), key=lambda m: m.seq) if not m.inbound]


def refused_at_limit(server: Any) -> int:
    """Return how many API requests the sandbox refused at its limit (``Too Many Attempts.``)."""
    return server.app.faults.limited
