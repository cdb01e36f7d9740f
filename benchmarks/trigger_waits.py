"""Print how 1,000 deferred message waits behave in one triggerer-like event loop: longest block, memory.

Usage: python benchmarks/trigger_waits.py [--triggers N] [--duration S] [--baseline-duration S]
       [--poll-interval S] [--delivery-delay S] [--limit N] [--window S] [--latency-base S]
       [--latency-per-recipient S]

An in-process sandbox on 127.0.0.1 with the platform's pace (by default 200 requests per
12 s, 0.026 s a request) holds N messages (default 1,000, sent through the hook first) that
stay ``Enroute`` for ``--delivery-delay`` seconds. A child process (``spawn``), standing for
one triggerer, then runs N ``TextioProMessageTrigger`` waits (one message each, kwargs as
``serialize()`` gives them, ``--poll-interval``) as tasks of one asyncio event loop for at
most ``--duration`` seconds. Each kind of run happens three times, in a fresh child each:

* ``plain``, as the triggerer runs its loop: the longest event-loop block, measured by a probe
  task that sleeps 10 ms again and again and records how late it wakes;
* ``debug``, in asyncio's debug mode with ``slow_callback_duration=0.1`` (Airflow's measure:
  the triggerer's "async thread was blocked" warning says to set ``PYTHONASYNCIODEBUG=1``):
  the callbacks that ran over 0.1 s (debug mode slows every step, so its probe lags more);
* ``traced``, under ``tracemalloc``: memory per wait, the traced memory at the end over that
  before the waits were built (the hook and trigger modules are imported before), divided by
  N, and the peak (tracemalloc slows Python down too).

``start s`` is how long building and starting every wait took (the first second, not part of
the block and callback figures); ``ended in the run`` how many waits ended (by status) within
the duration; ``requests`` what they asked the sandbox (refused ones included).

Baseline, in the same kind of child: N plain tasks that each ``asyncio.sleep(poll_interval)``
in a loop (``--baseline-duration``): the loop's own lag and the memory of a bare task. The
child is ended once it has reported (polls still waiting out a rate limit in their threads
would keep it alive).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import re
import time
import tracemalloc
from collections import Counter
from typing import Any

import _bench

CONN_ID = "textiopro_benchmark"
PROBE_INTERVAL = 0.01
SETTLE = 1.0
SLOW_CALLBACK = 0.1
_TOOK = re.compile(r"took (\d+\.\d+) seconds")


class _SlowCallbacks(logging.Handler):
    """Collect the durations asyncio's debug mode logs for callbacks over ``slow_callback_duration``."""

    def __init__(self) -> None:
        super().__init__()
        self.durations: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        found = _TOOK.search(record.getMessage())
        if found:
            self.durations.append(float(found.group(1)))


async def _probe(stop: asyncio.Event, lags: list[float]) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        started = loop.time()
        await asyncio.sleep(PROBE_INTERVAL)
        lags.append(loop.time() - started - PROBE_INTERVAL)


async def _first_event(trigger: Any) -> str:
    async for event in trigger.run():
        return str(event.payload["status"])
    return "no event"


async def _idle(poll_interval: float) -> str:
    while True:
        await asyncio.sleep(poll_interval)


def _build(kind: str, uids: list[str], poll_interval: float, end_time: float) -> list[Any]:
    """Return the coroutines of the waits: triggers rebuilt from ``serialize()``, or idle loops."""
    if kind == "idle":
        return [_idle(poll_interval) for _ in uids]
    from airflow_provider_textiopro.triggers.textiopro import TextioProMessageTrigger

    waits = []
    for uid in uids:
        made = TextioProMessageTrigger(
            message_uids=[uid], conn_id=CONN_ID, poll_interval=poll_interval, end_time=end_time
        )
        _, kwargs = made.serialize()
        waits.append(_first_event(TextioProMessageTrigger(**kwargs)))
    return waits


MODES = ("plain", "debug", "traced")
"""How a child runs its loop: as the triggerer does, in asyncio's debug mode, or under tracemalloc."""


async def _run(
    kind: str, uids: list[str], args: argparse.Namespace, mode: str, slow: _SlowCallbacks
) -> dict[str, Any]:
    before = tracemalloc.get_traced_memory()[0] if mode == "traced" else 0
    loop = asyncio.get_running_loop()
    started = loop.time()
    coroutines = _build(kind, uids, args.poll_interval, time.time() + args.duration + 60)
    tasks = [asyncio.create_task(coroutine) for coroutine in coroutines]
    duration = args.duration if kind == "trigger" else args.baseline_duration
    await asyncio.sleep(SETTLE)  # every wait takes its first step: the start, measured apart
    start = loop.time() - started - SETTLE
    slow.durations.clear()
    stop, lags = asyncio.Event(), [0.0]
    probe = asyncio.create_task(_probe(stop, lags))
    done, pending = await asyncio.wait(tasks, timeout=duration - SETTLE)
    memory = None
    if mode == "traced":
        memory = (tracemalloc.get_traced_memory()[0] - before, tracemalloc.get_traced_memory()[1])
    stop.set()
    await probe
    for task in pending:
        task.cancel()
    ended = Counter(task.result() for task in done if not task.cancelled() and task.exception() is None)
    return {"ended": dict(ended), "start": start, "lag": max(lags), "memory": memory}


