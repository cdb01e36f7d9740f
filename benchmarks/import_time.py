"""Print what importing each provider module costs on top of Airflow's own import.

Usage: python benchmarks/import_time.py [--repeat N]

The baseline is ``airflow.sdk`` (``airflow.models.baseoperator`` on Airflow 2), imported once. Each
provider module is then imported in a child forked from that state, so its number is what a DAG
file that already imports Airflow pays extra. The last row is the triggers module as the
triggerer imports it, in its event loop, after Airflow's trigger base class (its time blocks
every running trigger). Numbers are the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import time

import _bench

from airflow_provider_textiopro.get_provider_info import get_provider_info

BASELINES = ("airflow.sdk", "airflow.models.baseoperator")
TRIGGERS = "airflow_provider_textiopro.triggers.textiopro"
TRIGGERER_PRELOAD = "airflow.triggers.base"


def dag_facing_modules() -> list[str]:
    """Return the modules listed in the provider metadata, in the order a reader expects them."""
    info = get_provider_info()
    modules = [
        m
        for key in ("hooks", "operators", "sensors", "triggers")
        for e in info[key]
        for m in e["python-modules"]
    ]
    modules += [path.rpartition(".")[0] for path in (*info["notifications"], *info["extra-links"])]
    return list(dict.fromkeys(modules))


def import_baseline() -> tuple[str, float]:
    """Import the first available baseline module; return its name and the seconds it took."""
    for name in BASELINES:
        start = time.perf_counter()
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        return name, time.perf_counter() - start
    raise SystemExit(f"none of {BASELINES} can be imported: is Airflow installed?")


def time_in_child(module: str, preload: str | None = None) -> float:
    """Import ``module`` in a forked child (after ``preload``, not timed); return the seconds it took."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            if preload:
                importlib.import_module(preload)
            start = time.perf_counter()
            importlib.import_module(module)
            message = f"{time.perf_counter() - start}"
        except Exception as exc:
            message = f"error {type(exc).__name__}: {exc}"
        os.write(write_end, message.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        message = pipe.read()
    os.waitpid(pid, 0)
    if message.startswith("error"):
        raise RuntimeError(message.removeprefix("error "))
    return float(message)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per module (default 5)")
    args = parser.parse_args()

    baseline, baseline_seconds = import_baseline()
    _bench.print_header(
        "import_time: what importing each provider module adds to Airflow's own import",
        {"repeat": args.repeat, "baseline": baseline},
    )
    rows = [[f"{baseline} (baseline, imported once)", f"{baseline_seconds * 1000:.1f}"]]
    cases = [(module, module, None) for module in dag_facing_modules()]
    cases.append((f"{TRIGGERS} (in the triggerer)", TRIGGERS, TRIGGERER_PRELOAD))
    for label, module, preload in cases:
        try:
            runs = [time_in_child(module, preload) for _ in range(args.repeat)]
        except RuntimeError as exc:
            rows.append([label, f"failed: {exc}"])
            continue
        rows.append([label, f"{statistics.median(runs) * 1000:.1f}"])
    _bench.print_table(["module", "ms"], rows)


if __name__ == "__main__":
    main()
