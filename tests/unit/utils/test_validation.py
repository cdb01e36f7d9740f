from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pendulum
import pytest

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.utils.validation import (
    MESSAGE_TYPES,
    VOICE_LANGUAGES,
    format_schedule_time,
    validate_channel,
    validate_sender_id,
    validate_type,
)

NOW = datetime(2030, 1, 15, 12, 0, 30, tzinfo=timezone.utc)


def test_validate_type():
    assert validate_type("viber") == "viber"
    with pytest.raises(
        TextioProInputError, match=r"Unknown message type None: use one of plain, unicode, voice"
    ):
        validate_type(None)


def test_reference_lists():
    assert MESSAGE_TYPES == ("plain", "unicode", "voice", "mms", "whatsapp", "viber", "otp")
    assert len(VOICE_LANGUAGES) == 34
    assert {"cy-gb", "en-gb-wls", "zh-hk"} <= set(VOICE_LANGUAGES)


@pytest.mark.parametrize(
    ("type_", "params", "expected"),
    [
        ("plain", {}, {}),
        ("unicode", {"language": None, "gender": None, "media_url": None}, {}),
        ("otp", {}, {}),
        ("voice", {"language": "en-GB", "gender": "Female"}, {"language": "en-gb", "gender": "female"}),
        ("mms", {"media_url": " https://example.com/a.jpg "}, {"media_url": "https://example.com/a.jpg"}),
        ("whatsapp", {}, {}),
        (
            "whatsapp",
            {"media_url": "http://example.com/a.png?x=1"},
            {"media_url": "http://example.com/a.png?x=1"},
        ),
        (
            "viber",
            {"media_url": "https://cdn.example.com/v.mp4"},
            {"media_url": "https://cdn.example.com/v.mp4"},
        ),
    ],
)
def test_validate_channel(type_, params, expected):
    assert validate_channel(type_, "Hello", params) == expected


@pytest.mark.parametrize(
    ("type_", "message", "params", "error"),
    [
        ("sms", "Hi", {}, "Unknown message type 'sms': use one of plain, unicode, voice, mms, whatsapp"),
        ("Plain", "Hi", {}, "Unknown message type 'Plain'"),
        ("plain", "", {}, "The message is empty ('')"),
        ("plain", "   ", {}, "The message is empty"),
        ("plain", None, {}, "The message is empty (None)"),
        ("plain", 42, {}, "The message must be text, not int (42)"),
        (
            "plain",
            "Hi",
            {"language": "en-gb"},
            "language cannot be used with type 'plain': language is used by",
        ),
        (
            "otp",
            "Hi",
            {"media_url": "https://x.io/a"},
            "media_url is used by type 'mms' / 'whatsapp' / 'viber'",
        ),
        ("mms", "Hi", {"gender": "male"}, "gender cannot be used with type 'mms'"),
        ("plain", "Hi", {"colour": "red"}, "Unknown channel parameter(s) colour: the accepted ones are"),
        ("voice", "Hi", {}, "Type 'voice' requires language and gender"),
        ("voice", "Hi", {"language": "en-gb"}, "Type 'voice' requires gender"),
        (
            "voice",
            "Hi",
            {"language": "xx-yy", "gender": "male"},
            "Unknown language 'xx-yy': use one of cy-gb",
        ),
        (
            "voice",
            "Hi",
            {"language": "en-gb", "gender": "robot"},
            "Unknown gender 'robot': use one of male, female",
        ),
        ("mms", "Hi", {}, "Type 'mms' requires media_url"),
        (
            "mms",
            "Hi",
            {"media_url": "ftp://example.com/a.jpg"},
            "media_url 'ftp://example.com/a.jpg' is not a valid",
        ),
        ("mms", "Hi", {"media_url": "example.com/a.jpg"}, "is not a valid http(s) URL"),
        ("mms", "Hi", {"media_url": "https:///a.jpg"}, "is not a valid http(s) URL"),
        ("viber", "Hi", {"media_url": "https://example.com/a b.jpg"}, "is not a valid http(s) URL"),
    ],
)
def test_validate_channel_refuses(type_, message, params, error):
    with pytest.raises(TextioProInputError) as info:
        validate_channel(type_, message, params)
    assert error in str(info.value)


