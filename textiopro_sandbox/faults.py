"""Fault injection and the server's pace: rate limit, latency, 5xx answers, slow answers, HTML errors."""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from textiopro_sandbox.clock import Clock
from textiopro_sandbox.errors import ApiError

RATE_LIMIT_STYLES = ("200", "429", "mixed")
FAIL_MODES = ("before", "after")
RATE_LIMIT_WINDOW = 60.0
"""The platform's window: its limit counts the requests of the last minute."""


@dataclass(frozen=True)
class Faults:
    """What the sandbox does wrong, or slowly, on purpose.

    :param rate_limit: requests per ``rate_limit_window`` and account (a sliding window over every
        token and auth style of the account); beyond it answers ``Too Many Attempts.`` and does
        nothing else. None: no limit.
    :param rate_limit_window: the window's length in seconds (the platform's is 60; shorter ones
        scale time down, e.g. 200 requests per 12 s for 1,000 a minute).
    :param rate_limit_style: ``"200"`` (HTTP 200, ``status: error``, no Retry-After, as the
        platform), ``"429"`` (HTTP 429 with Retry-After) or ``"mixed"`` (alternating, starting with 200).
    :param latency_base: seconds every API request takes on the server (the platform: about 0.026).
    :param latency_per_recipient: seconds more per recipient of an accepted ``sms/send`` (the
        platform: about 0.0037, so about 0.4 s for 100). The latency is spent after the request
        took effect, holding no lock, so concurrent requests overlap as on a real server.
    :param fail_next_5xx: the next N API requests answer ``fail_status``.
    :param fail_status: the HTTP code of those failures (500-599).
    :param fail_mode: ``"before"``: the failing request has no effect; ``"after"``: it
        takes effect, then fails (a send that happened although the client saw a 5xx).
    :param slow: seconds to wait before handling every API request.
    :param html_errors: framework errors (401, 404, 405, 429, 5xx) come as HTML pages
        even when the client asks for JSON.
    :param contacts_sql_error: listing the contacts of a non-empty group answers HTTP 200 with
        the SQL error ``Unknown column 'first_name'`` (installs whose contacts table moved the
        names to custom fields).
    :param delete_group_error: ``DELETE`` of a group under ``/api/http`` deletes it, then answers
        HTTP 200 ``Attempt to read property "id" on null`` (platform 3.8).
    """

    rate_limit: int | None = None
    rate_limit_window: float = RATE_LIMIT_WINDOW
    rate_limit_style: str = "200"
    latency_base: float = 0.0
    latency_per_recipient: float = 0.0
    fail_next_5xx: int = 0
    fail_status: int = 500
    fail_mode: str = "before"
    slow: float = 0.0
    html_errors: bool = False
    contacts_sql_error: bool = False
    delete_group_error: bool = False

    def __post_init__(self) -> None:
        if self.rate_limit is not None and (not _is_int(self.rate_limit) or self.rate_limit < 1):
            raise ValueError("rate_limit must be a positive integer or None.")
        if not _is_number(self.rate_limit_window) or self.rate_limit_window <= 0:
            raise ValueError("rate_limit_window must be a number of seconds > 0.")
        if self.rate_limit_style not in RATE_LIMIT_STYLES:
            raise ValueError(f"rate_limit_style must be one of {', '.join(RATE_LIMIT_STYLES)}.")
        if not _is_int(self.fail_next_5xx) or self.fail_next_5xx < 0:
            raise ValueError("fail_next_5xx must be an integer >= 0.")
        if not _is_int(self.fail_status) or not 500 <= self.fail_status <= 599:
            raise ValueError("fail_status must be an HTTP code from 500 to 599.")
        if self.fail_mode not in FAIL_MODES:
            raise ValueError(f"fail_mode must be one of {', '.join(FAIL_MODES)}.")
        for name in ("slow", "latency_base", "latency_per_recipient"):
            if not _is_number(getattr(self, name)) or getattr(self, name) < 0:
                raise ValueError(f"{name} must be a number of seconds >= 0.")
        for name in ("html_errors", "contacts_sql_error", "delete_group_error"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false.")

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-able dict."""
        return asdict(self)

    def latency(self, recipients: int) -> float:
        """Return the seconds a request takes on the server; ``recipients``: those of an accepted send."""
        return self.latency_base + self.latency_per_recipient * recipients


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


FAULT_NAMES = frozenset(f.name for f in fields(Faults))


class FaultInjector:
    """Apply :class:`Faults` to requests; thread-safe."""

    def __init__(self, faults: Faults, clock: Clock) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._faults = faults
        self._hits: dict[str, deque[float]] = {}
        self._limited = 0

    @property
    def faults(self) -> Faults:
        """The faults in force."""
        return self._faults

    @property
    def limited(self) -> int:
        """How many requests the rate limit refused since it was set or reset."""
        with self._lock:
            return self._limited

    def update(self, **changes: Any) -> Faults:
        """Change some settings (unknown names raise ValueError) and return the new ones."""
        unknown = sorted(set(changes) - FAULT_NAMES)
        if unknown:
            raise ValueError(f"Unknown fault setting(s): {', '.join(unknown)}.")
        with self._lock:
            self._faults = replace(self._faults, **changes)
            if changes.keys() & {"rate_limit", "rate_limit_window", "rate_limit_style"}:
                self._hits.clear()
                self._limited = 0
            return self._faults

    def reset(self, faults: Faults) -> None:
        """Go back to ``faults`` and forget the rate-limit history."""
        with self._lock:
            self._faults = faults
            self._hits.clear()
            self._limited = 0

    def take_5xx(self, stage: str) -> None:
        """Raise the injected server error if one is pending for this ``stage`` (before/after)."""
        with self._lock:
            faults = self._faults
            if faults.fail_next_5xx <= 0 or faults.fail_mode != stage:
                return
            self._faults = replace(faults, fail_next_5xx=faults.fail_next_5xx - 1)
        raise ApiError("Server Error", faults.fail_status, page_status=faults.fail_status)

    def throttle(self, account: str) -> dict[str, str]:
        """Count one request of ``account`` (its uid); raise ``Too Many Attempts.`` at the limit.

        The limit counts the requests accepted in the last ``rate_limit_window`` seconds (a
        sliding window); a refused request is not counted. Return the rate-limit headers of the
        answer.
        """
        with self._lock:
            limit, window = self._faults.rate_limit, self._faults.rate_limit_window
            if limit is None:
                return {}
            now = self._clock.now()
            hits = self._hits.setdefault(account, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) < limit:
                hits.append(now)
                return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(limit - len(hits))}
            retry_after = max(1, math.ceil(hits[0] + window - now))
            style = self._faults.rate_limit_style
            if style == "mixed":
                style = "200" if self._limited % 2 == 0 else "429"
            self._limited += 1
        if style == "200":
            raise ApiError("Too Many Attempts.", 200, page_status=429)
        headers = {
            "Retry-After": str(retry_after),
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
        }
        raise ApiError("Too Many Attempts.", 429, page_status=429, headers=headers)
