"""Fixtures shared by the unit tests."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> Callable[[], str]:
    """Return a function giving what was logged so far.

    Airflow 3 prints the logs of tasks, triggers and notifiers (structlog) while Airflow 2
    sends them to ``logging``: the text holds both.
    """
    caplog.set_level(logging.INFO)
    return lambda: caplog.text + capsys.readouterr().out
