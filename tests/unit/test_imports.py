"""Importing the provider (what every DAG file does) must not pull in heavy or optional modules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import airflow_provider_textiopro

pytestmark = pytest.mark.subprocess

PACKAGE_DIR = Path(airflow_provider_textiopro.__file__).parent
FORBIDDEN = ("phonenumbers", "aiohttp", "textiopro_sandbox")

# Runs in a fresh interpreter: imports each module and reports, for every forbidden module that got
# imported, the provider source lines that led to it.
PROBE = """
import importlib, json, sys, traceback
modules, forbidden = json.loads(sys.argv[1])
culprits = {}

class Spy:
    def find_spec(self, name, path=None, target=None):
        if name not in culprits and any(name == f or name.startswith(f + ".") for f in forbidden):
            culprits[name] = [
                f"{frame.filename}:{frame.lineno}"
                for frame in traceback.extract_stack()
                if "airflow_provider_textiopro" in frame.filename
            ]
        return None

sys.meta_path.insert(0, Spy())
for module in modules:
    importlib.import_module(module)
print(json.dumps(culprits))
"""


def provider_modules() -> list[str]:
    """Return every module of the package except the sandbox, which only runs on demand."""
    modules = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        if "sandbox" in parts or parts[-1] == "__main__":
            continue
        modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def imported_forbidden(modules: list[str], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    """Import ``modules`` in a fresh interpreter; map each forbidden module it imported to its importers."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps([modules, forbidden])],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_probe_sees_a_forbidden_import():
    assert "phonenumbers" in imported_forbidden(
        ["airflow_provider_textiopro.utils.phone", "phonenumbers"], FORBIDDEN
    )


def test_provider_modules_include_everything_but_the_sandbox():
    modules = provider_modules()
    assert "airflow_provider_textiopro.get_provider_info" in modules
    assert not any("sandbox" in module for module in modules)


def test_importing_the_provider_does_not_import_heavy_modules():
    culprits = imported_forbidden(provider_modules(), FORBIDDEN)
    assert culprits == {}, "import these inside the functions that use them:\n" + json.dumps(
        culprits, indent=2
    )
