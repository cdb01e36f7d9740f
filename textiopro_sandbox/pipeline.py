"""From a request to an answer: control endpoints, dashboard pages, faults, routing, authentication, logging.

Knows nothing about sockets: :mod:`~textiopro_sandbox.server` feeds it.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TextIO
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

from textiopro_sandbox import api, control, dashboard
from textiopro_sandbox.clock import Clock
from textiopro_sandbox.config import SandboxConfig
from textiopro_sandbox.errors import (
    ApiError,
    bad_api_token,
    route_not_found,
    server_error,
    unauthenticated,
)
from textiopro_sandbox.faults import FaultInjector, Faults
from textiopro_sandbox.latency import Latency
from textiopro_sandbox.responses import (
    HTML_TYPE,
    Response,
    error_response,
    html_page,
    json_response,
)
from textiopro_sandbox.state import Account, SandboxState

STYLE_PREFIXES = (("v3", "/api/v3/"), ("http", "/api/http/"))
REQUEST_LOG_SIZE = 10_000
_API_TOKEN_PARAM = re.compile(r"(?i)(api_token=)[^&#\s]*")


@dataclass(frozen=True)
class Request:
    """An HTTP request; header names are lower case."""

    method: str
    target: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    client: str = "-"


class LoggedRequest(NamedTuple):
    """One API request in the log; ``path`` keeps the query string with ``api_token`` redacted."""

    method: str
    path: str
    status: int


class SandboxApp:
    """The sandbox's behaviour behind the socket: state, faults, clock and request log.

    :param config: the settings.
    :param log_stream: where the request log goes (default stderr; nothing when quiet).
    """

    def __init__(self, config: SandboxConfig, *, log_stream: TextIO | None = None) -> None:
        self.config = config
        self.clock = Clock()
        self.state = SandboxState(config, self.clock)
        self.faults = FaultInjector(config.faults, self.clock)
        self.stopping = threading.Event()
        self.latency = Latency(self.stopping)
        self._log_stream = log_stream
        self._requests: deque[LoggedRequest] = deque(maxlen=REQUEST_LOG_SIZE)
        self._requests_lock = threading.Lock()

    # Python API used by the server object and the control endpoints

    @property
    def requests(self) -> list[LoggedRequest]:
        """API requests served so far (control endpoints excluded), oldest first."""
        with self._requests_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the request log and the peak of overlapping requests."""
        with self._requests_lock:
            self._requests.clear()
        self.latency.clear()

    def reset(self) -> None:
        """Back to the start: clock, accounts, faults from the config, empty request log."""
        self.clock.reset()
        self.state.reset()
        self.faults.reset(self.config.faults)
        self.clear_requests()

    def set_faults(self, **changes: Any) -> Faults:
        """Change some fault settings; return them all."""
        return self.faults.update(**changes)

    def clear_faults(self) -> Faults:
        """Go back to the faults of the config."""
        self.faults.reset(self.config.faults)
        return self.faults.faults

    def redact(self, text: str) -> str:
        """Hide ``api_token`` values and every known token in ``text``."""
        text = _API_TOKEN_PARAM.sub(r"\1***", text)
        for token in self.config.tokens:
            for form in {token, quote(token, safe=""), quote_plus(token)}:
                text = text.replace(form, "***")
        return text

    def log(self, line: str, *, even_if_quiet: bool = False) -> None:
        """Write redacted text to the log stream (unless quiet, for request lines)."""
        if self.config.quiet and not even_if_quiet:
            return
        stream = self._log_stream or sys.stderr
        stream.write(f"[textiopro-sandbox] {self.redact(line)}\n")
        stream.flush()

    # Request handling

    def handle(self, request: Request) -> Response:
        """Answer one request."""
        started = time.perf_counter()
        split = urlsplit(request.target)
        if split.path.startswith(control.PREFIX):
            response = control.handle(self, request.method, split.path, request.body)
        elif (dashboard_page := dashboard.match(request.method, split.path)) is not None:
            with self.state.lock:
                response = dashboard.page(self.state, *dashboard_page)
        else:
            response = self._api(request, split.path, split.query)
            entry = LoggedRequest(request.method, self.redact(request.target), response.status)
            with self._requests_lock:
                self._requests.append(entry)
        elapsed = (time.perf_counter() - started) * 1000
        line = f"{request.method} {request.target} -> {response.status} ({elapsed:.1f} ms)"
        self.log(f"{request.client} {line}")
        return response

    def _api(self, request: Request, path: str, query: str) -> Response:
        wants_json = "json" in request.headers.get("accept", "").lower()
        base = f"{self.config.scheme}://{request.headers.get('host') or self.config.host}"
        started = time.monotonic()
        headers: dict[str, str] = {}
        try:
            style, relative = _style(path)
            slow = self.faults.faults.slow
            if slow:
                self.stopping.wait(slow)
                started = time.monotonic()
            self.faults.take_5xx("before")
            route, args = api.resolve(style, request.method, relative, path)
            params = _params(query, request)
            account = self._authenticate(style, request.headers, params)
            headers = self.faults.throttle(account.uid)
            call = api.Call(self.state, account, params, args, base + path, style, self.faults.faults)
            with self.state.lock:
                payload = route.handler(call)
            self.latency.spend(started, self.faults.faults.latency(api.recipients_sent(route, params)))
            self.faults.take_5xx("after")
            return json_response(payload, headers=headers)
        except ApiError as error:
            self.latency.spend(started, self.faults.faults.latency(0))
            return self._error(error, wants_json, base, headers)
        except Exception:
            self.log(traceback.format_exc().rstrip(), even_if_quiet=True)
            return self._error(server_error(), wants_json, base, headers)

    def _authenticate(self, style: str, headers: Mapping[str, str], params: Mapping[str, Any]) -> Account:
        accounts = self.state.accounts
        if style == "v3":
            scheme, _, bearer = headers.get("authorization", "").partition(" ")
            account = accounts.get(bearer.strip()) if scheme.lower() == "bearer" else None
            if account is None:
                raise unauthenticated()
            return account
        api_token = params.get("api_token")
        account = accounts.get(api_token) if isinstance(api_token, str) else None
        if account is None:
            raise bad_api_token()
        return account

    def _error(self, error: ApiError, wants_json: bool, base: str, counted: Mapping[str, str]) -> Response:
        """Answer ``error``; ``counted``: the rate-limit headers of a request the limit counted.

        Laravel's throttle middleware adds them to whatever the route answered, errors included.
        """
        headers = {**counted, **error.headers}
        if error.login_redirect and not wants_json:
            return Response(302, b"", HTML_TYPE, {**headers, "Location": f"{base}/login"})
        if error.page_status is not None and (not wants_json or self.faults.faults.html_errors):
            return html_page(error.page_status, headers)
        return error_response(error.message, error.status, headers)


def _style(path: str) -> tuple[str, str]:
    for style, prefix in STYLE_PREFIXES:
        if path.startswith(prefix):
            return style, path[len(prefix) :].strip("/")
    raise route_not_found(path)


def _params(query: str, request: Request) -> dict[str, Any]:
    """Query string and body merged, the body winning (Laravel's ``$request->all()``)."""
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if not request.body.strip():
        return params
    body: Any
    if "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
        parsed = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        body = {k: v[-1] for k, v in parsed.items()}
    else:
        try:
            body = json.loads(request.body)
        except ValueError:
            body = None
    if isinstance(body, dict):
        params.update(body)
    return params
