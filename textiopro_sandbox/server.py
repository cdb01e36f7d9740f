"""The socket side: a threading HTTP server on a background thread, and its Python API."""

from __future__ import annotations

import socket
import ssl
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TextIO

from textiopro_sandbox.config import SandboxConfig
from textiopro_sandbox.faults import Faults
from textiopro_sandbox.pipeline import LoggedRequest, Request, SandboxApp
from textiopro_sandbox.state import SandboxState


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "TextioProSandbox"
    sys_version = ""
    server: _HTTPServer

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length > 0 else b""
        request = Request(
            method=self.command,
            target=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            client=self.client_address[0],
        )
        response = self.server.app.handle(request)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-cache, private")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Leave request logging to the app, which redacts tokens."""

    def log_message(self, format: str, *args: Any) -> None:
        self.server.app.log(format % args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    """Connections waiting to be accepted: many clients may connect at once (the default is 5)."""

    def __init__(self, address: tuple[str, int], app: SandboxApp) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Cut kept-alive connections so no request is served after stop."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Complete the TLS handshake (on the request's thread, not the accept loop), then serve."""
        if isinstance(request, ssl.SSLSocket):
            try:
                request.do_handshake()
            except (ssl.SSLError, OSError) as exc:
                self.app.log(f"TLS handshake with {client_address[0]} failed: {exc}")
                return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def tls_context(config: SandboxConfig) -> ssl.SSLContext | None:
    """Return the server TLS context of ``config.tls_cert``/``tls_key``, or None to serve plain HTTP.

    :raises ValueError: a file is missing or is not a PEM certificate and its key.
    """
    if not config.tls_cert:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(config.tls_cert, config.tls_key)
    except (OSError, ssl.SSLError) as exc:
        key = f" and key {config.tls_key!r}" if config.tls_key else ""
        raise ValueError(f"cannot load the TLS certificate {config.tls_cert!r}{key}: {exc}") from None
    return context


class SandboxServer:
    """A local TextioPro server running on a background thread.

    :param config: the settings (default :class:`SandboxConfig`).
    :param log_stream: where the request log goes (default stderr).
    :param overrides: :class:`SandboxConfig` fields that replace those of ``config``.
    """

    def __init__(
        self, config: SandboxConfig | None = None, *, log_stream: TextIO | None = None, **overrides: Any
    ) -> None:
        base = config or SandboxConfig()
        self.config = replace(base, **overrides) if overrides else base
        self.app = SandboxApp(self.config, log_stream=log_stream)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SandboxServer:
        """Bind the port and serve on a daemon thread; return self."""
        if self._httpd is not None:
            raise RuntimeError("The sandbox is already running.")
        context = tls_context(self.config)
        self.app.stopping.clear()
        httpd = _HTTPServer((self.config.host, self.config.port), self.app)
        if context is not None:
            httpd.socket = context.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
        self._httpd = httpd
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="textiopro-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections and free the port (no-op when stopped)."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self.app.stopping.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True between start and stop."""
        return self._httpd is not None

    @property
    def port(self) -> int:
        """The bound port (the configured one before start)."""
        return self._httpd.server_address[1] if self._httpd is not None else self.config.port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8085`` (``https`` with TLS; use it as the connection's host)."""
        return f"{self.config.scheme}://{self.config.host or '127.0.0.1'}:{self.port}"

    @property
    def token(self) -> str:
        """The first accepted token."""
        return self.config.token

    @property
    def tokens(self) -> tuple[str, ...]:
        """All accepted tokens, one account each."""
        return self.config.tokens

    @property
    def state(self) -> SandboxState:
        """The in-memory data (hold ``state.lock`` while reading it)."""
        return self.app.state

    @property
    def requests(self) -> list[LoggedRequest]:
        """API requests served so far as ``(method, path, status)``, tokens redacted."""
        return self.app.requests

    @property
    def faults(self) -> Faults:
        """The faults in force."""
        return self.app.faults.faults

    @property
    def peak_overlap(self) -> int:
        """The most API requests that spent their latency at the same time since the log was cleared."""
        return self.app.latency.overlap()["peak"]

    def reset(self) -> None:
        """Forget all data, faults set since start, the request log and clock advances."""
        self.app.reset()

    def set_faults(self, **changes: Any) -> Faults:
        """Change fault settings (see :class:`Faults`); return them all."""
        return self.app.set_faults(**changes)

    def clear_faults(self) -> Faults:
        """Go back to the faults of the config."""
        return self.app.clear_faults()

    def clear_requests(self) -> None:
        """Forget the request log and the peak of overlapping requests."""
        self.app.clear_requests()

    def advance(self, seconds: float) -> float:
        """Move the sandbox clock forward (delays, schedules, rate-limit window); return the offset."""
        return self.app.clock.advance(seconds)


@contextmanager
def run_sandbox(
    config: SandboxConfig | None = None, *, log_stream: TextIO | None = None, **overrides: Any
) -> Iterator[SandboxServer]:
    """Run a sandbox for the duration of a ``with`` block; arguments as for :class:`SandboxServer`."""
    server = SandboxServer(config, log_stream=log_stream, **overrides).start()
    try:
        yield server
    finally:
        server.stop()
