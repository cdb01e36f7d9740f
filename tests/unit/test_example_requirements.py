"""The example DAGs' requirements: declared as the ``examples`` extra, and said where users look."""

from __future__ import annotations

import re
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
EXTRAS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
# The Airflow provider distribution that registers each connection type the examples use.
CONN_TYPE_PROVIDERS = {"sqlite": "apache-airflow-providers-sqlite"}
INSTALL = 'pip install ".[examples]"'  # from a checkout, until 0.1.0 is published


def requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0] for requirement in requirements}


def example_conn_types() -> set[str]:
    found = set()
    for path in (ROOT / "example_dags").glob("*.py"):
        found |= set(re.findall(r'"conn_type":\s*"(\w+)"', path.read_text()))
    return found


def test_the_examples_extra_has_the_provider_of_every_connection_type_the_examples_use():
    assert example_conn_types() == {"sqlite"}
    names = requirement_names(EXTRAS["examples"])
    assert {CONN_TYPE_PROVIDERS[conn_type] for conn_type in example_conn_types()} <= names
    assert "apache-airflow-providers-common-sql" in names  # SqlToTextioProContactsOperator


def test_the_install_line_is_where_users_look_first():
    for page in (
        ROOT / "README.md",
        ROOT / "docs" / "examples.md",
        ROOT / "example_dags" / "example_textiopro_warehouse_sync.py",
    ):
        assert INSTALL in page.read_text(), page.name
