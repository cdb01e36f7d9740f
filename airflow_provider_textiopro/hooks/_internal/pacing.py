"""Pace the requests of one TextioPro account on the server's own rate-limit counter.

Successful answers carry ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining`` (per account and
minute, one counter for every client of the account). A :class:`Pacer` reads them and:

* sends freely while more than a tenth of the budget remains, or when answers carry no such
  headers (the hook's concurrency bounds it);
* below that, spreads the next requests: ``window / limit * reserve / (remaining + 1)`` seconds
  apart, so the account's sustainable rate at the reserve and slower as the budget runs out;
* lets one request at a time through (a *probe*) on first contact with the account, when the
  budget is spent, and after a refusal, so that several workers sharing the account learn
  the state of its counter with one request each instead of a burst of refusals;
* after ``Too Many Attempts.`` (the request was not processed) pauses every request of the
  account: ``Retry-After`` when the server gives one (capped), else a growing, jittered wait
  (``window / 12`` doubling, capped near half the window). Refusals of requests that left
  before the pause began do not grow it.

The pacer only computes waits: the caller sleeps (so tests need no real waiting). One pacer
serves every hook of an account in a process (:func:`pacer_for`); it holds no token.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

WINDOW = 60.0
"""Seconds of the platform's rate-limit window (its limit is per minute)."""
RESERVE = 0.1
"""The share of the budget below which requests are spread out."""
RETRY_AFTER_CAP = 120.0
"""The longest ``Retry-After`` honoured, in seconds."""


@dataclass(frozen=True)
class Permit:
    """Leave to send one request.

    :param wait: seconds to wait before sending it.
    :param probe: the request is the account's only one in flight until answered.
    :param epoch: the pause in force when it was given (see :meth:`Pacer.refused`).
    """

    wait: float
    probe: bool
    epoch: int


def _header(headers: Mapping[str, str], name: str) -> int | None:
    """Return an integer header, or None when it is missing or not a number."""
    try:
        return int(str(headers.get(name, "")).strip())
    except ValueError:
        return None


class Pacer:
    """The pace of one account's requests in this process; thread-safe.

    :param window: seconds of the server's rate-limit window.
    :param jitter: returns a random number in [0, 1) (replaced in tests).
    """

    def __init__(self, window: float = WINDOW, *, jitter: Callable[[], float] = random.random) -> None:
        self.window = window
        self._jitter = jitter
        self._state = threading.Condition()
        self.limit: int | None = None
        self.remaining: int | None = None
        self._answered = False
        self._next_at = 0.0
        self._paused_until = 0.0
        self._refusals = 0
        self._epoch = 0
        self._probing = False

    def __repr__(self) -> str:
        return f"Pacer(limit={self.limit}, remaining={self.remaining}, refusals={self._refusals})"

    def acquire(self, clock: Callable[[], float], *, resumed: bool = False) -> Permit:
        """Return the leave to send the next request; blocks while another request probes.

        Give the permit back with :meth:`release` once the request is over, whatever happened.

        :param clock: the monotonic clock the waits are counted on.
        :param resumed: the request was refused and its caller already waited out the pause
            :meth:`refused` gave it.
        """
        with self._state:
            while self._needs_probe() and self._probing:
                self._state.wait()
            now = clock()
            probe = self._needs_probe()
            self._probing = self._probing or probe
            at = max(now, self._next_at, now if resumed else self._paused_until)
            self._next_at = at + self._gap()
            return Permit(wait=at - now, probe=probe, epoch=self._epoch)

    def answered(self, permit: Permit, headers: Mapping[str, str]) -> None:
        """Read the rate-limit headers of an answer (the request got past the limit)."""
        limit = _header(headers, "X-RateLimit-Limit")
        remaining = _header(headers, "X-RateLimit-Remaining")
        with self._state:
            self._answered = True
            self._refusals = 0
            if limit is not None and limit > 0 and remaining is not None:
                self.limit, self.remaining = limit, max(0, remaining)
            else:  # the server stopped counting (or never did): nothing to pace on
                self.limit = self.remaining = None

    def refused(self, permit: Permit, now: float, retry_after: float | None = None) -> float:
        """Pause the account after ``Too Many Attempts.``; return how long the pause lasts from ``now``.

        :param permit: the refused request's permit.
        :param now: the time of the refusal, on the clock given to :meth:`acquire`.
        :param retry_after: the seconds the server asked to wait, when it said so.
        """
        with self._state:
            if permit.epoch == self._epoch:
                self._refusals += 1
                self._epoch += 1
                self._paused_until = now + self._pause(retry_after)
            self.remaining = 0 if self.limit is not None else None
            return max(0.0, self._paused_until - now)

    def release(self, permit: Permit) -> None:
        """Give a permit back: a probe's end lets the next requests through."""
        if not permit.probe:
            return
        with self._state:
            self._probing = False
            self._state.notify_all()

    def _needs_probe(self) -> bool:
        return not self._answered or self._refusals > 0 or self.remaining == 0

    def _gap(self) -> float:
        """Seconds between the starts of two requests at the budget the server last reported."""
        if self.limit is None or self.remaining is None:
            return 0.0
        reserve = max(1, int(self.limit * RESERVE))
        if self.remaining > reserve:
            return 0.0
        return self.window / self.limit * reserve / (self.remaining + 1)

    def _pause(self, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, RETRY_AFTER_CAP)
        first = self.window / 12
        growing = min(first * 2 ** (self._refusals - 1), self.window / 2)
        return growing + first * self._jitter()


_PACERS: dict[tuple[str, str, str], Pacer] = {}
_PACERS_LOCK = threading.Lock()


def pacer_for(base_url: str, auth_style: str, token: str, window: float = WINDOW) -> Pacer:
    """Return the pacer of an account: the same one for every hook of this process that uses it.

    The account is told by its server, auth style and a SHA-256 digest of its token (the token
    itself is never kept).
    """
    key = (base_url, auth_style, hashlib.sha256(token.encode()).hexdigest())
    with _PACERS_LOCK:
        pacer = _PACERS.get(key)
        if pacer is None:
            pacer = _PACERS[key] = Pacer(window)
        return pacer
