"""Checks of the send and campaign parameters, with the server's error texts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from textiopro_sandbox.errors import ApiError
from textiopro_sandbox.phones import split_list
from textiopro_sandbox.segments import count_segments, is_gsm7

MAX_RECIPIENTS = 100
MESSAGE_TYPES = ("plain", "unicode", "voice", "mms", "whatsapp", "viber", "otp")
_LANGUAGES = (
    "cy-gb da-dk de-de el-gr en-au en-gb en-gb-wls en-in en-us es-es es-mx es-us fr-ca fr-fr id-id "
    "is-is it-it ja-jp ko-kr ms-my nb-no nl-nl pl-pl pt-br pt-pt ro-ro ru-ru sv-se ta-in th-th tr-tr "
    "vi-vn zh-cn zh-hk"
)
VOICE_LANGUAGES = frozenset(_LANGUAGES.split())
VOICE_GENDERS = frozenset({"male", "female"})
SCHEDULE_FORMAT = "%Y-%m-%d %H:%M"
_SENDER_TYPES = frozenset({"plain", "unicode", "voice", "mms", "otp"})
_ALPHANUMERIC_SENDER = re.compile(r"[A-Za-z0-9 ]+")


@dataclass(frozen=True)
class Content:
    """What to send: text, type (``plain`` becomes ``unicode`` outside GSM-7), sender, segments."""

    text: str
    sms_type: str
    sender: str | None
    segments: int
    channel: Mapping[str, str] = field(default_factory=dict)


def recipients(params: Mapping[str, Any]) -> list[str]:
    """Return the requested recipients as written, refusing none or more than 100."""
    entries = split_list(params.get("recipient"))
    if not entries:
        raise ApiError("The recipient field is required.")
    if len(entries) > MAX_RECIPIENTS:
        raise ApiError(f"You cannot send more than {MAX_RECIPIENTS} SMS in a single request.", 403)
    return entries


def content(params: Mapping[str, Any]) -> Content:
    """Check type, sender id, message and the channel's own parameters."""
    sms_type = str(params.get("type") or "plain").strip().lower()
    if sms_type not in MESSAGE_TYPES:
        raise ApiError(
            "Please insert valid sms type. Supported types are plain, unicode, voice, mms, "
            "whatsapp, viber and otp."
        )
    sender = _sender_id(params.get("sender_id"), sms_type)
    text = params.get("message")
    if not isinstance(text, str) or not text.strip():
        raise ApiError("The message field is required.")
    _channel(sms_type, params)
    if sms_type == "plain" and not is_gsm7(text):
        sms_type = "unicode"
    channel = {name: str(params[name]) for name in ("language", "gender", "media_url") if params.get(name)}
    return Content(text, sms_type, sender, count_segments(text, unicode=sms_type == "unicode"), channel)


def _sender_id(value: Any, sms_type: str) -> str | None:
    sender = str(value).strip() if value is not None else ""
    if not sender or sms_type not in _SENDER_TYPES:
        return sender or None
    if sender.lstrip("+").isdigit():
        if len(sender.lstrip("+")) > 15:
            raise ApiError("The sender id must not be greater than 15 digits.")
        return sender
    if not _ALPHANUMERIC_SENDER.fullmatch(sender):
        raise ApiError("The sender id format is invalid.")
    if len(sender) > 11:
        raise ApiError("The sender id must not be greater than 11 characters.")
    return sender


def _channel(sms_type: str, params: Mapping[str, Any]) -> None:
    if sms_type == "voice" and (
        str(params.get("language") or "").lower() not in VOICE_LANGUAGES
        or str(params.get("gender") or "").lower() not in VOICE_GENDERS
    ):
        raise ApiError("Language and gender parameters are required")
    if sms_type == "mms":
        media_url = str(params.get("media_url") or "").strip()
        if not media_url:
            raise ApiError("media_url parameter is required")
        if not media_url.startswith(("http://", "https://")):
            raise ApiError("The media url format is invalid.")


def schedule_time(params: Mapping[str, Any], zone: str) -> float | None:
    """Return ``schedule_time`` ("Y-m-d H:i" in ``zone``, the accounts' timezone) as epoch seconds."""
    value = params.get("schedule_time")
    if value is None or str(value).strip() == "":
        return None
    try:
        moment = datetime.strptime(str(value).strip(), SCHEDULE_FORMAT)
    except ValueError:
        raise ApiError("The schedule time does not match the format Y-m-d H:i.") from None
    return moment.replace(tzinfo=ZoneInfo(zone)).timestamp()
