"""The hook and the group operator against the sandbox's platform behaviour (FIELD-NOTES, last section)."""

from __future__ import annotations

import json
import logging
import os

import pytest

from airflow_provider_textiopro.exceptions import (
    TextioProAuthError,
    TextioProInputError,
    TextioProNotFoundError,
    TextioProServerError,
    TextioProServerFaultError,
)
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.notifications.textiopro import TextioProNotifier
from airflow_provider_textiopro.operators.campaigns import TextioProSendCampaignOperator
from airflow_provider_textiopro.operators.contacts import TextioProCreateGroupOperator
from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator
from tests.support.contact_helpers import task_context

pytestmark = pytest.mark.integration


@pytest.fixture
def api_token_hook(textiopro_conn_api_token) -> TextioProHook:
    hook = TextioProHook(textiopro_conn_api_token)
    hook._log = logging.getLogger("textiopro.hook.platform")
    return hook


def group_requests(sandbox) -> list[tuple[str, str]]:
    """The ``/api/http/contacts`` requests served, as (method, path without query)."""
    return [
        (r.method, r.path.split("?")[0])
        for r in sandbox.requests
        if r.path.split("?")[0].endswith("/contacts")
    ]


def test_api_token_group_listing_reads_with_get_and_creates_nothing(api_token_hook, sandbox):
    first = api_token_hook.create_group("Customers")
    sandbox.clear_requests()

    assert [group.uid for group in api_token_hook.list_groups()] == [first.uid]
    assert api_token_hook.find_group_by_name("Customers").uid == first.uid
    assert api_token_hook.find_group_by_name("Nobody") is None

    assert {method for method, _ in group_requests(sandbox)} == {"GET"}
    assert all("api_token=***" in r.path for r in sandbox.requests)
    assert [group.uid for group in api_token_hook.list_groups()] == [first.uid]


def test_create_group_operator_reuses_the_group_in_api_token_style(textiopro_conn_api_token, sandbox):
    task = TextioProCreateGroupOperator(task_id="group", name="Customers")
    created = task.execute(task_context(task))
    reused = task.execute(task_context(task))

    assert reused == created
    assert len(list(TextioProHook(textiopro_conn_api_token).list_groups())) == 1
    assert [method for method, _ in group_requests(sandbox)].count("POST") == 1


def test_every_api_token_read_answers_with_get(api_token_hook, sandbox):
    group = api_token_hook.create_group("Customers")
    contact = api_token_hook.create_contact(group.uid, "31612000001")
    sandbox.clear_requests()

    api_token_hook.get_group(group.uid)
    api_token_hook.get_contact(group.uid, contact.uid)
    list(api_token_hook.list_contacts(group.uid))
    api_token_hook.get_balance()
    api_token_hook.get_profile()
    list(api_token_hook.list_messages())

    assert {r.method for r in sandbox.requests} == {"GET"}
    assert all(r.status == 200 for r in sandbox.requests)


def test_update_contact_in_api_token_style(api_token_hook):
    group = api_token_hook.create_group("Customers")
    contact = api_token_hook.create_contact(group.uid, "31612000001", FIRST_NAME="Ada")

    updated = api_token_hook.update_contact(group.uid, contact.uid, "31612000002", FIRST_NAME="Augusta")

    assert (updated.phone, updated.fields["FIRST_NAME"]) == ("31612000002", "Augusta")


def test_delete_group_that_answers_an_error_after_deleting_succeeds_with_a_warning(
    api_token_hook, sandbox, caplog
):
    sandbox.set_faults(delete_group_error=True)
    group = api_token_hook.create_group("Customers")
    caplog.set_level(logging.WARNING)
    sandbox.clear_requests()

    api_token_hook.delete_group(group.uid)

    deletes = [r for r in sandbox.requests if r.method == "DELETE"]
    assert len(deletes) == 1
    assert 'Attempt to read property "id" on null' in caplog.text
    assert f"group {group.uid} is gone" in caplog.text
    with pytest.raises(TextioProNotFoundError):
        api_token_hook.get_group(group.uid)


