"""Read and validate the settings of a ``textiopro`` Airflow connection."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from airflow_provider_textiopro.exceptions import TextioProAuthError, TextioProInputError
from airflow_provider_textiopro.hooks._internal.endpoints import API_PREFIX, AUTH_STYLES, BEARER

DEFAULT_BASE_URL = "https://app.textiopro.com"
DEFAULT_CONN_ID = "textiopro_default"
TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")
DEFAULT_MAX_CONCURRENT_REQUESTS = 8
"""Requests of a bulk send in flight at once: 8 requests of 0.4 s reach the platform's 1,000 a minute."""
MAX_CONCURRENT_REQUESTS = 32
DEFAULT_RATE_LIMIT_MAX_WAIT = 600.0
"""Seconds one request may wait at the account's rate limit before it fails (ten of its windows)."""


def validate_auth_style(value: Any) -> str:
    """Return ``value`` as a valid auth style, or raise TextioProInputError naming the allowed ones."""
    style = str(value).strip().lower()
    if style not in AUTH_STYLES:
        raise TextioProInputError(
            f"auth_style {value!r} is not valid: use 'bearer' (the /api/v3 API, Authorization header, "
            "the default) or 'api_token' (the /api/http API, token in the request)."
        )
    return style


def build_base_url(host: str | None, port: int | None = None, scheme: str | None = None) -> str:
    """Return the base URL for a connection host.

    A host without a scheme gets ``https``, unless it is the local machine (``localhost``
    or a loopback address such as ``127.0.0.1`` or ``::1``: ``http``) or ``scheme`` says
    otherwise. A bare IPv6 address is put in brackets (``http://[::1]``). A trailing
    ``/api/v3`` or ``/api/http`` is dropped.
    """
    text = (host or "").strip().rstrip("/")
    if not text:
        return DEFAULT_BASE_URL
    if "://" not in text:
        if _is_ipv6(text):
            text = f"[{text}]"
        local = _is_local(urlsplit(f"//{text}").hostname)
        text = f"{scheme or ('http' if local else 'https')}://{text}"
    parts = urlsplit(text)
    if scheme:
        parts = parts._replace(scheme=scheme)
    if port and parts.port is None:
        parts = parts._replace(netloc=f"{parts.netloc}:{port}")
    path = parts.path.rstrip("/")
    for prefix in API_PREFIX.values():
        path = path.removesuffix(f"/{prefix}")
    return urlunsplit(parts._replace(path=path, query="", fragment=""))


def _is_ipv6(text: str) -> bool:
    """Return True for a bare IPv6 address (``::1``), which a URL writes in brackets."""
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _is_local(hostname: str | None) -> bool:
    """Return True for ``localhost`` and the loopback addresses (``127.0.0.1``, ``::1``)."""
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname or "").is_loopback
    except ValueError:
        return False


def _extra(extra: dict[str, Any], key: str, default: Any = None) -> Any:
    """Return an extra value (also under Airflow's old ``extra__textiopro__`` prefix); '' counts as unset."""
    value = extra.get(key, extra.get(f"extra__textiopro__{key}"))
    if isinstance(value, str):
        value = value.strip()
    return default if value in (None, "") else value


def check_token(conn_id: str, token: str, auth_style: str) -> None:
    """Raise TextioProInputError when ``token`` cannot travel as written; the token is never quoted.

    A bearer token goes in an HTTP header, which holds Latin-1 text; no style takes control
    characters. U+FFFD is what Airflow reads for a ``%`` escape of a URI that is not UTF-8.
    """
    recopy = "copy the token again from the TextioPro dashboard (Developers) into the password field"
    if "\ufffd" in token:
        problem = (
            "holds a '%' escape that is not UTF-8 (Airflow read it as U+FFFD): in a connection URI write "
            "each '%' of the token as '%25', or give the connection as JSON, which takes the token as it is"
        )
    elif any(unicodedata.category(char) == "Cc" for char in token):
        problem = f"holds a control character (a line break, tab or NUL): {recopy}"
    elif auth_style == BEARER and any(ord(char) > 0xFF for char in token):
        problem = f"holds characters outside Latin-1, which an HTTP header cannot carry: {recopy}"
    else:
        return
    raise TextioProInputError(
        f"Connection {conn_id!r}: the API token (password) {problem}. Nothing was sent."
    )


def _number(conn_id: str, key: str, value: Any, cast: type, minimum: float) -> Any:
    """Return ``value`` cast to int or float, at least ``minimum``, or raise TextioProInputError."""
    try:
        number = cast(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number < minimum:
        kind = "an integer" if cast is int else "a number"
        raise TextioProInputError(
            f"Connection {conn_id!r}: extra {key!r} must be {kind} >= {minimum}, got {value!r}."
        )
    return number


def check_concurrency(value: Any, what: str = "max_concurrent_requests") -> int:
    """Return ``value`` as a number of requests in flight at once (1 to 32), or raise TextioProInputError."""
    number = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value)
    if number is None or not 1 <= number <= MAX_CONCURRENT_REQUESTS:
        raise TextioProInputError(
            f"{what} must be an integer from 1 to {MAX_CONCURRENT_REQUESTS}, got {value!r}: the account's "
            "rate limit, not concurrency, bounds a send (8 reach about 1,000 requests a minute)."
        )
    return number


