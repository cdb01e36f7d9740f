"""Read TextioPro's answers: unwrap the envelope or raise the right error; one outcome per recipient.

The HTTP status code is not trusted alone: real servers answer many errors with
HTTP 200 and ``"status": "error"``, and some failures come back as HTML pages.

The answers of ``sms/send``: one recipient gives one message object, several give a list (with
``customer_status``); invalid numbers are missing from the list and their errors are joined into
``message``; numbers the gateway refused may be listed with a final failure (``Failed``, cost 0,
a uid): whatever the shape, a final failure is a refusal. A scheduled send may answer
``data: null``; one that answers a sent or moving message went out at once.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from airflow_provider_textiopro.exceptions import (
    TextioProAuthError,
    TextioProError,
    TextioProInputError,
    TextioProNotFoundError,
    TextioProRateLimitError,
    TextioProSendUncertainError,
    TextioProServerError,
    TextioProServerFaultError,
)
from airflow_provider_textiopro.hooks._internal.redaction import scrub
from airflow_provider_textiopro.models import SCHEDULED, Message, MessageStatus, RecipientOutcome

EXCERPT_LENGTH = 200

_RATE_LIMIT = ("too many attempts", "too many requests")
_AUTH = (
    "unauthenticated",
    "credentials do not match",
    "do not have permission to access api",
    "unauthorized",
    "invalid token",
)
_NOT_FOUND = ("no query results for model",)
_SERVER = ("sqlstate", "server error", "call to ", "undefined ", "stack trace", "exception")
_SERVER_FAULT = (
    "sqlstate",
    "attempt to read property",
    "cannot assign null to property",
    "must be of type",
    "typeerror",
    "call to undefined",
    "call to a member function",
    "undefined array key",
    "undefined variable",
    "undefined index",
)
# SQL errors that a repeat can heal: the database was unreachable, busy or deadlocked.
_SQL_TRANSIENT = re.compile(
    r"sqlstate\[(08|40001|hy000\]\s*\[(2002|2006))|deadlock|lock wait timeout|gone away", re.IGNORECASE
)
_ROUTE = re.compile(r"method is not supported for (this )?route|route .* could not be found", re.IGNORECASE)
_METHOD = re.compile(r"method is not supported", re.IGNORECASE)
_LOGIN_PAGE = re.compile(r"^(https?://[^/]+)?/login/?([?#].*)?$", re.IGNORECASE)

ADVICE_INPUT = "Fix the request's parameters and run it again."
ADVICE_ACCOUNT = (
    "Fix the input or the TextioPro account (balance, sending limit, authorised sender ids, "
    "blacklist, spam words) and run it again."
)
ADVICE_SENDER = (
    "Use a sender id this TextioPro account may send from (the sender_id argument or the "
    "connection's default_sender_id), or have it approved in the TextioPro dashboard."
)
ADVICE_TYPE = "Use a message type the server supports: plain, unicode, voice, mms, whatsapp, viber or otp."
ADVICE_CHANNEL = "Give the channel's parameters: language and gender for voice, media_url for mms."
ADVICE_BALANCE = "Top up the TextioPro account's balance, then run it again."
ADVICE_BLACKLIST = "Leave the blacklisted number out, or take it off the account's blacklist."
ADVICE_SPAM = "Reword the message: the account's spam filter refused some of its words."
ADVICE_LIMIT = (
    "Send fewer messages: at most 100 recipients per request and within the account's sending "
    "limit (raise it in the TextioPro dashboard)."
)
ADVICE_NUMBER = (
    "Give the number with its country code (e.g. 31612345678), or set the connection's default_region."
)
ADVICE_AUTH = (
    "Check the API token (password) and auth_style of the Airflow connection: a bearer token "
    "needs auth_style 'bearer' (/api/v3), an HTTP API token needs 'api_token' (/api/http)."
)
ADVICE_NOT_FOUND = "Check the uid: it must exist on this TextioPro account."
ADVICE_SERVER = "TextioPro failed: retry later, and report it to TextioPro if it persists."
ADVICE_SERVER_FAULT = (
    "The TextioPro server failed with an error a repeat cannot heal, so it was not retried: "
    "report it to TextioPro, quoting this message."
)
ADVICE_UNCERTAIN = (
    "It may have taken effect although no answer confirmed it: check the TextioPro dashboard "
    "before running it again, so nothing is sent or created twice."
)

# The server's own words say what is wrong whatever the HTTP status: the first rule that matches wins.
_TEXT_RULES: tuple[tuple[tuple[str, ...], type[TextioProError], str], ...] = (
    (_AUTH, TextioProAuthError, ADVICE_AUTH),
    (_NOT_FOUND, TextioProNotFoundError, ADVICE_NOT_FOUND),
    (("is not authorized to send", "originator", "sender id"), TextioProInputError, ADVICE_SENDER),
    (("valid sms type",), TextioProInputError, ADVICE_TYPE),
    (("language and gender", "media_url", "media url"), TextioProInputError, ADVICE_CHANNEL),
    (("not enough balance",), TextioProInputError, ADVICE_BALANCE),
    (("blacklist",), TextioProInputError, ADVICE_BLACKLIST),
    (("spam",), TextioProInputError, ADVICE_SPAM),
    (("sending limit", "cannot send more than"), TextioProInputError, ADVICE_LIMIT),
    (("invalid phone number",), TextioProInputError, ADVICE_NUMBER),
)
_KNOWN = _RATE_LIMIT + _SERVER + _SERVER_FAULT + tuple(n for needles, _, _ in _TEXT_RULES for n in needles)


@dataclass(frozen=True)
class Answer:
    """A successful answer: its ``data`` and its ``message`` (e.g. the joined errors of invalid numbers)."""

    data: Any
    message: str | None = None


class RouteMissingError(TextioProNotFoundError):
    """The server has no route for this path and verb (the hook turns it into a clearer error).

    :param method_not_allowed: the path exists but not with this HTTP verb.
    """

    def __init__(self, message: str, *, method_not_allowed: bool, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.method_not_allowed = method_not_allowed


def excerpt(text: str, token: str | None = None) -> str:
    """Return a short, tag-free, single-line excerpt of a body, without the token."""
    text = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", text, flags=re.IGNORECASE | re.DOTALL)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = " ".join(scrub(text, token).split())
    return text if len(text) <= EXCERPT_LENGTH else f"{text[: EXCERPT_LENGTH - 3]}..."


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks to wait (seconds or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, moment - (time.time() if now is None else now))


def _contains(text: str, needles: tuple[str, ...]) -> bool:
    lowered = text.lower()
    return any(needle in lowered for needle in needles)


def is_known_error_text(text: str) -> bool:
    """True when ``text`` is one of the server's recognised error texts (not a gateway status)."""
    return bool(_ROUTE.search(text)) or _contains(text, _KNOWN)


