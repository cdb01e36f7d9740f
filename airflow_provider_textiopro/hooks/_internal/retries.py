"""When to repeat a TextioPro request, and how long to wait first (a tenacity policy).

Reads and idempotent updates are repeated after connection errors, timeouts, server
errors and rate limits, but not after a server fault a repeat cannot heal (an SQL or PHP
error). Requests that create something (a send, a campaign, a group, a contact) are
repeated only when they provably had no effect: the connection was refused before the
request went out, or the server rate-limited it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
import tenacity
from urllib3.exceptions import MaxRetryError, NewConnectionError

from airflow_provider_textiopro.exceptions import (
    TextioProRateLimitError,
    TextioProServerError,
    TextioProServerFaultError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of the retries of one request.

    :param max_retries: how many times a failed request may be repeated (0: never).
    :param wait_min: first backoff wait, in seconds (doubles with each retry, plus jitter).
    :param wait_max: longest backoff wait, in seconds.
    :param retry_after_cap: longest wait after a rate limit, in seconds (``Retry-After`` included).
    :param rate_limit_wait: first wait after a rate limit that gave no ``Retry-After`` (doubles
        with each retry, up to ``retry_after_cap``): the server counts requests per minute.
    """

    max_retries: int = 5
    wait_min: float = 1.0
    wait_max: float = 30.0
    retry_after_cap: float = 120.0
    rate_limit_wait: float = 5.0

    @property
    def attempts(self) -> int:
        """The total number of attempts, the first one included."""
        return self.max_retries + 1

    def wait(self, retry_state: tenacity.RetryCallState) -> float:
        """Return the wait before the next attempt: ``Retry-After`` (capped) or backoff with jitter."""
        error = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(error, TextioProRateLimitError):
            if error.retry_after is not None:
                return min(error.retry_after, self.retry_after_cap)
            initial, longest = self.rate_limit_wait, self.retry_after_cap
        else:
            initial, longest = self.wait_min, self.wait_max
        backoff = initial * 2 ** (retry_state.attempt_number - 1) + random.uniform(0, max(initial, 0.1))
        return min(backoff, longest)


def was_not_sent(error: BaseException) -> bool:
    """True when the request provably never reached the server (connect refused or timed out)."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(error, requests.exceptions.SSLError) or not isinstance(error, requests.ConnectionError):
        return False
    cause = error.args[0] if error.args else None
    return isinstance(cause, MaxRetryError) and isinstance(cause.reason, NewConnectionError)


def should_retry(error: BaseException, *, idempotent: bool) -> bool:
    """Decide whether a failed attempt may be repeated.

    :param error: what the attempt raised.
    :param idempotent: repeating the request cannot do anything twice (reads, PATCH, DELETE).
    """
    if isinstance(error, TextioProRateLimitError) or was_not_sent(error):
        return True
    if not idempotent or isinstance(error, requests.exceptions.SSLError):
        return False
    if isinstance(error, TextioProServerFaultError):
        return False
    return isinstance(error, (requests.ConnectionError, requests.Timeout, TextioProServerError))


def build_retrying(
    policy: RetryPolicy,
    *,
    idempotent: bool,
    sleep: Callable[[float], Any],
    before_sleep: Callable[[tenacity.RetryCallState], Any],
) -> tenacity.Retrying:
    """Return a tenacity ``Retrying`` that re-raises the last error when it gives up.

    Refusals at the rate limit are not repeated here: the hook's pacer waits them out
    (:mod:`~airflow_provider_textiopro.hooks._internal.pacing`) and raises only once it gave up.

    :param policy: the bounds.
    :param idempotent: see :func:`should_retry`.
    :param sleep: the function that waits (replaced in tests).
    :param before_sleep: called before each wait, to log the retry.
    """
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception(
            lambda error: (
                should_retry(error, idempotent=idempotent) and not isinstance(error, TextioProRateLimitError)
            )
        ),
        stop=tenacity.stop_after_attempt(policy.attempts),
        wait=policy.wait,
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
