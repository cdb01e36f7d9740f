"""The running sandbox as the deployment test sees it: its control endpoints, its messages, its sockets."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import requests
from deployment import DeploymentError

TCP_ESTABLISHED = "01"


class Sandbox:
    """The running sandbox: its control endpoints, and the messages its account holds."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.port = int(self.url.rsplit(":", 1)[1])

    def control(self, method: str, name: str, body: dict[str, Any] | None = None) -> Any:
        """Call ``/_sandbox/<name>``; return its data."""
        response = requests.request(method, f"{self.url}/_sandbox/{name}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()["data"]

    def sends(self) -> int:
        """Return how many send requests the request log holds."""
        return sum(
            r["method"] == "POST" and r["path"].endswith("/sms/send") for r in self.control("GET", "requests")
        )

    def texts(self) -> Counter[tuple[str, str]]:
        """Count the account's messages by (recipient, text)."""
        from airflow_provider_textiopro.hooks.textiopro import TextioProHook

        return Counter((message.to, message.message or "") for message in TextioProHook().list_messages())


def _digits(number: str) -> str:
    return "".join(c for c in number if c.isdigit())


def check_exactly_once(sandbox: Sandbox, recipients: Sequence[str], text: str) -> None:
    """Fail unless each recipient has exactly one message with ``text``; name at most 5 of each kind."""
    counts = sandbox.texts()
    wrong = {n: counts[(_digits(n), text)] for n in recipients if counts[(_digits(n), text)] != 1}
    if not wrong:
        return
    none = [n for n, count in wrong.items() if not count]
    more = {n: count for n, count in wrong.items() if count}
    raise DeploymentError(
        f"expected one message each with {text!r}: {len(none)} of {len(recipients)} got none"
        f"{f' (such as {none[:5]})' if none else ''}, {len(more)} got more than one"
        f"{f' (such as {dict(list(more.items())[:5])})' if more else ''}"
    )


class Socket(NamedTuple):
    """One TCP socket of a process, from ``/proc/net/tcp``."""

    state: str
    """The kernel's state code (``01`` established, ``08`` close-wait ...)."""
    unsent: int
    """Bytes written and not yet acknowledged by the other side."""
    unread: int
    """Bytes received and not yet read by the process."""


def sockets_to(pid: int, port: int) -> list[Socket]:
    """Return the TCP sockets that ``pid`` holds to ``port`` on loopback (none when it is gone)."""
    try:
        inodes = {
            link.removeprefix("socket:[").rstrip("]")
            for fd in Path(f"/proc/{pid}/fd").iterdir()
            if (link := _readlink(fd)).startswith("socket:[")
        }
    except OSError:
        return []
    found = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[9] in inodes:
                unsent, unread = (int(queue, 16) for queue in fields[4].split(":"))
                found.append(Socket(fields[3], unsent, unread))
    return found


def connected_to(pid: int, port: int) -> bool:
    """Return True when ``pid`` has an established TCP connection to ``port`` on loopback."""
    return any(socket.state == TCP_ESTABLISHED for socket in sockets_to(pid, port))


def _readlink(path: Path) -> str:
    try:
        return str(path.readlink())
    except OSError:
        return ""
