"""The sandbox's pace over a real socket: the account's sliding-window limit and the server's latency."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from tests.sandbox.test_sandbox import Client, control
from tests.support.sandbox import OTHER_TOKEN, SANDBOX_TOKEN
from textiopro_sandbox import Faults, SandboxServer, run_sandbox
from textiopro_sandbox.__main__ import build_parser, config_from_args, main

pytestmark = pytest.mark.integration

LIMITED = {"status": "error", "message": "Too Many Attempts."}
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "Retry-After")


def numbers(count: int, start: int = 0) -> str:
    """Return ``count`` distinct valid UK mobile numbers, comma separated."""
    return ",".join(f"4477009{10000 + start + i:05d}" for i in range(count))


@pytest.fixture
def limited() -> Iterator[SandboxServer]:
    """A sandbox allowing 5 requests a minute per account, with two accounts."""
    with run_sandbox(
        port=0, tokens=(SANDBOX_TOKEN, OTHER_TOKEN), seed=3, quiet=True, faults=Faults(rate_limit=5)
    ) as server:
        yield server


@pytest.fixture
def shared(sandbox: SandboxServer) -> Iterator[SandboxServer]:
    """The session's sandbox, reset before and after the test."""
    sandbox.reset()
    yield sandbox
    sandbox.reset()


def messages_of(sandbox: SandboxServer, token: str = SANDBOX_TOKEN) -> int:
    with sandbox.state.lock:
        return len(sandbox.state.accounts[token].messages)


def balance_of(sandbox: SandboxServer, token: str = SANDBOX_TOKEN) -> Decimal | None:
    with sandbox.state.lock:
        return sandbox.state.accounts[token].balance


