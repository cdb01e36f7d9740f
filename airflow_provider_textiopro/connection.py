"""Read and validate the settings of a ``textiopro`` Airflow connection."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from airflow_provider_textiopro.endpoints import API_PREFIX, AUTH_STYLES, BEARER
from airflow_provider_textiopro.errors import TextioProAuthError, TextioProInputError

DEFAULT_BASE_URL = "https://app.textiopro.com"
DEFAULT_CONN_ID = "textiopro_default"


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

    @classmethod
    def from_connection(
        cls,
        conn: Any,
        *,
        auth_style: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> ConnectionSettings:
        """Parse an Airflow connection; the keyword arguments override its extras.

        :raises TextioProAuthError: the connection has no token.
        :raises TextioProInputError: an extra has an invalid value.
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
        sender = _extra(extra, "default_sender_id")
        return cls(
            base_url=build_base_url(conn.host, conn.port, _extra(extra, "scheme")),
            token=token,
            auth_style=validate_auth_style(auth_style or _extra(extra, "auth_style") or BEARER),
            timeout=_number(conn_id, "timeout", timeout, float, 0.001),
            default_sender_id=None if sender is None else str(sender),
            default_region=None if region is None else str(region).upper(),
            timezone=tz,
            max_retries=_number(conn_id, "max_retries", max_retries, int, 0),
            retry_wait_min=wait_min,
            retry_wait_max=max(wait_min, wait_max),
        )
