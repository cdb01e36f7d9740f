"""Print how close a bulk send comes to the account's rate bound, alone and from several processes at once.

Usage: python benchmarks/send_at_limit.py [--recipients N] [--processes N] [--max-concurrency N]
       [--limit N] [--window S] [--latency-base S] [--latency-per-recipient S]

Against an in-process sandbox on 127.0.0.1 that answers like the reference platform: a
per-account sliding-window limit (default 200 requests per 12 s, the platform's 1,000 a
minute with time scaled by 5) and the platform's server time (0.026 s a request plus
0.0037 s a recipient: 0.4 s for a send to 100). Balance unlimited, no delivery delays; the
sandbox is reset before each variant. Variants, each sending one plain SMS to N distinct
numbers (default 20,000, so 200 requests of 100):

* baseline: a sequential loop of ``TextioProHook.send_message`` calls of 100 numbers each;
* provider: one ``TextioProHook.send_message`` call with all N numbers;
* provider, P processes: ``--processes`` processes (default 4, ``spawn``) each send N/P
  distinct numbers through their own hook to the same account at once (released together
  once every process has imported the provider).

The bound is what the account allows: requests / (limit / window). ``vs bound`` is the wall
time over it (the issue's target is at most 1.25x). Duplicates and lost recipients are
counted from the sandbox's message store; ``refused`` are the requests the limit refused.
If the hook has a parameter that bounds concurrent requests (a name with "concurren",
"parallel", "workers" or "in_flight"), ``--max-concurrency`` is passed to it.
"""

from __future__ import annotations

import argparse
import multiprocessing
from collections import Counter
from collections.abc import Callable
from typing import Any

import _bench

from airflow_provider_textiopro.hooks.textiopro import TextioProHook

CONN_ID = "textiopro_benchmark"
MESSAGE = "Your parcel arrives today between 10:00 and 12:00."
SENDER_ID = "Parcels"
PER_REQUEST = 100


def numbers(count: int, start: int = 0) -> list[str]:
    """Return ``count`` distinct UK mobile numbers (+44 7700 1xxxxx on; ordinary sandbox behaviour)."""
    return [f"+447700{100000 + start + i:06d}" for i in range(count)]


def make_hook(max_concurrency: int | None) -> TextioProHook:
    """Return a hook on the benchmark's connection, with the concurrency knob if it has one."""
    return TextioProHook(CONN_ID, **_bench.knob_arguments(TextioProHook.__init__, max_concurrency))


def send_all(hook: TextioProHook, recipients: list[str], max_concurrency: int | None) -> int:
    """Send to every recipient in one ``send_message`` call; return how many were accepted."""
    knob = _bench.knob_arguments(TextioProHook.send_message, max_concurrency)
    return len(hook.send_message(recipients, MESSAGE, sender_id=SENDER_ID, **knob).accepted)


Variant = Callable[[list[str], "int | None"], tuple[int, float]]


def sequential_loop(recipients: list[str], max_concurrency: int | None) -> tuple[int, float]:
    """Baseline: one ``send_message`` call per 100 numbers, one after another; return (accepted, seconds)."""
    hook = make_hook(None)

    def loop() -> int:
        return sum(
            len(hook.send_message(recipients[i : i + PER_REQUEST], MESSAGE, sender_id=SENDER_ID).accepted)
            for i in range(0, len(recipients), PER_REQUEST)
        )

    return _bench.timed(loop)


def one_call(recipients: list[str], max_concurrency: int | None) -> tuple[int, float]:
    """The provider: all numbers in one ``send_message`` call; return (accepted, seconds)."""
    hook = make_hook(max_concurrency)
    return _bench.timed(lambda: send_all(hook, recipients, max_concurrency))


