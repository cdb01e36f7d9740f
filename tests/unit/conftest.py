"""Fixtures shared by the unit tests of the operators that write contacts or campaigns."""

from __future__ import annotations

from collections.abc import Iterator
from unittest import mock

import pytest
from contact_fakes import FakeTextioPro, group_of_three


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