def is_server_fault(text: str) -> bool:
    """True when ``text`` is a server-side failure a repeat cannot heal (an SQL or PHP error)."""
    return _contains(text, _SERVER_FAULT) and not _SQL_TRANSIENT.search(text)


def _by_text(text: str) -> tuple[type[TextioProError], str] | None:
    """Return the error class and advice the server's text calls for, or None when it says nothing known."""
    for needles, cls, advice in _TEXT_RULES:
        if _contains(text, needles):
            return cls, advice
    return None


def is_gateway_refusal(error: TextioProError) -> bool:
    """True when a send failed with HTTP 403 carrying a message status or raw gateway text."""
    text = error.api_message or ""
    if error.status_code != 403 or not isinstance(error, TextioProInputError) or not text:
        return False
    return MessageStatus.parse(text) is not MessageStatus.UNKNOWN or not is_known_error_text(text)


def error_for(
    response: requests.Response,
    text: str | None,
    *,
    operation: str,
    token: str | None,
    readable: bool,
    creates: bool,
) -> TextioProError:
    """Return the exception for a failed answer.

    :param response: the HTTP response.
    :param text: TextioPro's ``message``, or an excerpt of an unreadable body.
    :param operation: the hook method's name, for the message.
    :param token: the token, scrubbed from every text.
    :param readable: the body was a JSON object (``text`` is TextioPro's own message).
    :param creates: the request creates something (a 5xx then means "maybe done").
    """
    status = response.status_code
    text = scrub(text or "", token)
    if readable:
        what, api_message = text or f"no error text ({response.reason or 'no reason'})", text or None
    else:
        what, api_message = f"unreadable answer: {text}" if text else "empty answer", None
    kwargs: dict[str, Any] = {"status_code": status, "api_message": api_message, "operation": operation}
    if 300 <= status < 400:
        location = scrub(response.headers.get("Location") or "another address", token)
        if _LOGIN_PAGE.match(location):
            return TextioProAuthError(
                f"TextioPro {operation} failed: the server sent the request to its login page ({location}, "
                f"HTTP {status}), so it refused the token; nothing was done. {ADVICE_AUTH}",
                **kwargs,
            )
        return TextioProInputError(
            f"TextioPro {operation} failed: the server redirected the request to {location} (HTTP {status}). "
            "Set the connection's host to the base URL the server redirects to.",
            **kwargs,
        )
    if status == 405 or _ROUTE.search(text) or (status == 404 and not readable):
        return RouteMissingError(
            f"TextioPro {operation} failed: the server has no such route: {what} (HTTP {status}).",
            method_not_allowed=status == 405 or bool(_METHOD.search(text)),
            **kwargs,
        )
    if status == 429 or _contains(text, _RATE_LIMIT):
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        wait = f"wait {retry_after:g} s" if retry_after is not None else "wait a minute"
        return TextioProRateLimitError(
            f"TextioPro {operation} was rate limited: {what} (HTTP {status}). TextioPro allows about "
            f"1000 requests a minute per account: {wait} and retry, or send fewer requests.",
            retry_after=retry_after,
            **kwargs,
        )
    if readable and is_server_fault(text):
        cls: type[TextioProError] = TextioProSendUncertainError if creates else TextioProServerFaultError
        advice = ADVICE_UNCERTAIN if creates else ADVICE_SERVER_FAULT
        return cls(f"TextioPro {operation} failed on the server: {what} (HTTP {status}). {advice}", **kwargs)
    cls, advice = _by_text(text) or _by_status(status, readable=readable, api_message=api_message, text=text)
    if cls is TextioProServerError and creates:
        cls, advice = TextioProSendUncertainError, ADVICE_UNCERTAIN
    return cls(f"TextioPro {operation} failed: {what} (HTTP {status}). {advice}", **kwargs)


