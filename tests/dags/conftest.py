"""Fixtures of the DAG-run tests: the parsed example DAGs and one shared run of each."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from example_runs import ExampleRuns, load_dag_bag, run_examples


@pytest.fixture(scope="session")
def dag_bag() -> Any:
    """The DAGs of example_dags/, parsed once."""
    return load_dag_bag()


@pytest.fixture(scope="session")
def example_runs(dag_bag: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExampleRuns]:
    """Every example DAG run once, in the demo's order, against a sandbox of their own.

    Shared by the tests of the example DAGs and of the demo's summary: the runs take most of
    those tests' time.
    """
    with run_examples(dag_bag, tmp_path_factory.mktemp("examples") / "warehouse.db") as runs:
        yield runs
