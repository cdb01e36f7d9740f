"""Hypothesis settings and strategies shared by the property tests (``-m property``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from airflow_provider_textiopro.exceptions import TextioProError

FAST = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
"""Few examples and no per-example deadline: the property tests belong to the fast lane."""

TOKEN = "1383|Sup3rS3cretT0ken"


def result_or_error(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, TextioProError | None]:
    """Return ``(result, None)``, or ``(None, error)`` for a TextioProError; any other exception escapes."""
    try:
        return call(*args, **kwargs), None
    except TextioProError as error:
        return None, error


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
"""Any JSON document a server could answer."""

numbers = st.from_regex(r"[1-9][0-9]{7,14}", fullmatch=True)
"""Digit strings as :func:`~airflow_provider_textiopro.utils.phone.normalize_phone` returns them."""

chunks = st.lists(numbers, min_size=1, max_size=8, unique=True)
"""The distinct numbers of one send request."""


def message_items(chunk: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Message objects as a send answers them: for numbers of the chunk, others, or garbage."""
    to = st.sampled_from(chunk) | numbers | st.integers() | st.none() | st.text(max_size=12)
    return st.fixed_dictionaries(
        {},
        optional={
            "uid": st.none() | st.text(max_size=12) | st.integers(),
            "to": to,
            "status": st.sampled_from(["Delivered", "Enroute", "Failed", "Invalid phone number", ""])
            | scalars,
            "customer_status": scalars,
            "cost": scalars,
            "sms_count": scalars,
        },
    )


def send_data(chunk: list[str]) -> st.SearchStrategy[Any]:
    """The ``data`` of a send answer: one message, a list of them (mixed with junk), or anything."""
    item = message_items(chunk)
    return item | st.lists(item | json_values, max_size=10) | json_values


def envelopes() -> st.SearchStrategy[dict[str, Any]]:
    """``{"status", "message", "data"}`` objects with any values (keys sometimes missing)."""
    return st.fixed_dictionaries(
        {},
        optional={
            "status": st.sampled_from(["success", "error", "Success", ""]) | scalars,
            "message": st.text(max_size=60) | json_values,
            "data": json_values,
            "errors": json_values,
        },
    )


def fake_response(status: int, body: bytes, headers: dict[str, str] | None = None) -> requests.Response:
    """A requests.Response as the transport would return it, without a socket."""
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers.update(headers or {})
    response.url = "https://app.textiopro.com/api/v3/sms/send"
    response.reason = None
    return response
