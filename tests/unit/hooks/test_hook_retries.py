"""Retry rules: reads retry on transient failures; creates only when provably not sent."""

from __future__ import annotations

import logging
import warnings

import pytest
import requests
import responses
import tenacity
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from airflow_provider_textiopro.exceptions import (
    TextioProInputError,
    TextioProRateLimitError,
    TextioProSendUncertainError,
    TextioProServerError,
    TextioProServerFaultError,
)
from airflow_provider_textiopro.hooks._internal.retries import (
    RetryPolicy,
    build_retrying,
    should_retry,
    was_not_sent,
)
from tests.support.hooks import TOKEN, V3, error, make_hook, ok

BALANCE = ok({"remaining_unit": "5"})
SENT = ok({"uid": "6065ecdc9184a", "to": "31612345678", "status": "Delivered"})


def refused_connection() -> requests.ConnectionError:
    """What requests raises when the TCP connection is refused (nothing was sent)."""
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.ConnectionError(MaxRetryError(None, f"/api/v3/sms/send?api_token={TOKEN}", reason))


def broken_connection() -> requests.ConnectionError:
    """What requests raises when the server drops the connection after the request went out."""
    return requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104, "reset")))


READ_FAILURES = {
    "5xx": {"status": 503, "json": error("Service Unavailable")},
    "html": {"status": 200, "body": "<html>Bad gateway</html>"},
    "read timeout": {"body": requests.exceptions.ReadTimeout("read timed out")},
    "connect timeout": {"body": requests.exceptions.ConnectTimeout("connect timed out")},
    "refused": {"body": refused_connection()},
    "broken": {"body": broken_connection()},
    "rate limit 200": {"status": 200, "json": error("Too Many Attempts.")},
    "rate limit 429": {"status": 429, "json": {"message": "Too Many Attempts."}},
}


@pytest.mark.parametrize("failure", READ_FAILURES.values(), ids=READ_FAILURES.keys())
@responses.activate
def test_reads_are_retried_on_transient_failures(monkeypatch, failure):
    hook, sleeps = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/balance", **failure)
    responses.add("GET", f"{V3}/balance", json=BALANCE)

    assert hook.get_balance().remaining == "5"
    assert len(responses.calls) == 2
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    ("method", "url", "call"),
    [
        ("PATCH", f"{V3}/contacts/g1", lambda hook: hook.update_group("g1", "New")),
        ("DELETE", f"{V3}/contacts/g1", lambda hook: hook.delete_group("g1")),
        ("DELETE", f"{V3}/contacts/g1/delete/c1", lambda hook: hook.delete_contact("g1", "c1")),
    ],
)
@responses.activate
def test_updates_and_deletes_are_retried_like_reads(monkeypatch, method, url, call):
    hook, _ = make_hook(monkeypatch)
    responses.add(method, url, body=requests.exceptions.ReadTimeout("read timed out"))
    responses.add(method, url, status=502, body="Bad Gateway")
    responses.add(method, url, json=ok({"uid": "g1", "name": "New"}))

    call(hook)
    assert len(responses.calls) == 3


@responses.activate
def test_read_retries_are_bounded(monkeypatch):
    hook, sleeps = make_hook(monkeypatch, max_retries=3)
    responses.add("GET", f"{V3}/balance", status=500, json=error("Server Error"))

    with pytest.raises(TextioProServerError, match="HTTP 500"):
        hook.get_balance()

    assert len(responses.calls) == 4
    assert len(sleeps) == 3


@responses.activate
def test_no_retry_with_max_retries_zero(monkeypatch):
    hook, sleeps = make_hook(monkeypatch, max_retries=0)
    responses.add("GET", f"{V3}/balance", status=500, json=error("Server Error"))
    with pytest.raises(TextioProServerError):
        hook.get_balance()
    assert (len(responses.calls), sleeps) == (1, [])


@responses.activate
def test_input_and_auth_errors_are_not_retried(monkeypatch):
    hook, sleeps = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/balance", json=error("The name field is required."))
    with pytest.raises(TextioProInputError):
        hook.get_balance()
    assert (len(responses.calls), sleeps) == (1, [])


@responses.activate
def test_backoff_is_exponential_with_jitter_and_capped(monkeypatch):
    hook, sleeps = make_hook(monkeypatch, max_retries=4, retry_wait_min=1, retry_wait_max=4)
    responses.add("GET", f"{V3}/me", status=503, json=error("Service Unavailable"))

    with pytest.raises(TextioProServerError):
        hook.get_profile()

    assert len(sleeps) == 4
    assert 1 <= sleeps[0] <= 2
    assert 2 <= sleeps[1] <= 3
    assert sleeps[2:] == [4, 4]


