"""The connection extra ``dry_run`` (hooks/_internal/settings.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.hooks._internal.settings import ConnectionSettings


def settings(**extra):
    conn = SimpleNamespace(conn_id="tp", extra_dejson=extra, password="t" * 20, host=None, port=None)
    return ConnectionSettings.from_connection(conn)


@pytest.mark.parametrize(
    ("value", "expected"), [(True, True), ("true", True), (" False ", False), (False, False)]
)
def test_dry_run_extra(value, expected):
    assert settings(dry_run=value).dry_run is expected


def test_dry_run_is_off_by_default():
    assert settings().dry_run is False


def test_a_dry_run_extra_that_is_not_true_or_false_is_refused():
    with pytest.raises(TextioProInputError, match="extra 'dry_run' must be true or false"):
        settings(dry_run="yes please")
