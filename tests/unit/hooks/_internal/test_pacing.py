"""The request pacer: the server's rate-limit headers set the pace; refusals pause; one probe at a time."""

from __future__ import annotations

import threading
import time

import pytest

from airflow_provider_textiopro.hooks._internal.pacing import Pacer, pacer_for

TOKEN = "1383|Sup3rS3cretT0ken"


class FakeClock:
    """A clock that moves only when told (no real waiting)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def answer(pacer: Pacer, clock: FakeClock, limit: int | None, remaining: int | None) -> None:
    """Send one request through ``pacer`` answered with these rate-limit headers."""
    permit = pacer.acquire(clock)
    headers = (
        {} if limit is None else {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}
    )
    pacer.answered(permit, headers)
    pacer.release(permit)


def test_the_first_request_probes_then_requests_go_at_once():
    clock = FakeClock()
    pacer = Pacer()
    first = pacer.acquire(clock)
    assert first.probe
    pacer.answered(first, {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "999"})
    pacer.release(first)
    permits = [pacer.acquire(clock) for _ in range(20)]
    assert [(p.wait, p.probe) for p in permits] == [(0.0, False)] * 20
    assert (pacer.limit, pacer.remaining) == (1000, 999)


def test_a_server_without_headers_is_not_paced():
    clock = FakeClock()
    pacer = Pacer()
    answer(pacer, clock, None, None)
    assert [pacer.acquire(clock).wait for _ in range(5)] == [0.0] * 5


def test_a_low_remaining_budget_spreads_the_next_requests():
    clock = FakeClock()
    pacer = Pacer(window=60.0)
    answer(pacer, clock, 100, 50)
    assert pacer.acquire(clock).wait == 0.0
    answer(pacer, clock, 100, 9)  # below a tenth of the limit: spread what is left
    waits = [pacer.acquire(clock).wait for _ in range(3)]
    gap = 60.0 / 100 * 10 / (9 + 1)
    assert waits == pytest.approx([0.0, gap, 2 * gap])
    clock.now += 10
    answer(pacer, clock, 100, 1)
    later = pacer.acquire(clock).wait - pacer.acquire(clock).wait
    assert abs(later) == pytest.approx(60.0 / 100 * 10 / 2)


def test_the_pace_follows_the_latest_answer():
    clock = FakeClock()
    pacer = Pacer()
    answer(pacer, clock, 100, 2)
    answer(pacer, clock, 100, 99)  # the window started again
    clock.now += 100
    assert [pacer.acquire(clock).wait for _ in range(3)] == [0.0, 0.0, 0.0]


def test_refusals_pause_growing_jittered_and_capped():
    clock = FakeClock()
    pacer = Pacer(window=60.0, jitter=lambda: 0.5)
    answer(pacer, clock, 1000, 500)
    pauses = []
    for _ in range(6):
        permit = pacer.acquire(clock)
        pauses.append(pacer.refused(permit, clock()))
        pacer.release(permit)
    first = 60.0 / 12
    assert pauses == pytest.approx([first * 1.5, first * 2.5, first * 4.5, 30 + first / 2, 32.5, 32.5])


def test_requests_after_a_refusal_wait_out_the_pause():
    clock = FakeClock()
    pacer = Pacer(jitter=lambda: 0.0)
    answer(pacer, clock, 1000, 500)
    permit = pacer.acquire(clock)
    pause = pacer.refused(permit, clock())
    pacer.release(permit)
    following = pacer.acquire(clock)
    assert following.probe
    assert following.wait == pytest.approx(pause)


def test_refusals_of_requests_sent_before_the_pause_do_not_grow_it():
    clock = FakeClock()
    pacer = Pacer(jitter=lambda: 0.0)
    answer(pacer, clock, 1000, 500)
    in_flight = [pacer.acquire(clock) for _ in range(4)]
    pauses = [pacer.refused(permit, clock()) for permit in in_flight]
    assert pauses == pytest.approx([5.0] * 4)


def test_retry_after_is_honoured_and_capped():
    clock = FakeClock()
    pacer = Pacer()
    permit = pacer.acquire(clock)
    assert pacer.refused(permit, clock(), retry_after=7) == 7
    pacer.release(permit)
    permit = pacer.acquire(clock)
    assert pacer.refused(permit, clock(), retry_after=1000) == 120


def test_a_success_ends_the_refusals():
    clock = FakeClock()
    pacer = Pacer(jitter=lambda: 0.0)
    for _ in range(3):
        permit = pacer.acquire(clock)
        pacer.refused(permit, clock())
        pacer.release(permit)
    answer(pacer, clock, 1000, 900)
    permit = pacer.acquire(clock)
    assert not permit.probe
    assert pacer.refused(permit, clock()) == 5.0


def test_one_probe_at_a_time_when_the_budget_is_spent():
    clock = FakeClock()
    pacer = Pacer()
    answer(pacer, clock, 1000, 0)
    probe = pacer.acquire(clock)
    assert probe.probe
    events: list[str] = []

    def second() -> None:
        permit = pacer.acquire(clock)
        events.append(f"acquired probe={permit.probe}")
        pacer.release(permit)

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.2)  # room for a pacer that does not hold the second request back to show it
    events.append("answered")
    pacer.answered(probe, {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "999"})
    pacer.release(probe)
    thread.join(10)
    assert events == ["answered", "acquired probe=False"]


def test_one_pacer_per_account_without_the_token_in_its_key():
    same = pacer_for("https://app.textiopro.com", "bearer", TOKEN)
    assert pacer_for("https://app.textiopro.com", "bearer", TOKEN) is same
    assert pacer_for("https://app.textiopro.com", "bearer", "2|other") is not same
    assert pacer_for("https://other.example.com", "bearer", TOKEN) is not same
    assert TOKEN not in repr(same)
    assert all(TOKEN not in repr(key) and "Sup3r" not in repr(key) for key in same_keys())


def same_keys() -> list[object]:
    from airflow_provider_textiopro.hooks._internal import pacing

    return list(pacing._PACERS)