@pytest.mark.parametrize(
    ("sender", "type_", "expected"),
    [
        (None, None, None),
        ("", None, None),
        ("  ", None, None),
        ("YourName", None, "YourName"),
        (" My Shop ", None, "My Shop"),
        ("ABCDEFGHIJK", None, "ABCDEFGHIJK"),
        ("Shop24", None, "Shop24"),
        ("+31 6 1234 5678", None, "31612345678"),
        ("31612345678", None, "31612345678"),
        ("12345678", None, "12345678"),
        (31612345678, None, "31612345678"),
        ("my.whatsapp.business.id-123", "whatsapp", "my.whatsapp.business.id-123"),
        ("A long Viber service", "viber", "A long Viber service"),
    ],
)
def test_validate_sender_id(sender, type_, expected):
    assert validate_sender_id(sender, type=type_) == expected


@pytest.mark.parametrize(
    "sender",
    ["ABCDEFGHIJKL", "My-Shop", "Café", "1234567", "+1234567", "1234567890123456", "Shop!", "___"],
)
def test_validate_sender_id_refuses(sender):
    with pytest.raises(TextioProInputError, match=r"at most 11 characters .* \(8 to 15 digits\)"):
        validate_sender_id(sender)


@pytest.mark.parametrize(
    ("value", "tz", "expected"),
    [
        (None, "UTC", None),
        ("", "UTC", None),
        (datetime(2030, 1, 15, 12, 1, tzinfo=timezone.utc), "UTC", "2030-01-15 12:01"),
        (datetime(2030, 1, 15, 12, 30, 59, 999, tzinfo=timezone.utc), "Europe/Paris", "2030-01-15 13:30"),
        (datetime(2030, 1, 15, 13, 30), "Europe/Paris", "2030-01-15 13:30"),
        (datetime(2030, 7, 1, 8, 0, tzinfo=ZoneInfo("America/New_York")), "Asia/Kolkata", "2030-07-01 17:30"),
        (pendulum.datetime(2030, 1, 15, 12, 30, tz="UTC"), "Europe/Paris", "2030-01-15 13:30"),
        ("2030-01-15 13:30", "Europe/Paris", "2030-01-15 13:30"),
        ("2030-01-15T12:30:00Z", "Europe/Paris", "2030-01-15 13:30"),
        ("2030-01-15T12:30:00+00:00", "UTC", "2030-01-15 12:30"),
        ("2030-01-15T18:00+05:30", "UTC", "2030-01-15 12:30"),
        (" 2030-01-15 13:30:45 ", "UTC", "2030-01-15 13:30"),
        (datetime(2030, 1, 15, 12, 30, tzinfo=timezone.utc), ZoneInfo("Europe/Paris"), "2030-01-15 13:30"),
    ],
)
def test_format_schedule_time(value, tz, expected):
    assert format_schedule_time(value, timezone=tz, now=NOW) == expected


@pytest.mark.parametrize(
    ("value", "tz", "error"),
    [
        (
            datetime(2030, 1, 15, 12, 0, 59, tzinfo=timezone.utc),
            "UTC",
            "schedule_time 2030-01-15 12:00 (UTC) is in the past",
        ),
        (NOW - timedelta(days=1), "UTC", "it is now 2030-01-15 12:00:30 there"),
        (
            "2030-01-15 12:30",
            "Asia/Tokyo",
            "schedule_time 2030-01-15 12:30 (Asia/Tokyo) is in the past: it is now 2030-01-15 21:00:30",
        ),
        (
            datetime(2030, 1, 15, 7, 0),
            "America/New_York",
            "07:00 (America/New_York) is in the past: it is now 2030-01-15 07:00:30",
        ),
        ("tomorrow", "UTC", "schedule_time 'tomorrow' cannot be read: use 'YYYY-MM-DD HH:MM'"),
        ("2030-01-16", "UTC", "schedule_time '2030-01-16' cannot be read"),
        ("15/01/2030 13:00", "UTC", "cannot be read"),
        (1893456000, "UTC", "schedule_time must be a datetime or a string, not int"),
        ("2030-01-16 10:00", "Mars/Olympus", "Unknown timezone 'Mars/Olympus': use an IANA name"),
    ],
)
def test_format_schedule_time_refuses(value, tz, error):
    with pytest.raises(TextioProInputError) as info:
        format_schedule_time(value, timezone=tz, now=NOW)
    assert error in str(info.value)


def test_format_schedule_time_naive_now_is_utc():
    naive_now = NOW.replace(tzinfo=None)
    assert format_schedule_time("2030-01-15 12:01", now=naive_now) == "2030-01-15 12:01"


def test_format_schedule_time_defaults_to_the_clock():
    soon = datetime.now(timezone.utc) + timedelta(hours=2)
    assert format_schedule_time(soon) == soon.strftime("%Y-%m-%d %H:%M")
    with pytest.raises(TextioProInputError, match="in the past"):
        format_schedule_time(datetime.now(timezone.utc) - timedelta(minutes=5))
