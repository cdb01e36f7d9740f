"""Importing a DAG-facing module or the triggers must not import the hook, HTTP clients or phone data.

Each module is imported in a fresh interpreter that has already imported Airflow's own base
classes, as a DAG file has (or the triggerer, for the triggers); only what the module adds on
top counts (Airflow 2.11 itself imports ``requests``, Airflow 3 does not). The triggerer imports
a trigger's module in its event loop, so anything heavy there blocks every running trigger
("async thread was blocked"); the triggers load the hook in their polling thread instead.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.subprocess

DAG_FACING_MODULES = [
    "airflow_provider_textiopro.operators.messages",
    "airflow_provider_textiopro.operators.campaigns",
    "airflow_provider_textiopro.operators.contacts",
    "airflow_provider_textiopro.transfers.sql_to_textiopro",
    "airflow_provider_textiopro.sensors.textiopro",
    "airflow_provider_textiopro.notifications.textiopro",
]
NOT_AT_PARSE_TIME = (
    "requests",
    "phonenumbers",
    "aiohttp",
    "airflow_provider_textiopro.hooks.textiopro",
    "textiopro_sandbox",
)

NOT_IN_THE_EVENT_LOOP = (
    *NOT_AT_PARSE_TIME,
    "tenacity",
    "urllib3",
    "airflow_provider_textiopro.hooks._internal.retries",
    "airflow_provider_textiopro.utils.phone",
)
TRIGGERS_MODULE = "airflow_provider_textiopro.triggers.textiopro"

PROBE = """
import importlib, json, sys
from airflow.providers.common.compat.sdk import BaseNotifier, BaseOperator, BaseSensorOperator
from airflow.triggers.base import BaseTrigger, TriggerEvent

before = set(sys.modules)
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def modules_added_by(module: str) -> list[str]:
    """Import ``module`` in a fresh interpreter after Airflow's base classes; return the modules it added."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def heavy(modules: list[str], names: tuple[str, ...] = NOT_AT_PARSE_TIME) -> list[str]:
    """Return the ``names`` that ``modules`` hold (themselves or a submodule)."""
    return [name for name in names if any(m == name or m.startswith(f"{name}.") for m in modules)]


def test_the_probe_sees_a_heavy_import():
    assert "airflow_provider_textiopro.hooks.textiopro" in heavy(
        modules_added_by("airflow_provider_textiopro.hooks.textiopro")
    )


@pytest.mark.parametrize("module", DAG_FACING_MODULES)
def test_importing_a_dag_facing_module_stays_cheap(module):
    assert heavy(modules_added_by(module)) == []


def test_importing_the_triggers_in_the_triggerer_loads_nothing_that_blocks_its_event_loop():
    assert heavy(modules_added_by(TRIGGERS_MODULE), NOT_IN_THE_EVENT_LOOP) == []