def _by_status(
    status: int, *, readable: bool, api_message: str | None, text: str
) -> tuple[type[TextioProError], str]:
    """Return the error class and advice of an answer whose text says nothing known."""
    if status == 401 or (status == 403 and not api_message):
        return TextioProAuthError, ADVICE_AUTH
    if status == 404:
        return TextioProNotFoundError, ADVICE_NOT_FOUND
    if status >= 500 or not readable or (status < 400 and _contains(text, _SERVER)):
        return TextioProServerError, ADVICE_SERVER
    if status == 403:
        return TextioProInputError, ADVICE_ACCOUNT
    return TextioProInputError, ADVICE_INPUT


def read_answer(
    response: requests.Response, *, operation: str, token: str | None = None, creates: bool = False
) -> Answer:
    """Return a successful answer, or raise the matching TextioProError.

    :param response: the HTTP response.
    :param operation: the hook method's name, for error messages.
    :param token: the token, scrubbed from every error text.
    :param creates: the request creates something, so an unreadable or 5xx answer means "maybe done".
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        text = excerpt(response.text or "", token)
        raise error_for(response, text, operation=operation, token=token, readable=False, creates=creates)
    status = str(body.get("status") or "").lower()
    ok = response.status_code < 300 and (status == "success" or (not status and "data" in body))
    message = body.get("message")
    if ok:
        return Answer(body.get("data"), message if isinstance(message, str) else None)
    if not isinstance(message, str):
        message = excerpt(str(body.get("errors") or message or ""), token)
    raise error_for(response, message, operation=operation, token=token, readable=True, creates=creates)


NO_MESSAGE_REASON = "TextioPro created no message for this number"
FINAL_FAILURE_REASON = "TextioPro answered a final failure for this number"

_PARTS = re.compile(r"\n|;|(?<=[.!])\s+|,\s+(?=\+?\d)")
_DIGITS = re.compile(r"\d+")


def reasons_by_number(numbers: Sequence[str], text: str | None) -> dict[str, str]:
    """Map each number that a joined error text mentions to its own part of that text.

    A number is mentioned when a part holds it as a whole run of digits (``+`` before it
    allowed); the first such part is its reason. ``numbers`` are digit strings, as
    :func:`~airflow_provider_textiopro.utils.phone.normalize_phone` returns them.
    """
    if not text or not _DIGITS.search(text):
        return {}
    wanted = set(numbers)
    found: dict[str, str] = {}
    for part in _PARTS.split(text):
        part = part.strip(" ,.")
        for run in _DIGITS.findall(part):
            if run in wanted and run not in found:
                found[run] = part
    return found


def refused(numbers: Sequence[str], text: str) -> list[RecipientOutcome]:
    """Return an outcome without a message for each number the gateway refused.

    :param numbers: the numbers of the refused request.
    :param text: the server's message: a status (``Failed``) or the joined refusals of each number.
    """
    reasons = reasons_by_number(numbers, text)
    status = text if MessageStatus.parse(text) is not MessageStatus.UNKNOWN else None
    return [
        RecipientOutcome(recipient=number, status=status, error=reasons.get(number) or f"refused: {text}")
        for number in numbers
    ]


def is_final_failure(status: MessageStatus) -> bool:
    """True for a known final failure: ``Failed``, ``Undelivered``, ``Expired``, ``Rejected``, ``Skipped``."""
    return status.is_failure and status is not MessageStatus.UNKNOWN


def outcomes_from_answer(
    chunk: Sequence[str], data: Any, message: str | None, *, scheduled: bool
) -> list[RecipientOutcome]:
    """Return one outcome per number of ``chunk``, in its order.

    A message answered with a final failure is refused (it keeps its uid); with ``scheduled``,
    a message answered as delivered or moving was sent at once (``sent_immediately``).

    :param chunk: the numbers of one request.
    :param data: the answer's ``data``: a message object, a list of them, or None.
    :param message: the answer's ``message`` (the joined errors of invalid numbers).
    :param scheduled: the request had a ``schedule_time``.
    """
    if data is None or (scheduled and not data):
        status = SCHEDULED if scheduled else None
        return [RecipientOutcome(recipient=number, status=status) for number in chunk]
    items = [data] if isinstance(data, Mapping) else list(data) if isinstance(data, list) else []
    messages = [Message.from_api(item) for item in items if isinstance(item, Mapping)]
    by_number: dict[str, Message] = {}
    unmatched: list[Message] = []
    for item in messages:
        number: str | None = item.to if item.to in chunk and item.to not in by_number else None
        if number is None and len(chunk) == 1 and not by_number:
            number = chunk[0]
        if number is None:
            unmatched.append(item)
        else:
            by_number[number] = item
    missing = [number for number in chunk if number not in by_number]
    if unmatched and len(unmatched) == len(missing):
        by_number.update(zip(missing, unmatched, strict=True))
    failed = {
        number
        for number in chunk
        if number not in by_number or not by_number[number].uid or is_final_failure(by_number[number].status)
    }
    reasons = reasons_by_number([number for number in chunk if number in failed], message)
    outcomes = []
    for number in chunk:
        found = by_number.get(number)
        if found is None or not found.uid:
            reason = reasons.get(number) or (
                f"{NO_MESSAGE_REASON}: {message}" if message else NO_MESSAGE_REASON
            )
            status = found.raw_status if found else None
            outcomes.append(RecipientOutcome(recipient=number, status=status, error=reason))
            continue
        error = None
        if number in failed:
            error = reasons.get(number) or f"{FINAL_FAILURE_REASON}: {found.raw_status}"
        outcomes.append(
            RecipientOutcome(
                recipient=number,
                uid=found.uid,
                status=found.raw_status,
                error=error,
                cost=found.cost,
                segments=found.segments,
                sent_immediately=scheduled and error is None and not found.status.is_failure,
            )
        )
    return outcomes
