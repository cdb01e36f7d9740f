"""TextioProHook against the sandbox over a real socket, in both auth styles."""

from __future__ import annotations

import json
import logging
import os
import time
from unittest import mock
from urllib.parse import quote, quote_plus

import pytest

from airflow_provider_textiopro.exceptions import (
    TextioProAuthError,
    TextioProAuthStyleError,
    TextioProInputError,
    TextioProNotFoundError,
    TextioProRateLimitError,
    TextioProSendUncertainError,
)
from airflow_provider_textiopro.hooks._internal.redaction import token_forms
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.models import CampaignStatus, MessageStatus
from airflow_provider_textiopro.version_compat import redact
from tests.support.sandbox import SANDBOX_TOKEN, post_statuses

pytestmark = pytest.mark.integration

STYLES = ("bearer", "api_token")


def numbers(count: int, start: int = 0) -> list[str]:
    """Distinct valid Dutch mobile numbers."""
    return [f"3161200{index:04d}" for index in range(start, start + count)]


@pytest.fixture(params=STYLES)
def conn_id(request) -> str:
    """The sandbox connection, once per auth style."""
    fixture = "textiopro_conn" if request.param == "bearer" else "textiopro_conn_api_token"
    return request.getfixturevalue(fixture)


@pytest.fixture
def hook(conn_id, sandbox) -> TextioProHook:
    """A hook whose waits move the sandbox clock instead of sleeping, logging to a standard logger."""
    hook = TextioProHook(conn_id)
    hook._sleep = sandbox.advance
    hook._log = logging.getLogger("textiopro.hook.integration")
    return hook


def test_test_connection(hook):
    ok, message = hook.test_connection()
    assert ok, message
    assert message.startswith("Connected as ")
    assert "; balance " in message


def test_send_then_follow_messages_to_delivery(hook, sandbox):
    result = hook.send_message(numbers(3), "Hello from Airflow", sender_id="Airflow")

    assert [o.recipient for o in result.outcomes] == numbers(3)
    assert all(o.uid and len(o.uid) == 13 for o in result.outcomes)
    assert {hook.get_message(uid).status for uid in result.uids} <= {
        MessageStatus.ENROUTE,
        MessageStatus.ACCEPTED,
    }

    delivered = hook.wait_for_messages(result.uids, poll_interval=1, timeout=60)

    assert [m.uid for m in delivered] == result.uids
    assert {m.status for m in delivered} == {MessageStatus.DELIVERED}


def test_single_recipient_outcome(hook):
    result = hook.send_message("+31 6 1234 5678", "One")
    outcome = result.outcomes[0]
    assert (outcome.recipient, outcome.accepted, outcome.segments) == ("31612345678", True, 1)
    assert hook.get_message(outcome.uid).to == "31612345678"


def test_more_than_100_recipients_in_requests_of_100(hook, sandbox):
    result = hook.send_message(numbers(130), "Bulk")

    assert len(post_statuses(sandbox, "/sms/send")) == 2
    assert len(set(result.uids)) == 130
    assert sum(1 for _ in hook.list_messages()) == 130


def test_scheduled_send(hook, sandbox):
    result = hook.send_message(numbers(2), "Later", schedule_time="2099-01-01 10:00")
    assert result.scheduled
    assert [(o.accepted, o.uid) for o in result.outcomes] == [(True, None), (True, None)]


def test_balance_goes_down_by_segments(hook):
    before = hook.get_balance().amount
    hook.send_message(numbers(2), "x" * 161)
    assert before - hook.get_balance().amount == 4


def test_groups_and_contacts_lifecycle(hook):
    group = hook.create_group("Customers")
    assert len(group.uid) == 13
    assert hook.get_group(group.uid).name == "Customers"
    assert hook.update_group(group.uid, "Clients").name == "Clients"
    assert hook.find_group_by_name("Clients").uid == group.uid
    assert hook.find_group_by_name("Customers") is None

    contact = hook.create_contact(group.uid, "+31 6 1200 0001", FIRST_NAME="Ada", last_name="Lovelace")
    assert (contact.phone, contact.fields["FIRST_NAME"]) == ("31612000001", "Ada")
    with pytest.raises(TextioProInputError, match="already been taken"):
        hook.create_contact(group.uid, "31612000001")
    assert hook.get_contact(group.uid, contact.uid).fields["LAST_NAME"] == "Lovelace"
    updated = hook.update_contact(group.uid, contact.uid, "31612000002", FIRST_NAME="Augusta")
    assert (updated.phone, updated.fields["FIRST_NAME"]) == ("31612000002", "Augusta")

    hook.delete_contact(group.uid, contact.uid)
    with pytest.raises(TextioProNotFoundError):
        hook.get_contact(group.uid, contact.uid)
    hook.delete_group(group.uid)
    with pytest.raises(TextioProNotFoundError):
        hook.get_group(group.uid)


def test_lists_read_every_page(hook):
    groups = [hook.create_group(f"Group {index:02d}") for index in range(27)]
    assert sorted(g.uid for g in hook.list_groups()) == sorted(g.uid for g in groups)
    for number in numbers(30):
        hook.create_contact(groups[0].uid, number)
    assert sorted(c.phone for c in hook.list_contacts(groups[0].uid)) == numbers(30)


def test_campaign_in_bearer_style(textiopro_conn, sandbox):
    hook = TextioProHook(textiopro_conn)
    hook._sleep = sandbox.advance
    group = hook.create_group("Campaign list")
    for number in numbers(3):
        hook.create_contact(group.uid, number)

    campaign = hook.send_campaign([group.uid], "Sale!", sender_id="Shop")

    assert campaign.status in (CampaignStatus.QUEUED, CampaignStatus.NEW)
    final = hook.wait_for_campaign(campaign.uid, poll_interval=1, timeout=120)
    assert final.status.is_success
    assert final.stats.total == 3