@responses.activate
def test_a_rate_limit_without_retry_after_waits_longer_than_other_failures(monkeypatch):
    hook, sleeps = make_hook(monkeypatch, max_retries=3, retry_wait_min=0.01, retry_wait_max=0.1)
    responses.add("GET", f"{V3}/me", json=error("Too Many Attempts."))

    with pytest.raises(TextioProRateLimitError):
        hook.get_profile()

    assert 5 <= sleeps[0] <= 10
    assert 10 <= sleeps[1] <= 15
    assert 20 <= sleeps[2] <= 25


@pytest.mark.parametrize(("header", "expected"), [("7", 7.0), ("1000", 120.0)])
@responses.activate
def test_retry_after_is_honoured_and_capped(monkeypatch, header, expected):
    hook, sleeps = make_hook(monkeypatch)
    responses.add(
        "GET", f"{V3}/me", status=429, json=error("Too Many Attempts."), headers={"Retry-After": header}
    )
    responses.add("GET", f"{V3}/me", json=ok({"uid": "u"}))

    hook.get_profile()
    assert sleeps == [expected]


@pytest.mark.parametrize(
    "failure",
    [
        {"body": requests.exceptions.ReadTimeout("read timed out")},
        {"body": broken_connection()},
        {"status": 500, "json": error("Server Error")},
        {"status": 502, "body": "<html>Bad Gateway</html>"},
        {"status": 200, "body": "<html>oops</html>"},
        {"status": 200, "json": error("SQLSTATE[40001]: deadlock")},
    ],
    ids=["read timeout", "broken connection", "500", "502 html", "200 html", "200 sql error"],
)
@responses.activate
def test_a_send_that_may_have_happened_is_never_retried(monkeypatch, failure):
    hook, sleeps = make_hook(monkeypatch)
    responses.add("POST", f"{V3}/sms/send", **failure)
    responses.add("POST", f"{V3}/sms/send", json=SENT)

    with pytest.raises(TextioProSendUncertainError) as raised:
        hook.send_message("31612345678", "Hi")

    assert len(responses.calls) == 1
    assert sleeps == []
    assert "check the TextioPro dashboard" in str(raised.value)


@pytest.mark.parametrize(
    ("method", "url", "call"),
    [
        ("POST", f"{V3}/sms/campaign", lambda hook: hook.send_campaign("g1", "Hi")),
        ("POST", f"{V3}/contacts", lambda hook: hook.create_group("Customers")),
        ("POST", f"{V3}/contacts/g1/store", lambda hook: hook.create_contact("g1", "31612345678")),
    ],
)
@responses.activate
def test_other_creates_are_not_retried_after_a_read_timeout(monkeypatch, method, url, call):
    hook, _ = make_hook(monkeypatch)
    responses.add(method, url, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(TextioProSendUncertainError, match="may have taken effect"):
        call(hook)
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    "failure",
    [
        {"body": refused_connection()},
        {"body": requests.exceptions.ConnectTimeout("connect timed out")},
        {"status": 200, "json": error("Too Many Attempts.")},
        {"status": 429, "json": error("Too Many Attempts."), "headers": {"Retry-After": "2"}},
    ],
    ids=["refused", "connect timeout", "rate limit 200", "rate limit 429"],
)
@responses.activate
def test_a_send_that_provably_had_no_effect_is_retried(monkeypatch, failure):
    hook, sleeps = make_hook(monkeypatch)
    responses.add("POST", f"{V3}/sms/send", **failure)
    responses.add("POST", f"{V3}/sms/send", json=SENT)

    result = hook.send_message("31612345678", "Hi")

    assert result.uids == ["6065ecdc9184a"]
    assert len(responses.calls) == 2
    assert len(sleeps) == 1


@responses.activate
def test_a_send_that_cannot_connect_says_nothing_was_sent(monkeypatch):
    hook, _ = make_hook(monkeypatch, max_retries=1)
    responses.add("POST", f"{V3}/sms/send", body=refused_connection())
    with pytest.raises(TextioProServerError, match="Nothing was sent") as raised:
        hook.send_message("31612345678", "Hi")
    assert not isinstance(raised.value, TextioProSendUncertainError)
    assert len(responses.calls) == 2


@responses.activate
def test_rate_limit_that_persists_ends_in_a_rate_limit_error(monkeypatch):
    hook, sleeps = make_hook(monkeypatch, max_retries=2, rate_limit_max_wait=60)
    responses.add("POST", f"{V3}/sms/send", json=error("Too Many Attempts."))
    with pytest.raises(TextioProRateLimitError, match="rate_limit_max_wait of 60 s") as raised:
        hook.send_message("31612345678", "Hi")
    # Refusals at the limit are not failures: they do not count against max_retries, only the wait does.
    assert len(responses.calls) == len(sleeps) + 1 > 3
    assert sum(sleeps) <= 60
    assert "it was not processed, so it sent nothing" in str(raised.value)


