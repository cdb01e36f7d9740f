"""Run reads in threads, a bounded number at once, and hand their results back in order."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable, Sized
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import TypeVar

A = TypeVar("A")
R = TypeVar("R")


def ordered_map(call: Callable[[A], R], args: Iterable[A], *, max_in_flight: int) -> Generator[R, None, None]:
    """Yield ``call(arg)`` for each of ``args``, in their order, with at most ``max_in_flight`` running.

    A sliding window: a call starts when one of the window has been handed over, so at most
    ``max_in_flight`` results are held at any time, and nothing starts before the first
    result is asked for. The first error, in the order of ``args``, is raised where its result
    would have been. Closing the iterator early cancels the calls not started and waits for
    the running ones (at most ``max_in_flight - 1``).

    :param call: what to run for each argument (from a worker thread; it must be thread-safe).
    :param args: the arguments, read lazily.
    :param max_in_flight: the most calls running at once (no more than ``args`` has, when it is
        sized); 1 runs them one after another in the calling thread.
    """
    if isinstance(args, Sized):
        max_in_flight = min(max_in_flight, len(args))
    if max_in_flight <= 1:
        yield from map(call, args)
        return
    pending = iter(args)
    with ThreadPoolExecutor(max_workers=max_in_flight, thread_name_prefix="textiopro-read") as pool:
        window: deque[Future[R]] = deque(pool.submit(call, arg) for arg in islice(pending, max_in_flight))
        try:
            while window:
                result = window.popleft().result()
                window.extend(pool.submit(call, arg) for arg in islice(pending, 1))
                yield result
        finally:
            for future in window:
                future.cancel()
