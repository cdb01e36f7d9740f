"""Bulk sends against the sandbox's rate limit over a real socket: everyone once, no failure.

The hooks wait on the sandbox's clock: a wait moves it forward instead of sleeping, so a limit of
a few requests a minute is reached and passed within seconds.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from airflow_provider_textiopro.hooks._internal.pacing import Pacer
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from textiopro_sandbox import SandboxServer

pytestmark = pytest.mark.integration


def numbers(count: int, start: int = 0) -> list[str]:
    """Distinct valid Dutch mobile numbers."""
    return [f"316{index:08d}" for index in range(start, start + count)]


def hook_on_sandbox_time(conn_id: str, sandbox: SandboxServer, pacer: Pacer | None = None) -> TextioProHook:
    """A hook whose waits move the sandbox clock, and whose pacer reads it."""
    hook = TextioProHook(conn_id)
    hook._sleep = sandbox.advance
    hook._clock = lambda: time.monotonic() + sandbox.app.clock.offset
    hook._log = logging.getLogger("textiopro.hook.integration")
    if pacer is not None:
        hook.pacer = pacer
    return hook


def unlimited_balance(sandbox: SandboxServer) -> None:
    """Let the sandbox's account send thousands of messages."""
    with sandbox.state.lock:
        sandbox.state.accounts[sandbox.token].balance = None


def sent_to(conn_id: str, sandbox: SandboxServer) -> Counter[str]:
    """How many messages the sandbox holds per number."""
    sandbox.clear_faults()
    reader = TextioProHook(conn_id)
    reader.pacer = Pacer()  # the senders' pacers count on the sandbox's clock
    return Counter(message.to for message in reader.list_messages())


def refusals(caplog: pytest.LogCaptureFixture) -> int:
    return sum("refused at the account's rate limit" in record.getMessage() for record in caplog.records)


def test_a_bulk_send_at_the_limit_reaches_everyone_once(textiopro_conn, sandbox, caplog):
    caplog.set_level(logging.INFO)
    unlimited_balance(sandbox)
    sandbox.set_faults(rate_limit=10, rate_limit_style="200")
    everyone = numbers(3000)

    result = hook_on_sandbox_time(textiopro_conn, sandbox).send_message(everyone, "Big news")

    assert [o.recipient for o in result.outcomes] == everyone
    assert len(result.accepted) == 3000
    assert result.requests == 30
    assert sent_to(textiopro_conn, sandbox) == Counter(everyone)
    assert refusals(caplog) > 0  # the limit was reached, waited out, and nobody was lost or sent twice


def test_senders_sharing_one_account_all_succeed_without_duplicates(textiopro_conn, sandbox, caplog):
    caplog.set_level(logging.INFO)
    unlimited_balance(sandbox)
    sandbox.set_faults(rate_limit=12, rate_limit_style="200")
    lists = [numbers(1000, start=10_000 * sender) for sender in range(3)]
    # Each sender paces itself alone, as separate worker processes do: only the server's counter is shared.
    hooks = [hook_on_sandbox_time(textiopro_conn, sandbox, Pacer()) for _ in lists]

    with ThreadPoolExecutor(len(lists)) as pool:
        results = list(
            pool.map(lambda pair: pair[0].send_message(pair[1], "Hello"), zip(hooks, lists, strict=True))
        )

    for result, recipients in zip(results, lists, strict=True):
        assert [o.recipient for o in result.outcomes] == recipients
        assert len(result.accepted) == len(recipients)
    assert sent_to(textiopro_conn, sandbox) == Counter(n for recipients in lists for n in recipients)
    assert refusals(caplog) > 0
