"""Stand-ins for Airflow 3.3's task state store and for Variables, and a task context that holds the store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest


class FakeTaskStateStore:
    """What one task instance keeps across its tries (``context["task_state_store"]``)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any, **kwargs: Any) -> None:
        if value is None:
            raise ValueError("Cannot set value as None")
        self.values[key] = value

    def delete(self, key: str) -> None:
        self.values.pop(key, None)


def make_context(try_number: int = 1, store: FakeTaskStateStore | None = None) -> dict[str, Any]:
    """Return the context of try ``try_number``: a mock task instance that pulls no XCom, and ``store``."""
    ti = mock.MagicMock(try_number=try_number)
    ti.xcom_pull.return_value = None
    return {"ti": ti, "task_state_store": store}


class FakeVariables:
    """Airflow's ``Variable`` (get, set, delete) over a dict: what the unit tests keep below Airflow 3.3."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get(self, key: str, default: Any = None, deserialize_json: bool = False) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any, description: str | None = None, serialize_json: bool = False) -> None:
        self.values[key] = value

    def delete(self, key: str) -> None:
        self.values.pop(key, None)


@pytest.fixture(autouse=True)
def variables() -> Iterator[FakeVariables]:
    """Airflow's Variables, where the sending operators keep their task state below Airflow 3.3, in memory.

    Autouse where a conftest imports it: those tests leave nothing in Airflow's database.
    """
    fake = FakeVariables()
    with mock.patch("airflow_provider_textiopro.utils.send_progress.Variable", fake):
        yield fake
