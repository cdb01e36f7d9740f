"""A stand-in for Airflow 3.3's task state store, shared by the unit and integration tests."""

from __future__ import annotations

from typing import Any


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
