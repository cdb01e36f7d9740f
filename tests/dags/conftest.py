"""Fixtures of the DAG-run tests: the parsed example DAGs and one shared run of each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.dags.example_runs import ExampleRuns, load_dag_bag, run_examples
from tests.dags.fresh_airflow import migrated_template


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


@pytest.fixture(scope="session")
def fresh_airflow_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An Airflow home with a newly migrated metadata database, copied for each fresh-database run.

    Created once per session: ``airflow db migrate`` takes half a minute.
    """
    return migrated_template(tmp_path_factory.mktemp("fresh-airflow") / "template")


@pytest.fixture(autouse=True)
def pacer_per_try(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give each task try its own request pacer, as a try in its own worker process has.

    ``dag.test()`` runs every try in this one process, while the tests move the sandbox's clock
    between tries: a pacer kept across tries would wait out, in real time, pauses the sandbox's
    clock has already passed.
    """
    from airflow_provider_textiopro.hooks import textiopro
    from airflow_provider_textiopro.hooks._internal.pacing import Pacer

    monkeypatch.setattr(textiopro, "pacer_for", lambda *args, **kwargs: Pacer())
