"""Helpers for the operators' integration tests."""

from __future__ import annotations

import re
from typing import Any
from unittest import mock

from textiopro_sandbox import SandboxServer

_CONTACT_WRITE = re.compile(r"/contacts/[0-9a-f]+/(store|update/[0-9a-f]+|delete/[0-9a-f]+)$")


def contact_writes(sandbox: SandboxServer) -> list[tuple[str, str]]:
    """Return the contact writes (store, update, delete) the sandbox has served, as (method, path)."""
    return [(r.method, r.path) for r in sandbox.requests if _CONTACT_WRITE.search(r.path.split("?")[0])]


def task_context(task: Any, **extra: Any) -> dict[str, Any]:
    """A minimal task context: the task, a mock task instance and mock outlet events."""
    return {"task": task, "ti": mock.MagicMock(try_number=1), "outlet_events": mock.MagicMock(), **extra}


def emitted_assets(context: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Return ``(asset uri, extra)`` of each asset attached to an alias outlet in ``context``."""
    adds = context["outlet_events"].__getitem__.return_value.add.call_args_list
    return [(call.args[0].uri, call.kwargs["extra"]) for call in adds]
