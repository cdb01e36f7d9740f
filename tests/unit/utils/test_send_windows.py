"""Local send windows: who is sent now and who at the next opening of their window."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.utils.send_windows import (
    DAYS,
    SendWindow,
    can_schedule,
    number_time_zones,
    parse_send_window,
    plan_send_window,
)

NL = "31612345678"
NL2 = "31612345679"
NEW_YORK = "12025550123"
LOS_ANGELES = "14155550123"
RUSSIA = "79161234567"
UNKNOWN = "447700900123"
DAY = SendWindow("09:00", "21:00")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def plan(numbers, window=DAY, **kwargs):
    return plan_send_window(numbers, window, **kwargs)


# The window


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (("09:00", "21:00"), SendWindow("09:00", "21:00")),
        (["9:00", "21:00", ["Mon", "tuesday"]], SendWindow("09:00", "21:00", ("mon", "tue"))),
        ({"start": "09:00", "end": "24:00", "days": "mon-fri"}, SendWindow("09:00", "24:00", DAYS[:5])),
        ({"start": "09:00", "end": "21:00", "days": None}, SendWindow("09:00", "21:00")),
        ((time(9), time(21, 30)), SendWindow("09:00", "21:30")),
        (None, None),
    ],
)
def test_windows_are_read_from_tuples_mappings_and_times(value, expected):
    assert parse_send_window(value) == expected


def test_day_names_ranges_and_lists():
    assert SendWindow("09:00", "17:00", "fri-mon").open_days == ("mon", "fri", "sat", "sun")
    assert SendWindow("09:00", "17:00", "sat, SUN").open_days == ("sat", "sun")
    assert SendWindow("09:00", "17:00", ["wednesday", "MON"]).open_days == ("mon", "wed")
    assert str(SendWindow("09:00", "17:00", "mon-fri")) == "09:00-17:00 local time, mon,tue,wed,thu,fri"
    assert str(DAY) == "09:00-21:00 local time, every day"


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("9am", "21:00"), "send_window start '9am' is not a time of day: write it as 'HH:MM'"),
        (("09:00", "25:00"), "end '25:00' is not a time of day"),
        (("24:00", "08:00"), "start '24:00' is not a time of day"),
        (("09:60", "10:00"), "is not a time of day"),
        ((900, "10:00"), "start 900 is not a time of day"),
        (("09:00", "09:00"), "opens and closes at the same time"),
        (("00:00", "00:00"), "('00:00', '24:00') for the whole day"),
        (("09:00", "21:00", ["mon", "fun"]), "day 'fun' is not a day of the week"),
        (("09:00", "21:00", "mon-tue-wed"), "is not a day of the week"),
        (("09:00", "21:00", []), "days is empty"),
    ],
)
def test_bad_windows_say_what_to_fix(args, complaint):
    with pytest.raises(TextioProInputError, match=complaint.replace("(", r"\(").replace(")", r"\)")):
        SendWindow(*args)


@pytest.mark.parametrize("value", ["09:00-21:00", ("09:00",), ("a", "b", "c", "d"), {"start": "09:00"}, 5])
def test_other_shapes_are_refused(value):
    with pytest.raises(TextioProInputError, match=r"send_window must be \(start, end\)"):
        parse_send_window(value)


# Zones


def test_zones_come_from_the_number():
    assert number_time_zones(NL) == ("Europe/Amsterdam",)
    assert number_time_zones("+" + NEW_YORK) == ("America/New_York",)
    assert len(number_time_zones(RUSSIA)) > 5
    assert number_time_zones(UNKNOWN) == ()
    assert number_time_zones("999") == ()


# Now or later


def test_inside_the_window_is_sent_now():
    # Friday 15 January 2027, 11:00 in Amsterdam (UTC+1)
    assert plan([NL, NL2], now=utc(2027, 1, 15, 10)).send_now == [NL, NL2]


def test_after_the_window_waits_for_the_next_opening():
    result = plan([NL], now=utc(2027, 1, 15, 21, 30))
    assert result.send_now == []
    assert result.later == {utc(2027, 1, 16, 8): [NL]}


def test_before_the_window_waits_for_todays_opening():
    assert plan([NEW_YORK], now=utc(2027, 1, 15, 13)).later == {utc(2027, 1, 15, 14): [NEW_YORK]}


def test_a_window_closing_within_the_margin_waits_for_the_next_opening():
    closing = utc(2027, 1, 15, 19, 55)  # 20:55 in Amsterdam
    assert plan([NL], now=closing).later == {utc(2027, 1, 16, 8): [NL]}
    assert plan([NL], now=closing, margin=timedelta(minutes=5)).send_now == [NL]


def test_recipients_are_grouped_by_opening_earliest_first():
    late_evening = plan([LOS_ANGELES, NL, NEW_YORK, NL2, NL], now=utc(2027, 1, 15, 21, 30))
    assert late_evening.send_now == [LOS_ANGELES, NEW_YORK]
    assert late_evening.later == {utc(2027, 1, 16, 8): [NL, NL2]}
    early_morning = plan([LOS_ANGELES, NL, NEW_YORK], now=utc(2027, 1, 15, 6))
    assert list(early_morning.later.items()) == [
        (utc(2027, 1, 15, 8), [NL]),
        (utc(2027, 1, 15, 14), [NEW_YORK]),
        (utc(2027, 1, 15, 17), [LOS_ANGELES]),
    ]


def test_a_number_in_several_zones_gets_the_time_all_of_them_share():
    # Winter: Europe/Bucharest (UTC+2) opens 07:00 UTC, Asia/Anadyr and Kamchatka (UTC+12) close 09:00 UTC.
    assert plan([RUSSIA], now=utc(2027, 1, 15, 7, 30)).send_now == [RUSSIA]
    assert plan([RUSSIA], now=utc(2027, 1, 15, 12)).later == {utc(2027, 1, 16, 7): [RUSSIA]}


def test_zones_without_shared_time_are_an_error():
    with pytest.raises(TextioProInputError, match=r"\+79161234567 is in the time zones .*share no time"):
        plan([RUSSIA], SendWindow("09:00", "10:00"), now=utc(2027, 1, 15, 12))


def test_a_number_without_known_zone_uses_the_fallback():
    kolkata = plan([UNKNOWN], now=utc(2027, 1, 15, 1), fallback_timezone="Asia/Kolkata")
    assert kolkata.later == {utc(2027, 1, 15, 3, 30): [UNKNOWN]}
    assert plan([UNKNOWN], now=utc(2027, 1, 15, 10)).send_now == [UNKNOWN]


def test_openings_are_rounded_up_to_the_minute():
    odd = timezone(timedelta(seconds=30))
    assert plan([UNKNOWN], now=utc(2027, 1, 15, 1), fallback_timezone=odd).later == {
        utc(2027, 1, 15, 9): [UNKNOWN]
    }


def test_days_filter():
    weekdays = SendWindow("09:00", "17:00", "mon-fri")
    saturday = utc(2027, 1, 16, 10)
    assert plan([NL], weekdays, now=saturday).later == {utc(2027, 1, 18, 8): [NL]}


def test_a_window_across_midnight_is_open_until_the_next_morning():
    night = SendWindow("20:00", "08:00", ["fri"])
    assert plan([NL], night, now=utc(2027, 1, 15, 23)).send_now == [NL]  # Saturday 00:00 local
    assert plan([NL], night, now=utc(2027, 1, 16, 8)).later == {utc(2027, 1, 22, 19): [NL]}
    assert plan([NL], night, now=utc(2027, 1, 15, 12)).later == {utc(2027, 1, 15, 19): [NL]}


def test_the_whole_day_is_one_open_stretch():
    assert plan([NL], SendWindow("00:00", "24:00"), now=utc(2027, 1, 15, 22, 55)).send_now == [NL]


# Daylight saving time (Amsterdam: 28 March 2027 02:00 -> 03:00, 31 October 2027 03:00 -> 02:00)


def test_the_utc_opening_follows_daylight_saving_time():
    assert plan([NL], now=utc(2027, 3, 27, 22)).later == {utc(2027, 3, 28, 7): [NL]}
    assert plan([NL], now=utc(2027, 10, 30, 22)).later == {utc(2027, 10, 31, 8): [NL]}


def test_a_start_that_does_not_exist_opens_after_the_gap():
    window = SendWindow("02:30", "05:00")
    assert plan([NL], window, now=utc(2027, 3, 27, 22)).later == {utc(2027, 3, 28, 1, 30): [NL]}


def test_a_start_that_exists_twice_opens_at_the_second():
    window = SendWindow("02:30", "04:00")
    assert plan([NL], window, now=utc(2027, 10, 30, 22)).later == {utc(2027, 10, 31, 1, 30): [NL]}


def test_an_end_that_exists_twice_closes_at_the_first():
    window = SendWindow("01:00", "02:30")
    # 02:25 CET (second pass, 01:25 UTC) is after the first 02:30 (00:30 UTC): closed.
    assert plan([NL], window, now=utc(2027, 10, 31, 1, 25), margin=timedelta(0)).later == {
        utc(2027, 11, 1, 0): [NL]
    }


# Errors


def test_now_must_be_aware():
    with pytest.raises(TextioProInputError, match="timezone-aware"):
        plan([NL], now=datetime(2027, 1, 15, 10))


def test_an_unknown_fallback_zone_is_refused():
    with pytest.raises(TextioProInputError, match="Unknown timezone 'Mars/Olympus'"):
        plan([NL], now=utc(2027, 1, 15, 10), fallback_timezone="Mars/Olympus")


# Scheduling on the platform


@pytest.mark.parametrize(
    ("numbers", "size", "expected"),
    [
        ([], 100, False),
        ([NL], 100, False),
        ([NL, NL], 100, False),
        ([NL, NL2], 100, True),
        ([str(31600000000 + i) for i in range(101)], 100, True),
        ([NL, NL2], 1, False),
    ],
)
def test_a_group_can_be_scheduled_only_when_no_request_holds_one_recipient(numbers, size, expected):
    assert can_schedule(numbers, size) is expected
