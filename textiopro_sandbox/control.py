"""The ``/_sandbox/`` control endpoints that tests and benchmarks in other processes use."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from textiopro_sandbox.clock import Clock
from textiopro_sandbox.config import SandboxConfig
from textiopro_sandbox.faults import FaultInjector, Faults
from textiopro_sandbox.latency import Latency
from textiopro_sandbox.responses import Response, error_response, json_response, success
from textiopro_sandbox.state import SandboxState

PREFIX = "/_sandbox/"


class SandboxApp(Protocol):
    """What the control endpoints use of the running sandbox (``pipeline.SandboxApp``)."""

    config: SandboxConfig
    clock: Clock
    state: SandboxState
    faults: FaultInjector
    latency: Latency

    @property
    def requests(self) -> list[Any]: ...
    def clear_requests(self) -> None: ...
    def reset(self) -> None: ...
    def set_faults(self, **changes: Any) -> Faults: ...
    def clear_faults(self) -> Faults: ...


Action = Callable[[SandboxApp, dict[str, Any]], Any]


def _health(app: SandboxApp, body: dict[str, Any]) -> Any:
    return {"accounts": len(app.state.accounts), "seed": app.config.seed}


def _reset(app: SandboxApp, body: dict[str, Any]) -> Any:
    app.reset()


def _faults(app: SandboxApp, body: dict[str, Any]) -> Any:
    return app.faults.faults.to_dict()


def _set_faults(app: SandboxApp, body: dict[str, Any]) -> Any:
    return app.set_faults(**body).to_dict()


def _clear_faults(app: SandboxApp, body: dict[str, Any]) -> Any:
    return app.clear_faults().to_dict()


def _requests(app: SandboxApp, body: dict[str, Any]) -> Any:
    return [entry._asdict() for entry in app.requests]


def _clear_requests(app: SandboxApp, body: dict[str, Any]) -> Any:
    app.clear_requests()


def _latency(app: SandboxApp, body: dict[str, Any]) -> Any:
    return app.latency.overlap()


def _advance_clock(app: SandboxApp, body: dict[str, Any]) -> Any:
    seconds = body.get("advance", 0)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ValueError('Send {"advance": <seconds>}.')
    return {"offset": app.clock.advance(float(seconds))}


def _inbound(app: SandboxApp, body: dict[str, Any]) -> Any:
    """Store a reply as the platform's inbound webhook does.

    Body: ``{"from", "message"}``, optional ``account`` (a uid) and ``delay`` (seconds).
    """
    number = "".join(ch for ch in str(body.get("from") or "") if ch.isdigit())
    text = body.get("message")
    delay = body.get("delay", 0)
    if not number or not isinstance(text, str) or not text:
        raise ValueError(
            'Send {"from": "<number>", "message": "<text>"} (optional: "account": uid, "delay": s).'
        )
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
        raise ValueError('"delay" must be a number of seconds >= 0.')
    accounts = list(app.state.accounts.values())
    account = next((a for a in accounts if a.uid == body.get("account", accounts[0].uid)), None)
    if account is None:
        raise ValueError(f"Unknown account {body.get('account')!r}: see GET {PREFIX}accounts.")
    with app.state.lock:
        record = app.state.receive(account, number, text, at=app.clock.now() + float(delay))
    return {"uid": record.uid, "from": record.sender, "to": record.to, "message": record.text}


def _accounts(app: SandboxApp, body: dict[str, Any]) -> Any:
    return app.state.summary()


ACTIONS: dict[tuple[str, str], Action] = {
    ("GET", "health"): _health,
    ("POST", "reset"): _reset,
    ("GET", "faults"): _faults,
    ("POST", "faults"): _set_faults,
    ("DELETE", "faults"): _clear_faults,
    ("GET", "requests"): _requests,
    ("DELETE", "requests"): _clear_requests,
    ("GET", "latency"): _latency,
    ("POST", "clock"): _advance_clock,
    ("GET", "accounts"): _accounts,
    ("POST", "inbound"): _inbound,
}


def handle(app: SandboxApp, method: str, path: str, body: bytes) -> Response:
    """Run a control action; bad input answers 400, an unknown endpoint 404."""
    action = ACTIONS.get((method, path[len(PREFIX) :].strip("/")))
    if action is None:
        known = ", ".join(f"{m} {PREFIX}{name}" for m, name in ACTIONS)
        return error_response(f"Unknown control endpoint. Known: {known}", 404)
    try:
        payload = json.loads(body) if body.strip() else {}
        if not isinstance(payload, dict):
            raise ValueError("The body must be a JSON object.")
        data = action(app, payload)
    except (TypeError, ValueError) as exc:
        return error_response(str(exc), 400)
    return json_response(success(data))