def _child(kind: str, uids: list[str], args: argparse.Namespace, mode: str, out: Any) -> None:
    """One triggerer: run the waits in one event loop and put what was measured on ``out``."""
    # Loaded once per triggerer, before any trigger: not part of the memory per trigger.
    import airflow_provider_textiopro.hooks.textiopro
    import airflow_provider_textiopro.triggers.textiopro  # noqa: F401

    slow = _SlowCallbacks()
    logging.getLogger("asyncio").addHandler(slow)
    if mode == "traced":
        tracemalloc.start()
    loop = asyncio.new_event_loop()
    if mode == "debug":
        loop.set_debug(True)
        loop.slow_callback_duration = SLOW_CALLBACK
    result = loop.run_until_complete(_run(kind, uids, args, mode, slow))
    result["slow_callbacks"] = list(slow.durations) if mode == "debug" else None
    out.put(result)


def in_child(kind: str, uids: list[str], args: argparse.Namespace, mode: str) -> dict[str, Any]:
    """Run one measurement in a fresh process; end it once it has reported."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=_child, args=(kind, uids, args, mode, out))
    process.start()
    try:
        return dict(out.get(timeout=args.duration + 300))
    finally:
        process.terminate()
        process.join(timeout=30)


def send_messages(count: int) -> list[str]:
    """Send one message to each of ``count`` numbers through the hook; return their uids."""
    from airflow_provider_textiopro.hooks.textiopro import TextioProHook

    recipients = [f"+447700{100000 + i:06d}" for i in range(count)]
    result = TextioProHook(CONN_ID).send_message(recipients, "Your code is 1234", sender_id="Codes")
    return [outcome.uid for outcome in result.accepted if outcome.uid]


def row(label: str, measured: dict[str, Any], requests_made: int | str, count: int) -> list[Any]:
    """Return a table row of one measurement."""
    slow, memory = measured["slow_callbacks"], measured["memory"]
    ended = ", ".join(f"{n} {status}" for status, n in sorted(measured["ended"].items())) or "none"
    over = "-" if slow is None else (f"{len(slow)} (max {max(slow):.2f} s)" if slow else "0")
    return [
        label,
        ended,
        requests_made,
        f"{measured['start']:.2f}",
        f"{measured['lag'] * 1000:.0f}",
        over,
        "-" if memory is None else f"{memory[0] / count / 1024:.1f}",
        "-" if memory is None else f"{memory[1] / 2**20:.1f}",
    ]


LABELS = {"idle": "baseline: idle tasks", "trigger": "provider: TextioProMessageTrigger"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--triggers", type=int, default=1000, help="message waits (default 1000)")
    parser.add_argument(
        "--duration", type=float, default=60.0, help="seconds each run lasts at most (default 60)"
    )
    parser.add_argument(
        "--baseline-duration", type=float, default=15.0, help="seconds each baseline run lasts (default 15)"
    )
    parser.add_argument("--poll-interval", type=float, default=5.0, help="the triggers' (default 5)")
    parser.add_argument(
        "--delivery-delay", type=float, default=10.0, help="seconds a message stays Enroute (default 10)"
    )
    _bench.add_pace_options(parser)
    args = parser.parse_args()
    if args.triggers < 1 or min(args.duration, args.baseline_duration) <= SETTLE:
        parser.error(f"--triggers must be at least 1, the durations above {SETTLE:g} s")
    _bench.print_header(
        "trigger_waits: message waits in one event loop against the sandbox with the platform's pace",
        {
            "triggers": args.triggers,
            "duration": f"{args.duration:g} s",
            "poll_interval": f"{args.poll_interval:g} s",
            "delivery_delay": f"{args.delivery_delay:g} s",
            **_bench.pace_parameters(args),
            "commit": _bench.commit(),
        },
    )
    rows = []
    settings = {"faults": _bench.pace_faults(args), "delivery_delay": args.delivery_delay}
    with _bench.sandbox_connection(CONN_ID, window=args.window, **settings) as server:
        for kind, mode in [(kind, mode) for kind in ("idle", "trigger") for mode in MODES]:
            server.reset()
            uids = send_messages(args.triggers) if kind == "trigger" else [""] * args.triggers
            server.clear_faults()
            server.clear_requests()
            measured = in_child(kind, uids, args, mode)
            made = len(server.requests) if kind == "trigger" else "-"
            rows.append(row(f"{LABELS[kind]}, {mode}", measured, made, args.triggers))
    _bench.print_table(
        [
            "variant",
            "ended in the run",
            "requests",
            "start s",
            "longest block ms",
            f"callbacks over {SLOW_CALLBACK} s",
            "KiB per wait",
            "peak MiB",
        ],
        rows,
    )
    print(f"Bound: no block over {SLOW_CALLBACK} s (the triggerer's warning); memory bounded per trigger.")


if __name__ == "__main__":
    main()