def at_once(count: int, call: Callable[[int], requests.Response]) -> list[requests.Response]:
    """Make ``count`` calls from as many threads released together; return the answers in order."""
    barrier = threading.Barrier(count)
    answers: list[Any] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        answers[index] = call(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


# The account's limit


def test_one_request_over_the_limit_is_refused_as_the_platform_does_and_not_processed(
    limited: SandboxServer,
) -> None:
    client = Client(limited.url, SANDBOX_TOKEN, "bearer")
    remaining = []
    for index in range(5):
        answer = client.call("POST", "sms/send", {"recipient": numbers(1, index), "message": "Hi"})
        assert answer.json()["status"] == "success"
        assert answer.headers["X-RateLimit-Limit"] == "5"
        remaining.append(answer.headers["X-RateLimit-Remaining"])
    assert remaining == ["4", "3", "2", "1", "0"]
    balance = balance_of(limited)

    refused = client.call("POST", "sms/send", {"recipient": numbers(1, 9), "message": "Hi"})

    assert (refused.status_code, refused.json()) == (200, LIMITED)
    assert not [name for name in RATE_HEADERS if name in refused.headers]
    assert messages_of(limited) == 5
    assert balance_of(limited) == balance


def test_the_window_slides_rather_than_restarting(limited: SandboxServer) -> None:
    client = Client(limited.url, SANDBOX_TOKEN, "bearer")
    for _ in range(3):
        client.data("GET", "me")
    limited.advance(30)
    for _ in range(2):
        client.data("GET", "me")
    assert client.call("GET", "me").json() == LIMITED

    limited.advance(31)  # the first 3 left the window, the 2 of t=30 are still in it

    assert client.call("GET", "me").headers["X-RateLimit-Remaining"] == "2"
    assert client.call("GET", "balance").headers["X-RateLimit-Remaining"] == "1"


def test_the_limit_counts_per_account_across_both_auth_styles(limited: SandboxServer) -> None:
    bearer = Client(limited.url, SANDBOX_TOKEN, "bearer")
    http = Client(limited.url, SANDBOX_TOKEN, "api_token")
    other = Client(limited.url, OTHER_TOKEN, "bearer")
    for client in (bearer, http, bearer, http):
        client.data("GET", "me")
    assert http.call("GET", "balance").headers["X-RateLimit-Remaining"] == "0"
    assert bearer.call("GET", "me").json() == LIMITED
    assert http.call("GET", "me").json() == LIMITED
    assert other.call("GET", "me").headers["X-RateLimit-Remaining"] == "4"


def test_a_scaled_window_lets_requests_in_again_once_it_has_passed(limited: SandboxServer) -> None:
    faults = limited.set_faults(rate_limit=2, rate_limit_window=12)
    assert (faults.rate_limit, faults.rate_limit_window) == (2, 12)
    client = Client(limited.url, SANDBOX_TOKEN, "api_token")
    client.data("GET", "me")
    client.data("GET", "me")
    assert client.call("GET", "me").json() == LIMITED
    limited.advance(11.5)
    assert client.call("GET", "me").json() == LIMITED

    limited.advance(1)

    assert client.call("GET", "me").headers["X-RateLimit-Remaining"] == "1"


def test_a_429_style_refusal_waits_at_most_the_window(limited: SandboxServer) -> None:
    limited.set_faults(rate_limit=1, rate_limit_window=4, rate_limit_style="429")
    client = Client(limited.url, SANDBOX_TOKEN, "bearer")
    client.data("GET", "me")
    refused = client.call("GET", "me")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 4


def test_error_answers_of_counted_requests_carry_the_rate_limit_headers(limited: SandboxServer) -> None:
    client = Client(limited.url, SANDBOX_TOKEN, "bearer")
    status, message = client.error("POST", "sms/send", {"message": "no recipient"})
    assert (status, message) == (200, "The recipient field is required.")
    answer = client.call("GET", "sms/0123456789abc")
    assert answer.json()["status"] == "error"
    assert answer.headers["X-RateLimit-Remaining"] == "3"


def test_concurrent_requests_over_the_limit_are_counted_exactly(limited: SandboxServer) -> None:
    limited.set_faults(rate_limit=10, latency_base=0.2)

    answers = at_once(
        20,
        lambda i: Client(limited.url, SANDBOX_TOKEN, "bearer").call(
            "POST", "sms/send", {"recipient": numbers(1, i), "message": "Hi"}
        ),
    )

    statuses = [answer.json()["status"] for answer in answers]
    assert statuses.count("success") == 10
    assert [a.json() for a in answers if a.json()["status"] == "error"] == [LIMITED] * 10
    assert sorted(
        a.headers["X-RateLimit-Remaining"] for a in answers if "X-RateLimit-Remaining" in a.headers
    ) == [str(n) for n in range(10)]
    assert messages_of(limited) == 10
    assert limited.app.faults.limited == 10


# The server's latency


def test_latency_is_a_cost_per_request_plus_one_per_recipient_of_a_send() -> None:
    faults = Faults(latency_base=0.026, latency_per_recipient=0.0037)
    assert faults.latency(0) == pytest.approx(0.026)
    assert faults.latency(1) == pytest.approx(0.0297)
    assert faults.latency(100) == pytest.approx(0.396)
    assert Faults().latency(100) == 0


def test_a_send_answers_after_its_latency_has_passed(shared: SandboxServer) -> None:
    shared.set_faults(latency_base=0.1, latency_per_recipient=0.01)
    client = Client(shared.url, shared.token, "bearer")
    started = time.monotonic()
    sent = client.data("POST", "sms/send", {"recipient": numbers(50), "message": "Hi"})
    assert len(sent) == 50
    assert time.monotonic() - started >= 0.6  # a lower bound: the sandbox waits at least this long


def test_concurrent_requests_spend_their_latency_at_the_same_time(shared: SandboxServer) -> None:
    shared.set_faults(latency_base=0.5, latency_per_recipient=0.02)
    assert shared.peak_overlap == 0

    answers = at_once(
        8,
        lambda i: Client(shared.url, shared.token, "bearer").call(
            "POST", "sms/send", {"recipient": numbers(25, 25 * i), "message": "Hi"}
        ),
    )

    assert [len(a.json()["data"]) for a in answers] == [25] * 8
    assert shared.peak_overlap == 8  # all 8 waited at once: no lock is held while waiting
    assert control(shared, "GET", "latency").json()["data"] == {"in_progress": 0, "peak": 8}
    shared.clear_requests()
    assert shared.peak_overlap == 0


# Settings


def test_pace_settings_over_the_control_endpoint(shared: SandboxServer) -> None:
    pace = {
        "rate_limit": 200,
        "rate_limit_window": 12,
        "latency_base": 0.026,
        "latency_per_recipient": 0.0037,
    }
    answer = control(shared, "POST", "faults", pace).json()["data"]
    assert {name: answer[name] for name in pace} == pace
    assert control(shared, "GET", "faults").json()["data"] == answer
    refused = control(shared, "POST", "faults", {"rate_limit_window": 0})
    assert (refused.status_code, refused.json()["message"]) == (
        400,
        "rate_limit_window must be a number of seconds > 0.",
    )
    assert control(shared, "DELETE", "faults").json()["data"]["rate_limit_window"] == 60


def test_cli_options_of_the_limit_and_the_latency() -> None:
    argv = ["--rate-limit", "200", "--rate-limit-window", "12"]
    argv += ["--latency-base", "0.026", "--latency-per-recipient", "0.0037"]

    faults = config_from_args(build_parser().parse_args(argv)).faults

    assert (faults.rate_limit, faults.rate_limit_window, faults.rate_limit_style) == (200, 12, "200")
    assert (faults.latency_base, faults.latency_per_recipient) == (0.026, 0.0037)
    defaults = config_from_args(build_parser().parse_args([])).faults
    assert (defaults.rate_limit, defaults.rate_limit_window) == (None, 60)
    assert (defaults.latency_base, defaults.latency_per_recipient) == (0, 0)


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--rate-limit-window", "0"], "rate_limit_window must be a number of seconds > 0"),
        (["--latency-base", "-1"], "latency_base must be a number of seconds >= 0"),
        (["--latency-per-recipient", "-0.1"], "latency_per_recipient must be a number of seconds >= 0"),
    ],
)
def test_cli_refuses_bad_pace_options(
    capsys: pytest.CaptureFixture[str], argv: list[str], complaint: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert complaint in capsys.readouterr().err