def test_delete_group_that_fails_and_left_the_group_says_it_still_exists(api_token_hook, sandbox):
    group = api_token_hook.create_group("Customers")
    sandbox.set_faults(fail_next_5xx=1 + api_token_hook.retry_policy.max_retries, fail_mode="before")

    with pytest.raises(TextioProServerError) as raised:
        api_token_hook.delete_group(group.uid)

    assert f"Group {group.uid} still exists: it was not deleted." in str(raised.value)
    assert api_token_hook.get_group(group.uid).uid == group.uid


def test_listing_contacts_with_the_sql_error_fails_once_saying_what_was_read(api_token_hook, sandbox):
    sandbox.set_faults(contacts_sql_error=True)
    group = api_token_hook.create_group("Customers")
    api_token_hook.create_contact(group.uid, "31612000001")
    sandbox.clear_requests()

    with pytest.raises(TextioProServerFaultError) as raised:
        list(api_token_hook.list_contacts(group.uid))

    message = str(raised.value)
    assert "Unknown column 'first_name'" in message
    assert "failed on the server" in message
    assert "0 contacts were read before it failed, and nothing was changed" in message
    assert "retry later" not in message.lower()
    assert len(sandbox.requests) == 1


def test_a_bad_bearer_token_without_the_json_accept_header_is_an_auth_error(
    textiopro_conn, monkeypatch, sandbox
):
    monkeypatch.setenv(
        "AIRFLOW_CONN_TEXTIOPRO_DEFAULT",
        f'{{"conn_type": "textiopro", "host": "{sandbox.url}", "password": "9|wrong-token-value"}}',
    )
    hook = TextioProHook(textiopro_conn)
    hook.get_conn().headers["Accept"] = "text/html"  # as a proxy that rewrites the header would

    with pytest.raises(TextioProAuthError, match="login page") as raised:
        hook.get_profile()

    assert "wrong-token-value" not in str(raised.value)
    assert [(r.method, r.status) for r in sandbox.requests] == [("GET", 302)]


@pytest.fixture
def conn_without_sender(textiopro_conn, monkeypatch) -> str:
    connection = json.loads(os.environ["AIRFLOW_CONN_TEXTIOPRO_DEFAULT"])
    del connection["extra"]["default_sender_id"]
    monkeypatch.setenv("AIRFLOW_CONN_TEXTIOPRO_DEFAULT", json.dumps(connection))
    return textiopro_conn


@pytest.mark.parametrize(
    "send",
    [
        lambda: TextioProHook().send_message("31612000001", "Hi"),
        lambda: TextioProHook().send_campaign("6415907d0d37a", "Hi"),
        lambda: run_task(TextioProSendMessageOperator(task_id="t", recipients="31612000001", message="Hi")),
        lambda: run_task(
            TextioProSendMessageOperator(
                task_id="t", recipients="31612000001", message="Hi", check_balance=True
            )
        ),
        lambda: run_task(
            TextioProSendCampaignOperator(task_id="t", contact_list_ids="6415907d0d37a", message="Hi")
        ),
    ],
    ids=[
        "send_message",
        "send_campaign",
        "message operator",
        "message operator checking the balance",
        "campaign operator",
    ],
)
def test_a_send_without_any_sender_id_is_refused_before_any_request(conn_without_sender, sandbox, send):
    with pytest.raises(TextioProInputError) as raised:
        send()

    assert "sender_id" in str(raised.value)
    assert "default_sender_id" in str(raised.value)
    assert sandbox.requests == []


def test_a_notifier_without_any_sender_id_logs_the_refusal_and_sends_nothing(
    conn_without_sender, sandbox, logged
):
    TextioProNotifier(recipients="31612000001", message="Load failed").notify({})

    assert "No sender id" in logged()
    assert sandbox.requests == []


def run_task(task):
    return task.execute(task_context(task))
