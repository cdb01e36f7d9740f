"""send_message and send_prepared: requests in flight at once, paced, each attempt written down."""

from __future__ import annotations

import json
import random
import threading
import time

import pytest
import responses

from airflow_provider_textiopro.exceptions import TextioProInputError, TextioProSendUncertainError
from airflow_provider_textiopro.utils.send_progress import REQUEST_KEY, SendProgress
from tests.support.hooks import V3, error, make_hook, ok
from tests.support.task_state import FakeTaskStateStore

SEND = f"{V3}/sms/send"
TOO_MANY = (200, {}, json.dumps(error("Too Many Attempts.")))


def numbers(count: int) -> list[str]:
    """Distinct valid Dutch mobile numbers."""
    return [f"3161200{index:04d}" for index in range(count)]


def recipients_of(request) -> list[str]:
    return json.loads(request.body)["recipient"].split(",")


def echo(request, headers: dict[str, str] | None = None):
    """Answer a send of several recipients as real servers do."""
    items = [
        {"uid": f"u{number[-5:]}", "to": number, "customer_status": "Delivered", "cost": "1"}
        for number in recipients_of(request)
    ]
    return 200, headers or {}, json.dumps(ok(items))


class RecordingStore(FakeTaskStateStore):
    """A task state store that remembers every value written, key by key."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[str]] = {}

    def set(self, key, value, **kwargs) -> None:
        super().set(key, value, **kwargs)
        self.history.setdefault(key, []).append(next(iter(value)))


@responses.activate
def test_requests_are_in_flight_at_once_up_to_the_bound(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    state = threading.Condition()
    in_flight, most, calls = [0], [0], [0]

    def together(request):
        with state:
            calls[0] += 1
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
            state.notify_all()
            if calls[0] > 1:  # the first request learns the account's state alone; then four at once
                state.wait_for(lambda: in_flight[0] >= 4, 5)
        answer = echo(request)
        with state:
            in_flight[0] -= 1
        return answer

    responses.add_callback("POST", SEND, callback=together)
    everyone = numbers(900)

    result = hook.send_message(everyone, "Hi", max_concurrent_requests=4)

    assert most[0] == 4
    assert [o.recipient for o in result.outcomes] == everyone
    assert result.requests == 9


@responses.activate
def test_outcomes_keep_the_order_of_the_recipients_whatever_the_order_of_the_answers(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    shuffle = random.Random(7)

    def late(request):
        time.sleep(shuffle.random() / 50)
        return echo(request)

    responses.add_callback("POST", SEND, callback=late)
    everyone = numbers(2000)
    result = hook.send_message(everyone, "Hi")
    assert [o.recipient for o in result.outcomes] == everyone
    assert len(responses.calls) == 20


@responses.activate
def test_the_connection_sets_the_concurrency_and_a_wrong_value_is_refused(monkeypatch):
    hook, _ = make_hook(monkeypatch, max_concurrent_requests=1)
    responses.add_callback("POST", SEND, callback=echo)
    assert hook.settings.max_concurrent_requests == 1
    with pytest.raises(TextioProInputError, match="max_concurrent_requests must be an integer from 1 to 32"):
        hook.send_message(numbers(3), "Hi", max_concurrent_requests=0)
    assert len(responses.calls) == 0
    bad, _ = make_hook(monkeypatch, max_concurrent_requests="many")
    with pytest.raises(TextioProInputError, match="extra 'max_concurrent_requests'"):
        bad.send_message(numbers(3), "Hi")


@responses.activate
def test_a_refusal_at_the_limit_is_written_down_as_not_processed_and_waits_in_that_state(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    store = RecordingStore()
    during_pause: list[dict] = []
    hook._sleep = lambda seconds: during_pause.append(dict(store.values[REQUEST_KEY.format(0)]))
    answers = iter([TOO_MANY, TOO_MANY])
    responses.add_callback("POST", SEND, callback=lambda request: next(answers, None) or echo(request))
    batch = hook.prepare_send(numbers(100), "Hi")

    result = hook.send_prepared(batch, progress=SendProgress(store))

    assert len(result.accepted) == 100
    assert len(responses.calls) == 3
    key = REQUEST_KEY.format(0)
    assert store.history[key] == [
        "not_processed",  # written down before the send begins
        "request",  # in flight
        "not_processed",  # Too Many Attempts.: the pause is spent here
        "request",
        "not_processed",
        "request",
        "answer",
    ]
    assert during_pause == [{"not_processed": numbers(100)}] * 2


@responses.activate
def test_a_send_without_an_answer_stays_in_flight_and_the_others_stop(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    store = RecordingStore()
    first = numbers(300)[100]

    def answer(request):
        if recipients_of(request)[0] == first:
            return 502, {}, "<html>Bad Gateway</html>"
        return echo(request)

    responses.add_callback("POST", SEND, callback=answer)
    with pytest.raises(TextioProSendUncertainError) as raised:
        hook.send_prepared(hook.prepare_send(numbers(300), "Hi"), progress=SendProgress(store))
    assert raised.value.uncertain_recipients == numbers(300)[100:200]
    progress = SendProgress.load(store)
    assert progress.uncertain == numbers(300)[100:200]
    answered = {o.recipient for o in raised.value.partial_result.outcomes}
    assert answered | set(raised.value.unsent_recipients) == set(numbers(300)) - set(numbers(300)[100:200])


@responses.activate
def test_the_rate_limit_headers_pace_every_request(monkeypatch):
    hook, sleeps = make_hook(monkeypatch)
    hook._clock = lambda: 100.0
    headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "5"}
    responses.add("GET", f"{V3}/balance", json=ok({"remaining_unit": "5"}), headers=headers)

    for _ in range(4):
        hook.get_balance()

    gap = 60 / 100 * 10 / (5 + 1)
    assert sleeps == pytest.approx([gap, 2 * gap])


@responses.activate
def test_plenty_of_budget_is_not_paced(monkeypatch):
    hook, sleeps = make_hook(monkeypatch)
    headers = {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "900"}
    responses.add("GET", f"{V3}/balance", json=ok({"remaining_unit": "5"}), headers=headers)
    for _ in range(5):
        hook.get_balance()
    assert sleeps == []


@responses.activate
def test_hooks_of_one_account_share_its_pace(monkeypatch):
    hook, sleeps = make_hook(monkeypatch)
    other, other_sleeps = make_hook(monkeypatch)
    hook._clock = other._clock = lambda: 100.0
    headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0"}
    responses.add("GET", f"{V3}/balance", json=ok({"remaining_unit": "5"}), headers=headers)
    hook.get_balance()
    other.get_balance()
    other.get_balance()
    assert other.pacer is hook.pacer
    assert other_sleeps
    assert not sleeps