@responses.activate
def test_with_max_retries_zero_a_refusal_at_the_limit_fails_at_once(monkeypatch):
    hook, sleeps = make_hook(monkeypatch, max_retries=0)
    responses.add("POST", f"{V3}/sms/send", json=error("Too Many Attempts."))
    with pytest.raises(TextioProRateLimitError, match="max_retries is 0"):
        hook.send_message("31612345678", "Hi")
    assert (len(responses.calls), sleeps) == (1, [])


@responses.activate
def test_each_retry_is_logged_as_a_warning(monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    hook, _ = make_hook(monkeypatch, max_retries=2)
    responses.add("GET", f"{V3}/balance", status=503, json=error("Service Unavailable"))
    responses.add("GET", f"{V3}/balance", json=BALANCE)

    hook.get_balance()

    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "get_balance failed (attempt 1 of 3)" in warnings[0]
    assert "Service Unavailable" in warnings[0]


def test_should_retry_table():
    rate_limited = TextioProRateLimitError("slow down")
    server = TextioProServerError("boom")
    uncertain = TextioProSendUncertainError("maybe")
    read_timeout = requests.exceptions.ReadTimeout()
    ssl = requests.exceptions.SSLError("bad certificate")
    for error_ in (rate_limited, server, read_timeout, refused_connection(), broken_connection()):
        assert should_retry(error_, idempotent=True)
    for error_ in (ssl, TextioProInputError("bad"), ValueError("bug")):
        assert not should_retry(error_, idempotent=True)
    for error_ in (rate_limited, refused_connection(), requests.exceptions.ConnectTimeout()):
        assert should_retry(error_, idempotent=False)
    for error_ in (server, uncertain, read_timeout, broken_connection(), ssl):
        assert not should_retry(error_, idempotent=False)


def test_was_not_sent_only_for_refused_or_connect_timeouts():
    assert was_not_sent(refused_connection())
    assert was_not_sent(requests.exceptions.ConnectTimeout())
    assert not was_not_sent(broken_connection())
    assert not was_not_sent(requests.exceptions.ReadTimeout())
    assert not was_not_sent(requests.ConnectionError("no details"))


def test_policy_attempts():
    assert RetryPolicy().attempts == 6
    assert RetryPolicy(max_retries=0).attempts == 1


SERVER_FAULTS = [
    "SQLSTATE[42S22]: Column not found: 1054 Unknown column 'first_name' in 'field list'",
    'Attempt to read property "id" on null',
    "Cannot assign null to property App\\Rules\\Phone::$value",
    "App\\Library\\Tool::phone(): Argument #1 ($value) must be of type string, null given",
]


@pytest.mark.parametrize("text", SERVER_FAULTS)
@responses.activate
def test_a_server_fault_is_not_retried_and_says_the_server_failed(monkeypatch, text):
    hook, sleeps = make_hook(monkeypatch, max_retries=5)
    responses.add("GET", f"{V3}/balance", json=error(text))

    with pytest.raises(TextioProServerFaultError) as raised:
        hook.get_balance()

    assert (len(responses.calls), sleeps) == (1, [])
    message = str(raised.value)
    assert text in message
    assert "failed on the server" in message
    assert "report it to TextioPro" in message
    assert "retry later" not in message.lower()


@pytest.mark.parametrize(
    "text",
    [
        "SQLSTATE[HY000] [2002] Connection refused",
        "SQLSTATE[40001]: Serialization failure: 1213 Deadlock found when trying to get lock",
    ],
)
@responses.activate
def test_an_sql_error_a_repeat_can_heal_is_retried(monkeypatch, text):
    hook, sleeps = make_hook(monkeypatch, max_retries=1)
    responses.add("GET", f"{V3}/balance", json=error(text))
    responses.add("GET", f"{V3}/balance", json=BALANCE)

    assert hook.get_balance().remaining == "5"
    assert len(sleeps) == 1


def test_a_server_fault_is_never_retried():
    fault = TextioProServerFaultError("SQLSTATE[42S22]")
    assert not should_retry(fault, idempotent=True)
    assert not should_retry(fault, idempotent=False)


def test_the_backoff_raises_no_deprecation_warning():
    policy = RetryPolicy(wait_min=2.0, rate_limit_wait=5.0)
    retrying = build_retrying(policy, idempotent=True, sleep=lambda _: None, before_sleep=lambda _: None)
    for error_ in (TextioProServerError("boom"), TextioProRateLimitError("slow down")):
        state = tenacity.RetryCallState(retrying, fn=None, args=(), kwargs={})
        state.set_exception((type(error_), error_, None))
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            wait = policy.wait(state)
        assert wait >= 2.0
