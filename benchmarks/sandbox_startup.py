"""Print how long the sandbox takes from process start to its ready line, against a bare interpreter.

Usage: python benchmarks/sandbox_startup.py [--repeat N]

Each variant is a new process started with this interpreter; the time runs from just before
the process is started to the moment its first line reaches this script:

* baseline: ``python -c "print('ready')"``, the interpreter starting and printing a line;
* the sandbox's modules imported, then a line printed (what importing costs alone);
* the sandbox: ``python -m textiopro_sandbox --port 0 --quiet`` up to its
  ``TextioPro sandbox listening on ...`` line, then stopped with SIGTERM.

Times are the median of ``--repeat`` runs, the variants taking turns so that a change of the
machine's load hits them alike. ``PYTHONDONTWRITEBYTECODE`` is shown because without bytecode
caches every start compiles the package's source again.
"""

from __future__ import annotations

import argparse
import os
import selectors
import subprocess
import sys
import time

import _bench

READY_TIMEOUT = 15.0
SANDBOX_READY = "TextioPro sandbox listening on "

# (label, python arguments, start of the line that means ready)
VARIANTS = [
    ("baseline: python -c \"print('ready')\"", ["-c", "print('ready', flush=True)"], "ready"),
    (
        "import the sandbox, print a line",
        ["-c", "import textiopro_sandbox.__main__; print('ready', flush=True)"],
        "ready",
    ),
    (
        "sandbox: -m textiopro_sandbox --port 0 --quiet",
        ["-m", "textiopro_sandbox", "--port", "0", "--quiet"],
        SANDBOX_READY,
    ),
]


def seconds_to_ready(arguments: list[str], ready: str) -> float:
    """Start ``python arguments``; return the seconds until it prints a line starting with ``ready``."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *arguments], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=READY_TIMEOUT):
                raise RuntimeError(f"no line within {READY_TIMEOUT:.0f} s from {arguments}")
            line = process.stdout.readline()
        elapsed = time.perf_counter() - start
        if not line.startswith(ready):
            raise RuntimeError(f"{arguments} printed {line!r} (exit code {process.poll()}), not {ready!r}")
        return elapsed
    finally:
        process.terminate()
        process.wait(timeout=READY_TIMEOUT)
        process.stdout.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per variant (default 5)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    _bench.print_header(
        "sandbox_startup: from process start to the sandbox's ready line",
        {
            "repeat": args.repeat,
            "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE") or "unset",
        },
    )
    runs: dict[str, list[float]] = {label: [] for label, _, _ in VARIANTS}
    for _ in range(args.repeat):
        for label, arguments, ready in VARIANTS:
            runs[label].append(seconds_to_ready(arguments, ready))
    baseline = _bench.median_and_range(runs[VARIANTS[0][0]])[0]
    rows = []
    for label, seconds in runs.items():
        median, low, high = _bench.median_and_range(seconds)
        rows.append(
            [
                label,
                f"{median * 1000:.0f}",
                f"{low * 1000:.0f}-{high * 1000:.0f}",
                f"{(median - baseline) * 1000:+.0f}",
            ]
        )
    _bench.print_table(["variant", "median ms", "min-max ms", "vs baseline ms"], rows)


if __name__ == "__main__":
    main()