def _process(recipients: list[str], max_concurrency: int | None, ready: Any, go: Any, done: Any) -> None:
    """One sending process: build the hook, wait for the start, send, report the accepted count or error."""
    hook = make_hook(max_concurrency)
    hook.get_conn()
    ready.release()
    go.wait()
    try:
        done.put(send_all(hook, recipients, max_concurrency))
    except Exception as error:
        done.put(f"{type(error).__name__}: {error}")


def in_processes(count: int) -> Variant:
    """Return a variant that splits the numbers over ``count`` processes sending at once."""

    def variant(recipients: list[str], max_concurrency: int | None) -> tuple[int, float]:
        context = multiprocessing.get_context("spawn")
        ready, go, done = context.Semaphore(0), context.Event(), context.Queue()
        share = -(-len(recipients) // count)
        parts = [recipients[i : i + share] for i in range(0, len(recipients), share)]
        processes = [
            context.Process(target=_process, args=(part, max_concurrency, ready, go, done)) for part in parts
        ]
        for process in processes:
            process.start()
        for _ in processes:
            ready.acquire(timeout=300)
        go.set()
        results, elapsed = _bench.timed(lambda: [done.get(timeout=1800) for _ in processes])
        for process in processes:
            process.join(timeout=60)
        failures = [r for r in results if isinstance(r, str)]
        if failures:
            print(f"{len(failures)} process(es) failed, the first with {failures[0]}")
        return sum(r for r in results if isinstance(r, int)), elapsed

    return variant


def store_check(server: Any, recipients: list[str]) -> tuple[int, int]:
    """Return (duplicates, lost): numbers stored more than once, and numbers never stored."""
    stored = Counter(_bench.account_numbers(server))
    wanted = {number.lstrip("+") for number in recipients}
    return sum(n - 1 for n in stored.values() if n > 1), len(wanted - set(stored))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=20_000, help="numbers per variant (default 20000)")
    parser.add_argument("--processes", type=int, default=4, help="processes of the last variant (default 4)")
    parser.add_argument(
        "--max-concurrency", type=int, help="passed to the hook's concurrency knob, if it has one"
    )
    _bench.add_pace_options(parser)
    args = parser.parse_args()
    if args.recipients < 1 or args.processes < 1:
        parser.error("--recipients and --processes must be at least 1")
    knobs = _bench.concurrency_knobs(TextioProHook.__init__, TextioProHook.send_message)
    _bench.print_header(
        "send_at_limit: a bulk send against the account's rate bound (sandbox with the platform's pace)",
        {
            "recipients": args.recipients,
            "processes": args.processes,
            **_bench.pace_parameters(args),
            "hook concurrency knob": ", ".join(knobs) or "none (sends one request after another)",
            "max_concurrency": args.max_concurrency,
            "commit": _bench.commit(),
        },
    )
    recipients = numbers(args.recipients)
    requests_needed = _bench.send_requests(args.recipients)
    bound = _bench.rate_bound(requests_needed, args)
    variants: list[tuple[str, Variant]] = [
        ("baseline: loop of send_message calls of 100", sequential_loop),
        ("provider: one send_message call", one_call),
        (f"provider: {args.processes} processes, one call each", in_processes(args.processes)),
    ]
    rows = []
    with _bench.sandbox_connection(CONN_ID, window=args.window, faults=_bench.pace_faults(args)) as server:
        for label, variant in variants:
            server.reset()
            accepted, elapsed = variant(recipients, args.max_concurrency)
            duplicates, lost = store_check(server, recipients)
            rows.append(
                [
                    label,
                    len(server.requests),
                    _bench.refused_at_limit(server),
                    accepted,
                    duplicates,
                    lost,
                    f"{bound:.1f}",
                    f"{elapsed:.1f}",
                    f"{elapsed / bound:.2f}x",
                ]
            )
    _bench.print_table(
        ["variant", "requests", "refused", "accepted", "duplicates", "lost", "bound s", "wall s", "vs bound"],
        rows,
    )


if __name__ == "__main__":
    main()