def _path(conn_id: str, key: str, value: str, what: str, *, directory: bool = False) -> str:
    """Return ``value`` (``~`` expanded) when it names an existing file, or raise TextioProInputError."""
    path = os.path.expanduser(value)
    if os.path.isfile(path) or (directory and os.path.isdir(path)):
        return path
    raise TextioProInputError(
        f"Connection {conn_id!r}: extra {key!r} names {what} {value!r} that does not exist on this "
        "machine: give a path the Airflow workers can read."
    )


def parse_flag(conn_id: str, key: str, value: Any) -> bool:
    """Return a true/false extra (a JSON boolean, or the strings ``true``/``false``)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise TextioProInputError(f"Connection {conn_id!r}: extra {key!r} must be true or false, not {value!r}.")


def parse_verify(conn_id: str, value: Any) -> bool | str | None:
    """Return the ``verify`` extra: True, False, a CA bundle path, or None when unset.

    :raises TextioProInputError: not a boolean, or a path that does not exist.
    """
    if value is None or isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise TextioProInputError(
            f"Connection {conn_id!r}: extra 'verify' must be true, false or the path of a CA bundle, "
            f"got {value!r} ({type(value).__name__})."
        )
    if value.lower() in TRUE_WORDS + FALSE_WORDS:
        return value.lower() in TRUE_WORDS
    return _path(conn_id, "verify", value, "a CA bundle", directory=True)


def parse_cert(conn_id: str, value: Any) -> str | tuple[str, str] | None:
    """Return the ``cert`` extra: a client certificate path, a (certificate, key) pair, or None.

    A string with a comma is read as ``"certificate path,key path"``.

    :raises TextioProInputError: not a path or a pair of paths, or a file that does not exist.
    """
    if value is None:
        return None
    parts = value.split(",") if isinstance(value, str) else value
    if (
        not isinstance(parts, (list, tuple))
        or not 1 <= len(parts) <= 2
        or not all(isinstance(part, str) and part.strip() for part in parts)
    ):
        raise TextioProInputError(
            f"Connection {conn_id!r}: extra 'cert' must be the path of a client certificate (PEM, with "
            f"its key) or a pair [certificate path, key path], got {value!r}."
        )
    paths = [_path(conn_id, "cert", part.strip(), "a client certificate file") for part in parts]
    return paths[0] if len(paths) == 1 else (paths[0], paths[1])


def parse_proxies(conn_id: str, value: Any) -> dict[str, str] | None:
    """Return the ``proxies`` extra (a JSON object, as requests takes it), or None when unset.

    :raises TextioProInputError: not a JSON object of strings.
    """
    if isinstance(value, str):
        with contextlib.suppress(ValueError):  # not JSON: refused below as a string
            value = json.loads(value)
    if value is None or value == {}:
        return None
    if not isinstance(value, Mapping) or not all(
        isinstance(key, str) and isinstance(url, str) and url.strip() for key, url in value.items()
    ):
        raise TextioProInputError(
            f"Connection {conn_id!r}: extra 'proxies' must be a JSON object mapping a scheme to a proxy "
            'URL, such as {"https": "http://proxy.example.com:3128"}; got a value of another shape.'
        )
    return {key: url.strip() for key, url in value.items()}


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything the hook needs from its connection.

    :param base_url: the server's base URL, e.g. ``https://app.textiopro.com``.
    :param token: the API token (never shown in ``repr``).
    :param auth_style: ``bearer`` (``/api/v3``) or ``api_token`` (``/api/http``).
    :param timeout: seconds to wait for each answer.
    :param default_sender_id: the sender id used when a call gives none.
    :param default_region: ISO 3166 alpha-2 region for numbers written without a country code.
    :param timezone: the account's timezone, in which ``schedule_time`` is written; None when
        the connection does not set it (the hook then reads the account's profile).
    :param max_retries: how many times a failed request may be repeated (0: never).
    :param retry_wait_min: first backoff wait, in seconds.
    :param retry_wait_max: longest backoff wait, in seconds.
    :param verify: check the server's TLS certificate (True), do not (False), or check it against
        this CA bundle path; None leaves it to requests (its default, ``REQUESTS_CA_BUNDLE``).
    :param cert: a client certificate path, or a (certificate, key) pair of paths.
    :param proxies: proxy URL by scheme or host, as requests takes them (never shown in ``repr``:
        a proxy URL may hold a password).
    :param max_concurrent_requests: how many requests one hook call may have in flight at once
        (the requests of a bulk send, the later pages of a list, the messages a wait reads).
    :param rate_limit_max_wait: the longest time, in seconds, one request waits at the account's
        rate limit (refused with ``Too Many Attempts.``, so not processed) before it fails.
    :param rate_limit_window: the seconds over which the server counts the account's requests
        (the platform's limit is per minute).
    :param dry_run: every task on this connection plans its sends and writes without making them
        (extra ``dry_run``: a staging Airflow that can never text anyone).
    """

    base_url: str
    token: str = field(repr=False)
    auth_style: str = BEARER
    timeout: float = 30.0
    default_sender_id: str | None = None
    default_region: str | None = None
    timezone: str | None = None
    max_retries: int = 5
    retry_wait_min: float = 1.0
    retry_wait_max: float = 30.0
    verify: bool | str | None = None
    cert: str | tuple[str, str] | None = None
    proxies: dict[str, str] | None = field(default=None, repr=False)
    max_concurrent_requests: int = DEFAULT_MAX_CONCURRENT_REQUESTS
    rate_limit_max_wait: float = DEFAULT_RATE_LIMIT_MAX_WAIT
    rate_limit_window: float = 60.0
    dry_run: bool = False

    @classmethod
    def from_connection(
        cls,
        conn: Any,
        *,
        auth_style: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        max_concurrent_requests: int | None = None,
    ) -> ConnectionSettings:
        """Parse an Airflow connection; the keyword arguments override its extras.

        :raises TextioProAuthError: the connection has no token.
        :raises TextioProInputError: an extra has an invalid value, or the token cannot be sent.
        """
        conn_id = conn.conn_id
        extra = conn.extra_dejson or {}
        token = (conn.password or "").strip()
        if not token:
            raise TextioProAuthError(
                f"Connection {conn_id!r} has no TextioPro API token: put the token from the TextioPro "
                "dashboard (Developers) in the connection's password field ('API token')."
            )
        region = _extra(extra, "default_region")
        if region is not None and not re.fullmatch(r"[A-Za-z]{2}", str(region)):
            raise TextioProInputError(
                f"Connection {conn_id!r}: default_region must be a two-letter ISO 3166 country code "
                f"such as 'NL' or 'US', got {region!r}."
            )
        tz = _extra(extra, "timezone")
        tz = None if tz is None or not str(tz).strip() else str(tz).strip()
        try:
            if tz is not None:
                ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise TextioProInputError(
                f"Connection {conn_id!r}: timezone {tz!r} is unknown: use an IANA name such as "
                "'Europe/Paris' (the timezone of the TextioPro account)."
            ) from None
        wait_min = _number(conn_id, "retry_wait_min", _extra(extra, "retry_wait_min", 1.0), float, 0)
        wait_max = _number(conn_id, "retry_wait_max", _extra(extra, "retry_wait_max", 30.0), float, 0)
        if timeout is None:
            timeout = _extra(extra, "timeout", 30.0)
        if max_retries is None:
            max_retries = _extra(extra, "max_retries", 5)
        if max_concurrent_requests is None:
            max_concurrent_requests = _extra(
                extra, "max_concurrent_requests", DEFAULT_MAX_CONCURRENT_REQUESTS
            )
        sender = _extra(extra, "default_sender_id")
        style = validate_auth_style(auth_style or _extra(extra, "auth_style") or BEARER)
        check_token(conn_id, token, style)
        return cls(
            base_url=build_base_url(conn.host, conn.port, _extra(extra, "scheme")),
            token=token,
            auth_style=style,
            timeout=_number(conn_id, "timeout", timeout, float, 0.001),
            default_sender_id=None if sender is None else str(sender),
            default_region=None if region is None else str(region).upper(),
            timezone=tz,
            max_retries=_number(conn_id, "max_retries", max_retries, int, 0),
            retry_wait_min=wait_min,
            retry_wait_max=max(wait_min, wait_max),
            verify=parse_verify(conn_id, _extra(extra, "verify")),
            cert=parse_cert(conn_id, _extra(extra, "cert")),
            proxies=parse_proxies(conn_id, _extra(extra, "proxies")),
            max_concurrent_requests=check_concurrency(
                max_concurrent_requests, f"Connection {conn_id!r}: extra 'max_concurrent_requests'"
            ),
            rate_limit_max_wait=_number(
                conn_id,
                "rate_limit_max_wait",
                _extra(extra, "rate_limit_max_wait", DEFAULT_RATE_LIMIT_MAX_WAIT),
                float,
                0,
            ),
            rate_limit_window=_number(
                conn_id, "rate_limit_window", _extra(extra, "rate_limit_window", 60.0), float, 0.001
            ),
            dry_run=parse_flag(conn_id, "dry_run", _extra(extra, "dry_run", False)),
        )
