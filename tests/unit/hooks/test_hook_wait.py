"""Blocking waits (wait_for_campaign / wait_for_messages) and test_connection."""

from __future__ import annotations

import logging

import pytest
import responses

from airflow_provider_textiopro.exceptions import TextioProInputError, TextioProWaitTimeoutError
from airflow_provider_textiopro.models import CampaignStatus, MessageStatus
from tests.support.hooks import V3, error, make_hook, ok

CAMPAIGN = f"{V3}/campaign/c0ffee0000001/view"


def campaign(status: str, delivered: int = 0) -> dict:
    return ok(
        {"id": "c0ffee0000001", "name": "api", "status": status, "stats": {"delivered_count": delivered}}
    )


def message(uid: str, status: str) -> dict:
    return ok({"uid": uid, "to": "31612345678", "status": status})


@responses.activate
def test_wait_for_campaign_polls_until_final_and_logs_each_poll(monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    hook, sleeps = make_hook(monkeypatch)
    for status, delivered in (("queued", 0), ("processing", 3), ("done", 5)):
        responses.add("GET", CAMPAIGN, json=campaign(status, delivered))

    result = hook.wait_for_campaign("c0ffee0000001", poll_interval=10)

    assert result.status is CampaignStatus.DONE
    assert sleeps == [10, 10]
    polls = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Campaign c0ffee0000001")]
    assert polls == [
        "Campaign c0ffee0000001 (api) is queued: no message counts yet.",
        "Campaign c0ffee0000001 (api) is processing: 3 delivered.",
        "Campaign c0ffee0000001 (api) is done: 5 delivered.",
    ]


@responses.activate
def test_wait_for_campaign_waits_through_an_unknown_status(monkeypatch):
    hook, sleeps = make_hook(monkeypatch)
    for status in ("archived", "done"):
        responses.add("GET", CAMPAIGN, json=campaign(status))

    assert hook.wait_for_campaign("c0ffee0000001", poll_interval=4).status is CampaignStatus.DONE
    assert sleeps == [4]


@responses.activate
def test_wait_for_campaign_returns_a_failed_campaign(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", CAMPAIGN, json=campaign("cancelled"))
    assert hook.wait_for_campaign("c0ffee0000001").status.is_failure


@responses.activate
def test_wait_for_campaign_timeout_says_what_is_pending(monkeypatch):
    hook, sleeps = make_hook(monkeypatch)
    responses.add("GET", CAMPAIGN, json=campaign("sending"))

    with pytest.raises(TextioProWaitTimeoutError, match="still 'sending'") as raised:
        hook.wait_for_campaign("c0ffee0000001", poll_interval=5, timeout=0)

    assert raised.value.pending == {"c0ffee0000001": "sending"}
    assert "campaigns/c0ffee0000001/overview" in str(raised.value)
    assert sleeps == []


@responses.activate
def test_wait_for_messages_polls_only_the_moving_ones(monkeypatch):
    hook, sleeps = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/sms/a", json=message("a", "Delivered"))
    responses.add("GET", f"{V3}/sms/b", json=message("b", "Enroute"))
    responses.add("GET", f"{V3}/sms/b", json=message("b", "Failed"))

    result = hook.wait_for_messages("a, b", poll_interval=3)

    assert [(m.uid, m.status) for m in result] == [
        ("a", MessageStatus.DELIVERED),
        ("b", MessageStatus.FAILED),
    ]
    assert [c.request.url.rsplit("/", 1)[1] for c in responses.calls] == ["a", "b", "b"]
    assert sleeps == [3]


@responses.activate
def test_wait_for_messages_fetches_an_unknown_status_again_and_logs_each_poll(monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/sms/a", json=message("a", "Queued at carrier"))
    responses.add("GET", f"{V3}/sms/b", json=message("b", "Enroute"))
    responses.add("GET", f"{V3}/sms/a", json=message("a", "Delivered"))
    responses.add("GET", f"{V3}/sms/b", json=message("b", "Delivered"))

    result = hook.wait_for_messages(["a", "b"], poll_interval=3)

    assert [m.status for m in result] == [MessageStatus.DELIVERED, MessageStatus.DELIVERED]
    read = [c.request.url.rsplit("/", 1)[1] for c in responses.calls]
    assert [sorted(read[:2]), sorted(read[2:])] == [["a", "b"], ["a", "b"]]  # both each poll, concurrently
    logged = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("1 of 2 messages final (0 delivered); waiting for") for line in logged)
    assert "2 of 2 messages delivered (100%)." in logged


@responses.activate
def test_wait_for_messages_timeout_lists_the_pending(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/sms/a", json=message("a", "Delivered"))
    responses.add("GET", f"{V3}/sms/b", json=message("b", "Accepted"))

    with pytest.raises(TextioProWaitTimeoutError, match=r"1 of 2 messages.*b \(Accepted\)") as raised:
        hook.wait_for_messages(["a", "b"], timeout=0)
    assert raised.value.pending == {"b": "Accepted"}


def test_wait_refuses_a_non_positive_interval(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    with pytest.raises(TextioProInputError, match="poll_interval"):
        hook.wait_for_campaign("c0ffee0000001", poll_interval=0)


@responses.activate
def test_test_connection_success(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/me", json=ok({"uid": "u1", "first_name": "Ada", "last_name": "L"}))
    responses.add("GET", f"{V3}/balance", json=ok({"remaining_balance": "€12.50"}))
    assert hook.test_connection() == (True, "Connected as Ada L; balance €12.50")


@responses.activate
def test_test_connection_failure_retries_at_most_once(monkeypatch):
    hook, _ = make_hook(monkeypatch, max_retries=5)
    responses.add("GET", f"{V3}/me", status=503, json=error("Service Unavailable"))

    ok_, message_ = hook.test_connection()

    assert not ok_
    assert "Service Unavailable" in message_
    assert len(responses.calls) == 2
    assert hook.retry_policy.max_retries == 5


def test_test_connection_reports_a_bad_connection(monkeypatch):
    hook, _ = make_hook(monkeypatch, "basic")
    ok_, message_ = hook.test_connection()
    assert not ok_
    assert "auth_style" in message_
