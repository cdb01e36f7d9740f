"""Fixtures shared by the unit tests of the operators, sensors and their contacts and campaigns."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from types import ModuleType
from unittest import mock

import pytest

from tests.support.contact_fakes import FakeTextioPro, group_of_three
from tests.support.task_state import variables  # noqa: F401  (autouse: task state Variables in memory)


@pytest.fixture
def server() -> Iterator[FakeTextioPro]:
    """Ann, Bob and Cy's group, behind every hook the operators create."""
    fake = group_of_three()
    with mock.patch("airflow_provider_textiopro.hooks.textiopro.TextioProHook", side_effect=fake.hook_class):
        yield fake


@pytest.fixture
def emitted() -> Iterator[mock.MagicMock]:
    """The ``emit_asset_event`` the contact and campaign operators call, mocked."""
    emit = mock.MagicMock(name="emit_asset_event")
    with (
        mock.patch("airflow_provider_textiopro.operators.contacts.emit_asset_event", emit),
        mock.patch("airflow_provider_textiopro.operators.campaigns.emit_asset_event", emit),
    ):
        yield emit


@pytest.fixture
def fresh_import(monkeypatch) -> Callable[[str, str], ModuleType]:
    """Import a fresh copy of a module with ``[operators] default_deferrable`` set.

    The default of ``deferrable`` is read when the module is imported, as in Airflow's own
    operators. The copy stays out of ``sys.modules``: the classes other tests use are untouched.
    """

    def load(module_name: str, default_deferrable: str) -> ModuleType:
        monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", default_deferrable)
        spec = importlib.util.find_spec(module_name)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
