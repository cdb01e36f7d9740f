"""Shared parts of the benchmarks: environment, machine facts, tables, a local sandbox.

Importing this module sets defaults for ``AIRFLOW_HOME`` (``.airflow-home/benchmarks`` in the
repository), ``AIRFLOW__CORE__LOAD_EXAMPLES=False`` and ``AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING``
(the provider's per-call INFO lines would break up the tables), so import it before anything
imports Airflow.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
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


def machine_facts() -> str:
    """Return one line: Python, Airflow and provider versions, CPU count, OS."""
    import airflow

    import airflow_provider_textiopro

    return (
        f"python {platform.python_version()}, airflow {airflow.__version__}, "
        f"airflow-provider-textiopro {airflow_provider_textiopro.__version__}, "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}"
    )


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
def sandbox_connection(conn_id: str, **config: Any) -> Iterator[Any]:
    """Run a quiet in-process sandbox (no delays, unlimited balance) with ``conn_id`` pointing at it.

    :param conn_id: the Airflow connection id set in the environment (bearer style).
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
                "extra": {"auth_style": "bearer", "retry_wait_min": 0.01, "retry_wait_max": 0.1},
            }
        )
        try:
            yield server
        finally:
            os.environ.pop(variable, None)