def test_campaign_in_api_token_style_says_use_bearer(textiopro_conn_api_token, sandbox):
    hook = TextioProHook(textiopro_conn_api_token)
    with pytest.raises(TextioProAuthStyleError, match="auth_style='bearer'"):
        hook.send_campaign("6415907d0d37a", "Sale!")
    with pytest.raises(TextioProAuthStyleError, match="auth_style='bearer'"):
        hook.get_campaign("6415907d0d37a")
    assert not any(request[1].endswith("/sms/send") for request in sandbox.requests)


def test_unknown_uid_is_not_found(hook):
    with pytest.raises(TextioProNotFoundError, match="No query results"):
        hook.get_message("0000000000000")


@pytest.mark.parametrize("html_errors", [False, True])
def test_bad_token_is_an_auth_error_without_the_token(conn_id, monkeypatch, sandbox, html_errors):
    sandbox.set_faults(html_errors=html_errors)
    connection = json.loads(os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"])
    connection["password"] = "9|wrong-token-value"
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(connection))
    hook = TextioProHook(conn_id)

    with pytest.raises(TextioProAuthError) as raised:
        hook.get_balance()
    ok, message = hook.test_connection()

    assert not ok
    for text in (str(raised.value), message):
        assert "wrong-token-value" not in text


def test_uri_connection_with_local_host_and_port(sandbox, monkeypatch):
    sandbox.reset()
    uri = f"textiopro://:{quote(SANDBOX_TOKEN, safe='')}@127.0.0.1:{sandbox.port}?auth_style=api_token"
    monkeypatch.setenv("AIRFLOW_CONN_TEXTIOPRO_URI", uri)
    hook = TextioProHook("textiopro_uri")
    assert hook.base_url == f"http://127.0.0.1:{sandbox.port}"
    assert hook.test_connection()[0]


@pytest.mark.parametrize("style", ["200", "429"])
def test_rate_limited_reads_wait_and_succeed(hook, sandbox, style):
    sandbox.set_faults(rate_limit=2, rate_limit_style=style)
    balances = [hook.get_balance() for _ in range(4)]
    assert len(balances) == 4
    assert sum(1 for request in sandbox.requests if request[1].split("?")[0].endswith("/balance")) > 4


def test_rate_limited_send_is_retried_then_sent_once(hook, sandbox):
    sandbox.set_faults(rate_limit=1, rate_limit_style="429")
    hook.get_balance()

    result = hook.send_message("31612345678", "After the limit")

    assert result.outcomes[0].accepted
    assert sum(1 for _ in hook.list_messages()) == 1


def test_rate_limit_that_outlasts_the_retries(conn_id, sandbox):
    hook = TextioProHook(conn_id, max_retries=1)
    hook._sleep = lambda seconds: None
    sandbox.set_faults(rate_limit=1)
    hook.get_balance()
    with pytest.raises(TextioProRateLimitError):
        hook.get_balance()


def test_reads_are_retried_after_5xx(hook, sandbox):
    sandbox.set_faults(fail_next_5xx=2, fail_status=503)
    assert hook.get_profile().uid


@pytest.mark.parametrize("fail_mode", ["before", "after"])
def test_a_send_answered_with_5xx_is_not_resent(hook, sandbox, fail_mode):
    sandbox.set_faults(fail_next_5xx=1, fail_mode=fail_mode)

    with pytest.raises(TextioProSendUncertainError, match="dashboard"):
        hook.send_message("31612345678", "Maybe")

    assert len(post_statuses(sandbox, "/sms/send")) == 1
    sent = sum(1 for _ in hook.list_messages())
    assert sent == (1 if fail_mode == "after" else 0)


def test_a_slow_send_ends_uncertain_and_is_not_resent(conn_id, sandbox):
    hook = TextioProHook(conn_id, timeout=0.2)
    sandbox.set_faults(slow=0.5)
    session = hook.get_conn()
    with (
        mock.patch.object(session, "request", wraps=session.request) as request,
        pytest.raises(TextioProSendUncertainError, match=r"no answer within 0\.2 s"),
    ):
        hook.send_message("31612345678", "Slow")
    assert request.call_count == 1
    deadline = time.monotonic() + 10
    while len(post_statuses(sandbox, "/sms/send")) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(post_statuses(sandbox, "/sms/send")) == 1


def test_no_token_in_the_hook_logs(hook, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    sandbox.set_faults(fail_next_5xx=1)
    hook.get_profile()
    hook.send_message(numbers(2), "Hi")
    list(hook.list_messages())
    assert caplog.records
    assert SANDBOX_TOKEN not in caplog.text
    assert quote(SANDBOX_TOKEN, safe="") not in caplog.text


def test_urllib3_debug_url_of_a_get_read_is_masked(textiopro_conn_api_token, sandbox):
    hook = TextioProHook(textiopro_conn_api_token)
    # api_token reads go out as GET: the token travels in the query string
    urllib3_log = logging.getLogger("urllib3.connectionpool")
    lines: list[str] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    urllib3_log.addHandler(handler)
    level = urllib3_log.level
    urllib3_log.setLevel(logging.DEBUG)
    try:
        hook.get_balance()
    finally:
        urllib3_log.setLevel(level)
        urllib3_log.removeHandler(handler)

    [url_line] = [line for line in lines if "/api/http/balance?" in line]
    assert "api_token=***" in url_line  # the hook's filter on urllib3's logger masks the token
    assert quote_plus(SANDBOX_TOKEN) not in url_line
    assert not any(form in redact(url_line) for form in token_forms(SANDBOX_TOKEN))
