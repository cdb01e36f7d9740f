"""Modules moved before 1.0 keep their old import paths for a release, with a DeprecationWarning."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from airflow_provider_textiopro._moved_modules import MOVED_MODULES, new_name


@pytest.fixture
def forget(monkeypatch):
    """Drop an old path from sys.modules (restored afterwards), so that importing it runs again."""

    def drop(name: str) -> None:
        monkeypatch.delitem(sys.modules, name, raising=False)

    return drop


@pytest.mark.parametrize(("old", "new"), sorted(MOVED_MODULES.items()))
def test_an_old_path_warns_and_gives_the_module_at_its_new_place(forget, old, new):
    forget(old)

    with pytest.warns(DeprecationWarning, match=f"{old} moved to {new}"):
        module = importlib.import_module(old)

    assert module is importlib.import_module(new)


def test_names_import_from_an_old_path(forget):
    forget("airflow_provider_textiopro.errors")

    with pytest.warns(DeprecationWarning, match="moved to airflow_provider_textiopro.exceptions"):
        from airflow_provider_textiopro.errors import TextioProInputError

    from airflow_provider_textiopro.exceptions import TextioProInputError as moved

    assert TextioProInputError is moved


def test_sandbox_submodules_follow_the_sandbox(forget):
    forget("airflow_provider_textiopro.sandbox.config")

    with pytest.warns(DeprecationWarning, match="textiopro_sandbox.config"):
        from airflow_provider_textiopro.sandbox.config import SandboxConfig

    from textiopro_sandbox.config import SandboxConfig as moved

    assert SandboxConfig is moved


@pytest.mark.parametrize(
    "name", ["airflow_provider_textiopro.models", "airflow_provider_textiopro.hooks", "os"]
)
def test_modules_that_did_not_move_are_left_alone(name):
    assert new_name(name) is None


@pytest.mark.subprocess
def test_python_dash_m_on_the_old_sandbox_path_still_runs_it():
    result = subprocess.run(
        [sys.executable, "-W", "always", "-m", "airflow_provider_textiopro.sandbox", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout
    assert "moved to textiopro_sandbox" in result.stderr
