"""Test settings shared by every suite: an isolated Airflow home, the sandbox fixtures, log capture."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Set before anything imports airflow: importing airflow creates $AIRFLOW_HOME/logs.
os.environ.setdefault("AIRFLOW_HOME", str(ROOT / ".airflow-home" / "default"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(ROOT / "example_dags"))

pytest_plugins = ["tests.support.sandbox"]


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> Callable[[], str]:
    """Return a function giving what was logged so far.

    Airflow 3 prints the logs of tasks, triggers and notifiers (structlog) while Airflow 2
    sends them to ``logging``: the text holds both.
    """
    caplog.set_level(logging.INFO)
    return lambda: caplog.text + capsys.readouterr().out


@pytest.fixture(autouse=True)
def fresh_pacers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give each test its own request pacers: what one test's answers taught them must not pace the next."""
    from airflow_provider_textiopro.hooks._internal import pacing

    monkeypatch.setattr(pacing, "_PACERS", {})
