"""Check send parameters before any request: channel rules, sender id and schedule time."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_textiopro.exceptions import TextioProInputError

MESSAGE_TYPES = ("plain", "unicode", "voice", "mms", "whatsapp", "viber", "otp")
VOICE_LANGUAGES = (
    "cy-gb",
    "da-dk",
    "de-de",
    "el-gr",
    "en-au",
    "en-gb",
    "en-gb-wls",
    "en-in",
    "en-us",
    "es-es",
    "es-mx",
    "es-us",
    "fr-ca",
    "fr-fr",
    "id-id",
    "is-is",
    "it-it",
    "ja-jp",
    "ko-kr",
    "ms-my",
    "nb-no",
    "nl-nl",
    "pl-pl",
    "pt-br",
    "pt-pt",
    "ro-ro",
    "ru-ru",
    "sv-se",
    "ta-in",
    "th-th",
    "tr-tr",
    "vi-vn",
    "zh-cn",
    "zh-hk",
)
VOICE_GENDERS = ("male", "female")
SCHEDULE_FORMAT = "%Y-%m-%d %H:%M"

_CHANNEL_PARAMS = ("language", "gender", "media_url")
_REQUIRED_PARAMS = {"voice": ("language", "gender"), "mms": ("media_url",)}
_OPTIONAL_PARAMS = {"whatsapp": ("media_url",), "viber": ("media_url",)}
_FREE_SENDER_TYPES = ("whatsapp", "viber")
_ALPHANUMERIC_SENDER = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}")
_PHONE_SENDER = re.compile(r"\+?\d{8,15}")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def validate_channel(type: str, message: Any, channel_params: dict[str, Any]) -> dict[str, Any]:
    """Check a message type, its text and its channel parameters; return the extra body fields.

    Parameters whose value is None count as not given.

    :param type: one of :data:`MESSAGE_TYPES`.
    :param message: the message text (must not be blank).
    :param channel_params: ``language`` and ``gender`` (voice) and ``media_url`` (mms
        required; whatsapp and viber optional).
    :return: the given channel parameters, normalised (language and gender lower-cased).
    :raises TextioProInputError: naming what is wrong and the accepted values.
    """
    validate_type(type)
    if message is None or (isinstance(message, str) and not message.strip()):
        raise TextioProInputError(f"The message is empty ({message!r}): give the text to send.")
    if not isinstance(message, str):
        raise TextioProInputError(f"The message must be text, not {_type_name(message)} ({message!r}).")
    given = {name: value for name, value in channel_params.items() if value is not None}
    unknown = sorted(set(given) - set(_CHANNEL_PARAMS))
    if unknown:
        raise TextioProInputError(
            f"Unknown channel parameter(s) {', '.join(unknown)}: the accepted ones are "
            f"{', '.join(_CHANNEL_PARAMS)}."
        )
    required = _REQUIRED_PARAMS.get(type, ())
    allowed = required + _OPTIONAL_PARAMS.get(type, ())
    not_allowed = [name for name in given if name not in allowed]
    if not_allowed:
        raise TextioProInputError(
            f"{', '.join(not_allowed)} cannot be used with type {type!r}: "
            + "; ".join(f"{name} is used by type {_types_using(name)}" for name in not_allowed)
            + "."
        )
    missing = [name for name in required if name not in given]
    if missing:
        raise TextioProInputError(f"Type {type!r} requires {' and '.join(missing)}.")
    fields: dict[str, Any] = {}
    if "language" in given:
        fields["language"] = _choice("language", given["language"], VOICE_LANGUAGES)
    if "gender" in given:
        fields["gender"] = _choice("gender", given["gender"], VOICE_GENDERS)
    if "media_url" in given:
        fields["media_url"] = _media_url(given["media_url"])
    return fields


_PROVIDER_FIELDS = (
    "api_token",
    "recipient",
    "contact_list_id",
    "message",
    "type",
    "sender_id",
    "schedule_time",
    "dlt_template_id",
    *_CHANNEL_PARAMS,
)


def validate_extra_params(extra_params: Any) -> dict[str, Any]:
    """Check fields to pass through to TextioPro as given, and return them as a dict.

    :param extra_params: a mapping of field names the provider does not know to JSON values,
        or None.
    :raises TextioProInputError: not a mapping, a blank name, or a field the provider sends
        itself (``recipient``, ``api_token``, ``message`` ...): give those as arguments.
    """
    if extra_params is None:
        return {}
    if not isinstance(extra_params, Mapping):
        raise TextioProInputError(
            f"extra_params must be a dict of field names to values, not {_type_name(extra_params)}."
        )
    names = [name for name in extra_params if not isinstance(name, str) or not name.strip()]
    if names:
        raise TextioProInputError(f"extra_params has blank or non-text field names: {names!r}.")
    known = sorted(set(extra_params) & set(_PROVIDER_FIELDS))
    if known:
        raise TextioProInputError(
            f"extra_params cannot set {', '.join(known)}: the provider sends those itself; give them as "
            "their own arguments. extra_params is for fields the provider does not know."
        )
    return dict(extra_params)


def validate_type(type: Any) -> str:
    """Return ``type`` when it is one of :data:`MESSAGE_TYPES`.

    :raises TextioProInputError: naming the accepted types.
    """
    if type not in MESSAGE_TYPES:
        raise TextioProInputError(f"Unknown message type {type!r}: use one of {', '.join(MESSAGE_TYPES)}.")
    return type


def validate_type_unless_templated(type: Any) -> None:
    """Check ``type`` now (when a DAG file is parsed), unless it is a Jinja template rendered later."""
    if not (isinstance(type, str) and "{{" in type):
        validate_type(type)


def validate_sender_id(sender_id: Any, *, type: str | None = None) -> str | None:
    """Check a sender id and return it stripped (a phone number as digits without ``+``).

    Accepted: an alphanumeric name of 1 to 11 ASCII letters, digits and spaces with at
    least one letter, or a phone number with its country code (8 to 15 digits, an
    optional ``+``, spaces and ``( ) - .`` allowed). For ``whatsapp`` and ``viber`` the
    sender is the business or service id, so any non-blank text is accepted.

    :param sender_id: the sender; None or blank means the connection's default.
    :param type: the message type, when known.
    :raises TextioProInputError: the sender id cannot be used; says what is accepted.
    """
    if sender_id is None or not str(sender_id).strip():
        return None
    text = str(sender_id).strip()
    if type in _FREE_SENDER_TYPES:
        return text
    number = re.sub(r"[\s().\-]", "", text)
    if _PHONE_SENDER.fullmatch(number):
        return number.lstrip("+")
    if _ALPHANUMERIC_SENDER.fullmatch(text):
        return text
    raise TextioProInputError(
        f"Sender id {text!r} cannot be used: give an alphanumeric name of at most 11 characters "
        "(ASCII letters, digits and spaces, with at least one letter) or a phone number with its "
        "country code (8 to 15 digits)."
    )


def require_sender_id(sender_id: Any, default_sender_id: Any, *, type: str, conn_id: str) -> str:
    """Return the sender of a send: ``sender_id``, else the connection's default (both checked).

    :param sender_id: the sender given to the send, if any.
    :param default_sender_id: the connection's ``default_sender_id``, if any.
    :param type: the message type.
    :param conn_id: the Airflow connection id, for the message.
    :raises TextioProInputError: neither is set (TextioPro requires a sender), or one is unusable.
    """
    sender = validate_sender_id(sender_id, type=type) or validate_sender_id(default_sender_id, type=type)
    if sender is None:
        raise TextioProInputError(
            "No sender id: TextioPro requires one for every send. Give sender_id (e.g. "
            "sender_id='MyShop') or set default_sender_id in the extra of the Airflow connection "
            f"{conn_id!r}. Nothing was sent."
        )
    return sender


def format_schedule_time(
    value: Any,
    *,
    timezone: str | tzinfo | Callable[[], str | tzinfo] = "UTC",
    now: datetime | None = None,
) -> str | None:
    """Return a schedule time as TextioPro's ``Y-m-d H:i`` in the account's timezone.

    Seconds are dropped, and the resulting minute must be later than now.

    :param value: None or a blank string (send now); a datetime (aware, or naive and
        then read in ``timezone``; pendulum DateTime included); or a string in ISO 8601
        (``2030-01-31T09:30:00+01:00``, ``...Z``) or ``Y-m-d H:i`` form (naive strings
        are read in ``timezone``).
    :param timezone: the account's IANA timezone name (the connection's ``timezone``), or a
        function returning it, called only when ``value`` is a time (e.g. one that reads
        the account's profile).
    :param now: the current time (naive means UTC); defaults to the current time.
    :raises TextioProInputError: the value cannot be read, the timezone is unknown, or the
        time is not in the future.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    given = _parse_moment(value)
    current = now or datetime.now(dt_timezone.utc)
    if current.tzinfo is None:
        current = current.replace(tzinfo=dt_timezone.utc)
    # A naive time is at most 12 hours behind UTC wherever it is read: past in every zone, no zone needed.
    latest = given if _is_aware(given) else given.replace(tzinfo=dt_timezone.utc) + timedelta(hours=12)
    if latest.replace(second=0, microsecond=0) <= current:
        aware = _is_aware(given)
        shown = given.astimezone(dt_timezone.utc) if aware else given
        raise TextioProInputError(
            f"schedule_time {shown:{SCHEDULE_FORMAT}} {'(UTC)' if aware else 'in any timezone'} is in the "
            f"past: it is now {current.astimezone(dt_timezone.utc):%Y-%m-%d %H:%M:%S} "
            f"{'there' if aware else 'UTC'}. Give a later time, or no schedule_time to send now."
        )
    zone = _zone(timezone() if callable(timezone) else timezone)
    moment = given if _is_aware(given) else given.replace(tzinfo=zone)
    moment = moment.astimezone(zone).replace(second=0, microsecond=0)
    current = current.astimezone(zone)
    if moment <= current:
        raise TextioProInputError(
            f"schedule_time {moment.strftime(SCHEDULE_FORMAT)} ({zone}) is in the past: it is now "
            f"{current.strftime('%Y-%m-%d %H:%M:%S')} there. "
            "Give a later time, or no schedule_time to send now."
        )
    return moment.strftime(SCHEDULE_FORMAT)


def check_number(
    name: str,
    value: Any,
    *,
    minimum: float,
    maximum: float | None = None,
    whole: bool = False,
    above: bool = False,
) -> Any:
    """Return ``value`` when it is a number (an int with ``whole``) within the bounds.

    :param name: the argument's name, for the error.
    :param above: ``value`` must be greater than ``minimum``, not equal to it.
    :raises TextioProInputError: not a number (a string or a bool counts as none), or out of bounds.
    """
    kinds = (int,) if whole else (int, float)
    valid = isinstance(value, kinds) and not isinstance(value, bool)
    valid = valid and (value > minimum if above else value >= minimum)
    if not valid or (maximum is not None and value > maximum):
        kind = "a whole number" if whole else "a number"
        bounds = f"greater than {minimum:g}" if above else f"at least {minimum:g}"
        if maximum is not None:
            bounds = f"from {minimum:g} to {maximum:g}"
        raise TextioProInputError(f"{name} must be {kind} {bounds}, not {value!r}.")
    return value


def _type_name(value: Any) -> str:
    """Return the name of ``value``'s class (the ``type`` builtin is shadowed by parameters here)."""
    return value.__class__.__name__


def _types_using(name: str) -> str:
    """Return the message types that accept channel parameter ``name``, for error texts."""
    types = [t for t in MESSAGE_TYPES if name in _REQUIRED_PARAMS.get(t, ()) + _OPTIONAL_PARAMS.get(t, ())]
    return " / ".join(repr(t) for t in types)


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Return ``value`` lower-cased when it is one of ``choices``."""
    text = str(value).strip().lower()
    if text not in choices:
        raise TextioProInputError(f"Unknown {name} {value!r}: use one of {', '.join(choices)}.")
    return text


def _media_url(value: Any) -> str:
    """Return ``value`` stripped when it is an absolute http(s) URL."""
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or re.search(r"\s", text):
        raise TextioProInputError(
            f"media_url {value!r} is not a valid http(s) URL: give the full public address of "
            "the media file, e.g. https://example.com/image.jpg."
        )
    return text


def _zone(timezone: str | tzinfo) -> tzinfo:
    """Return the tzinfo for an IANA name (or a tzinfo as it is)."""
    if isinstance(timezone, tzinfo):
        return timezone
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(str(timezone).strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise TextioProInputError(
            f"Unknown timezone {timezone!r}: use an IANA name such as 'UTC' or 'Europe/Paris' "
            "(the connection extra 'timezone')."
        ) from None


def _is_aware(moment: datetime) -> bool:
    """True when ``moment`` has a time zone with an offset."""
    return moment.tzinfo is not None and moment.utcoffset() is not None


def _parse_moment(value: Any) -> datetime:
    """Return ``value`` as a datetime, naive when it names no zone."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = _parse_text(value.strip())
    else:
        raise TextioProInputError(
            f"schedule_time must be a datetime or a string, not {_type_name(value)} ({value!r})."
        )
    return moment


def _parse_text(text: str) -> datetime:
    """Parse an ISO 8601 or ``Y-m-d H:i`` string that has a time of day."""
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        if _DATE_ONLY.fullmatch(text):
            raise ValueError
        return datetime.fromisoformat(iso)
    except ValueError:
        raise TextioProInputError(
            f"schedule_time {text!r} cannot be read: use 'YYYY-MM-DD HH:MM' (in the account's "
            "timezone) or ISO 8601 with a time, e.g. '2030-01-31T09:30:00+01:00'."
        ) from None
