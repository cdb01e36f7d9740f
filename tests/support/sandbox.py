"""Pytest fixtures that run the TextioPro sandbox in-process (loaded by tests/conftest.py).

* ``sandbox`` (session): a running :class:`SandboxServer` on a free port with the token
  :data:`SANDBOX_TOKEN` (and :data:`OTHER_TOKEN`, a second account), seed 1234, 0.3 s
  delivery and campaign steps. Use ``.url``, ``.token``, ``.reset()``, ``.set_faults(...)``,
  ``.advance(seconds)``, ``.requests``.
* ``textiopro_conn`` (function): resets the sandbox, points ``AIRFLOW_CONN_TEXTIOPRO_DEFAULT``
  at it in bearer style, with :data:`SENDER_ID` as ``default_sender_id``, and returns
  ``"textiopro_default"``.
* ``textiopro_conn_api_token`` (function): the same in ``api_token`` style.
* ``platform_sandbox`` (session) and ``platform_conn`` (function): a second sandbox that
  behaves as the reference platform was seen to (account in ``Asia/Kolkata``, a scheduled
  one-recipient send goes out at once, ``sms/campaign`` answers the first campaign's uid,
  numbers starting with :data:`PLATFORM_REFUSED_PREFIX` refused by the gateway).

And helpers for the tests that use them: :func:`set_conn_extra`, :func:`post_statuses`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from textiopro_sandbox import SandboxServer, run_sandbox

SANDBOX_TOKEN = "1|sandbox-test-token"
OTHER_TOKEN = "2|sandbox-other-token"
CONN_ID = "textiopro_default"
SENDER_ID = "Sandbox"
PLATFORM_ZONE = "Asia/Kolkata"
PLATFORM_REFUSED_PREFIX = "3161299"


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """A sandbox server shared by the whole test session."""
    with run_sandbox(
        port=0,
        tokens=(SANDBOX_TOKEN, OTHER_TOKEN),
        seed=1234,
        delivery_delay=0.3,
        campaign_step_delay=0.3,
        quiet=True,
    ) as server:
        yield server


@pytest.fixture(scope="session")
def platform_sandbox() -> Iterator[SandboxServer]:
    """A sandbox with the reference platform's behaviour, shared by the whole test session."""
    with run_sandbox(
        port=0,
        tokens=(SANDBOX_TOKEN,),
        seed=1234,
        delivery_delay=0.3,
        campaign_step_delay=0.3,
        quiet=True,
        timezone=PLATFORM_ZONE,
        single_send_now=True,
        first_campaign_uid=True,
        gateway_refuses=(PLATFORM_REFUSED_PREFIX,),
    ) as server:
        yield server


def _use_sandbox(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, auth_style: str) -> str:
    sandbox.reset()
    connection = {
        "conn_type": "textiopro",
        "host": sandbox.url,
        "password": sandbox.token,
        "extra": {
            "auth_style": auth_style,
            "default_sender_id": SENDER_ID,
            "timeout": 10,
            "retry_wait_min": 0.01,
            "retry_wait_max": 0.1,
        },
    }
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps(connection))
    return CONN_ID


@pytest.fixture
def textiopro_conn(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """The default connection id, pointing at a freshly reset sandbox (bearer style)."""
    return _use_sandbox(sandbox, monkeypatch, "bearer")


@pytest.fixture
def slow_campaign_sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    """A sandbox of its own whose campaigns take 4.5 s, the default connection pointing at it."""
    with run_sandbox(
        port=0, tokens=(SANDBOX_TOKEN,), seed=1234, delivery_delay=0.3, campaign_step_delay=1.5, quiet=True
    ) as server:
        _use_sandbox(server, monkeypatch, "bearer")
        yield server


@pytest.fixture
def textiopro_conn_api_token(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """The default connection id, pointing at a freshly reset sandbox (api_token style)."""
    return _use_sandbox(sandbox, monkeypatch, "api_token")


@pytest.fixture
def platform_conn(platform_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """The default connection id, pointing at the freshly reset platform sandbox (bearer style)."""
    return _use_sandbox(platform_sandbox, monkeypatch, "bearer")


def set_conn_extra(monkeypatch: pytest.MonkeyPatch, conn_id: str, **extra: Any) -> None:
    """Add or change fields of the extra of a connection set in the environment as JSON."""
    name = f"AIRFLOW_CONN_{conn_id.upper()}"
    connection = json.loads(os.environ[name])
    connection["extra"].update(extra)
    monkeypatch.setenv(name, json.dumps(connection))


def post_statuses(sandbox: SandboxServer, endpoint: str) -> list[int]:
    """Return the HTTP statuses of the POST requests to ``endpoint`` the sandbox served, in order."""
    return [r.status for r in sandbox.requests if r.method == "POST" and r.path.endswith(endpoint)]
