"""ordered_map: results in order, a bounded window of calls in flight, lazy, early stop, errors in order."""

from __future__ import annotations

import threading

import pytest

from airflow_provider_textiopro.hooks._internal.concurrency import ordered_map

LIMIT = 3


class Recorder:
    """A call that records which arguments started, and how many ran at once."""

    def __init__(self, *, release_in_reverse: int = 0) -> None:
        self.started: list[int] = []
        self.running = 0
        self.most_running = 0
        self._lock = threading.Lock()
        self._all_started = threading.Barrier(release_in_reverse) if release_in_reverse else None

    def __call__(self, arg: int) -> int:
        with self._lock:
            self.started.append(arg)
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        if self._all_started is not None and arg < self._all_started.parties:
            self._all_started.wait(timeout=30)  # the first calls finish together, whatever their order
        with self._lock:
            self.running -= 1
        return arg * 10


def test_results_come_in_the_order_of_the_arguments_with_calls_running_at_once():
    call = Recorder(release_in_reverse=LIMIT)  # fails (a broken barrier) unless LIMIT calls run at once

    assert list(ordered_map(call, range(20), max_in_flight=LIMIT)) == [i * 10 for i in range(20)]
    assert sorted(call.started) == list(range(20))
    assert call.most_running == LIMIT


def test_nothing_starts_before_the_first_result_is_asked_for():
    call = Recorder()
    results = ordered_map(call, range(10), max_in_flight=LIMIT)

    assert call.started == []
    assert next(results) == 0
    results.close()


def test_at_most_the_window_is_read_ahead_of_the_consumer():
    call = Recorder()
    results = ordered_map(call, range(100), max_in_flight=LIMIT)

    taken = [next(results) for _ in range(5)]
    results.close()

    assert taken == [0, 10, 20, 30, 40]
    # Each result handed over starts one more call: 5 handed over, LIMIT more at most.
    assert len(call.started) <= 5 + LIMIT
    assert call.most_running <= LIMIT


def test_an_error_is_raised_in_order_after_the_earlier_results():
    def call(arg: int) -> int:
        if arg == 4:
            raise ValueError("page 5 failed")
        return arg

    results = ordered_map(call, range(10), max_in_flight=LIMIT)

    assert [next(results) for _ in range(4)] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="page 5 failed"):
        next(results)
    assert list(results) == []


def test_one_at_a_time_runs_in_the_calling_thread():
    threads = []

    def call(arg: int) -> int:
        threads.append(threading.get_ident())
        return arg

    assert list(ordered_map(call, range(3), max_in_flight=1)) == [0, 1, 2]
    assert set(threads) == {threading.get_ident()}


def test_a_single_call_runs_in_the_calling_thread():
    threads = []

    def call(arg: int) -> int:
        threads.append(threading.get_ident())
        return arg

    assert list(ordered_map(call, [7], max_in_flight=LIMIT)) == [7]
    assert threads == [threading.get_ident()]
