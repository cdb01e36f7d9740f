"""Which requests of the sandbox's log sent or wrote something (what a dry run must not do)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from textiopro_sandbox import SandboxServer
from textiopro_sandbox.api import is_write


@pytest.fixture
def fresh(sandbox: SandboxServer) -> Iterator[SandboxServer]:
    sandbox.reset()
    yield sandbox
    sandbox.reset()


def call(sandbox: SandboxServer, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    headers = {"Accept": "application/json"}
    if path.startswith("v3/"):
        headers["Authorization"] = f"Bearer {sandbox.token}"
    else:
        body = {**(body or {}), "api_token": sandbox.token}
    answer = requests.request(method, f"{sandbox.url}/api/{path}", json=body, headers=headers, timeout=10)
    return answer.json().get("data")


def test_the_request_log_tells_reads_from_writes(fresh: SandboxServer) -> None:
    group = call(fresh, "POST", "v3/contacts", {"name": "Customers"})["uid"]
    call(fresh, "POST", f"v3/contacts/{group}/store", {"PHONE": "31612345678", "STATUS": "unsubscribe"})
    call(fresh, "POST", f"v3/contacts/{group}/all")
    call(fresh, "GET", f"http/contacts/{group}/all")
    call(fresh, "GET", "v3/balance")
    call(fresh, "POST", "http/sms/send", {"recipient": "31612345679", "message": "Hi"})
    call(fresh, "GET", "v3/sms")
    call(fresh, "GET", "v3/nowhere")

    logged = [
        (request.method, request.path.split("?")[0], is_write(request.method, request.path))
        for request in fresh.requests
    ]

    assert logged == [
        ("POST", "/api/v3/contacts", True),
        ("POST", f"/api/v3/contacts/{group}/store", True),
        ("POST", f"/api/v3/contacts/{group}/all", False),
        ("GET", f"/api/http/contacts/{group}/all", False),
        ("GET", "/api/v3/balance", False),
        ("POST", "/api/http/sms/send", True),
        ("GET", "/api/v3/sms", False),
        ("GET", "/api/v3/nowhere", False),
    ]


@pytest.mark.parametrize(
    ("method", "path", "writes"),
    [
        ("GET", "/api/http/sms/send?recipient=31612345678&message=x&api_token=***", True),
        ("POST", "/api/v3/sms/campaign", True),
        ("PATCH", "/api/v3/contacts/6065ecdc9184a", True),
        ("DELETE", "/api/http/contacts/6065ecdc9184a/delete/6065ecdc9184b", True),
        ("PATCH", "/api/v3/contacts/6065ecdc9184a/update/6065ecdc9184b", True),
        ("POST", "/api/http/contacts/6065ecdc9184a/show", False),
        ("GET", "/api/v3/sms/6065ecdc9184a", False),
        ("GET", "/api/v3/campaign/6065ecdc9184a/view", False),
        ("GET", "/api/http/me?api_token=***", False),
        ("POST", "/api/v3/balance", False),
        ("GET", "/_sandbox/health", False),
    ],
)
def test_each_endpoint_is_a_read_or_a_write(method: str, path: str, writes: bool) -> None:
    assert is_write(method, path) is writes


def test_unsubscribed_contacts_are_listed_with_their_status(fresh: SandboxServer) -> None:
    group = call(fresh, "POST", "v3/contacts", {"name": "Customers"})["uid"]
    for index in range(30):
        status = "unsubscribe" if index % 7 == 0 else "subscribe"
        call(
            fresh, "POST", f"v3/contacts/{group}/store", {"PHONE": f"316123456{index:02d}", "STATUS": status}
        )

    pages = [call(fresh, "GET", f"http/contacts/{group}/all?page={page}")["data"] for page in (1, 2)]

    unsubscribed = {c["phone"] for page in pages for c in page if c["status"] == "unsubscribe"}
    assert unsubscribed == {31612345600 + index for index in (0, 7, 14, 21, 28)}
