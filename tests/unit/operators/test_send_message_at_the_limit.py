"""The send operator with the real hook: retries after refusals at the limit and partial concurrent sends.

Issue 16: a refusal at the account's limit (``Too Many Attempts.``) means the request was not
processed, so a later try sends to its recipients; a request that may have gone out is never
sent again.
"""

from __future__ import annotations

import json
from collections import Counter
from unittest import mock

import pytest
import requests
import responses

from airflow_provider_textiopro.exceptions import TextioProError
from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator
from airflow_provider_textiopro.utils import phone
from airflow_provider_textiopro.version_compat import AirflowFailException
from tests.support.hooks import V3, error, ok, set_connection
from tests.support.task_state import FakeTaskStateStore, make_context

SEND = f"{V3}/sms/send"
EVERYONE = [f"3161234{i:04d}" for i in range(500)]


class WorkerLost(BaseException):
    """The worker's process is gone: nothing after this point runs."""


def recipients_of(request) -> list[str]:
    return json.loads(request.body)["recipient"].split(",")


def echo(request):
    items = [
        {"uid": f"u{number[-6:]}", "to": number, "customer_status": "Delivered", "cost": "1"}
        for number in recipients_of(request)
    ]
    return 200, {}, json.dumps(ok(items))


def too_many(request):
    return 200, {}, json.dumps(error("Too Many Attempts."))


def send_task(monkeypatch, sleep, **extra):
    """The operator, its hook on a test connection, waiting with ``sleep``."""
    conn_id = set_connection(monkeypatch, default_sender_id="Acme", **extra)
    task = TextioProSendMessageOperator(
        task_id="send", recipients=EVERYONE, message="Hi", textiopro_conn_id=conn_id
    )
    task.hook._sleep = sleep
    return task


@responses.activate
def test_a_retry_after_a_refusal_at_the_limit_sends_to_those_recipients(monkeypatch):
    """Issue 16: the worker is lost while the request waits out the limit; the next try sends it."""
    store = FakeTaskStateStore()
    server = [too_many]
    responses.add_callback("POST", SEND, callback=lambda request: server[0](request))

    def lost(seconds):
        raise WorkerLost

    task = send_task(monkeypatch, lost, max_concurrent_requests=1)
    with pytest.raises(WorkerLost):
        task.execute(make_context(store=store))

    server[0] = echo
    result = send_task(monkeypatch, lambda seconds: None).execute(make_context(try_number=2, store=store))

    assert result["accepted"] == 500
    sent = Counter(
        number
        for call in responses.calls
        if "Too Many" not in call.response.text
        for number in recipients_of(call.request)
    )
    assert sent == Counter(EVERYONE)


@responses.activate
def test_a_retry_after_a_partial_concurrent_send_sends_only_to_the_refused_and_unreached(monkeypatch):
    """Some requests answered, one without an answer, one refused at the limit until it gave up."""
    store = FakeTaskStateStore()
    no_answer, refused = EVERYONE[100], EVERYONE[200]

    def first_try(request):
        first = recipients_of(request)[0]
        if first == no_answer:
            raise requests.exceptions.ReadTimeout("read timed out")
        if first == refused:
            return too_many(request)
        return echo(request)

    server = [first_try]
    responses.add_callback("POST", SEND, callback=lambda request: server[0](request))
    with pytest.raises(TextioProError):
        send_task(monkeypatch, lambda seconds: None, rate_limit_max_wait=30).execute(
            make_context(store=store)
        )
    answered_first = {
        number
        for call in responses.calls
        if isinstance(call.response, requests.Response) and '"success"' in call.response.text
        for number in recipients_of(call.request)
    }
    tries = len(responses.calls)

    server[0] = echo
    with pytest.raises(AirflowFailException, match="no answer to the request for 100 recipient"):
        send_task(monkeypatch, lambda seconds: None).execute(make_context(try_number=2, store=store))

    sent_again = [number for call in responses.calls[tries:] for number in recipients_of(call.request)]
    assert sorted(sent_again) == sorted(set(EVERYONE) - answered_first - set(EVERYONE[100:200]))
    assert set(EVERYONE[200:300]) <= set(sent_again)
    assert not set(EVERYONE[100:200]) & set(sent_again)
    assert not answered_first & set(sent_again)


@responses.activate
def test_recipients_are_checked_once_per_send(monkeypatch):
    responses.add_callback("POST", SEND, callback=echo)
    checked = Counter()
    normalize = phone._normalize

    def counting(raw, region):
        number = normalize(raw, region)
        checked[number] += 1
        return number

    with mock.patch.object(phone, "_normalize", side_effect=counting):
        result = send_task(monkeypatch, lambda seconds: None).execute(make_context())
    assert result["accepted"] == 500
    assert checked == Counter(EVERYONE)
