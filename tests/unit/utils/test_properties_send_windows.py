"""Properties of send windows: nobody is sent, now or at an opening, outside their local window."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_textiopro.utils.send_windows import (
    DAYS,
    SendWindow,
    number_time_zones,
    plan_send_window,
)
from tests.support.properties import FAST, result_or_error

pytestmark = pytest.mark.property

NUMBERS = ["31612345678", "12025550123", "14155550123", "61412345678", "5511987654321", "9779812345678"]
CLOCKS = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
WINDOWS = st.builds(
    lambda clocks, days: SendWindow(*clocks, days),
    st.tuples(CLOCKS, CLOCKS | st.just("24:00")).filter(lambda clocks: clocks[0] != clocks[1]),
    st.none() | st.lists(st.sampled_from(DAYS), min_size=1, max_size=7),
)
MOMENTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=timezone.utc)
)


def is_open(window: SendWindow, moment: datetime, zone: str) -> bool:
    """Check a moment against the window on the local wall clock (independently of the planner)."""
    local = moment.astimezone(ZoneInfo(zone))
    minute = local.hour * 60 + local.minute
    today = DAYS[local.weekday()] in window.open_days
    yesterday = DAYS[(local.weekday() - 1) % 7] in window.open_days
    if not window.crosses_midnight:
        return today and window.start_minute <= minute < window.end_minute
    return (today and minute >= window.start_minute) or (yesterday and minute < window.end_minute)


@FAST
@given(window=WINDOWS, now=MOMENTS, margin=st.integers(0, 30).map(lambda m: timedelta(minutes=m)))
def test_no_one_is_planned_outside_their_window(window, now, margin):
    plan, error = result_or_error(plan_send_window, NUMBERS, window, now=now, margin=margin)
    if error is not None:
        assert "share no time" in str(error)
        return
    assert sorted(plan.send_now + [n for group in plan.later.values() for n in group]) == sorted(NUMBERS)
    for number in plan.send_now:
        for zone in number_time_zones(number):
            assert is_open(window, now, zone)
            assert is_open(window, now + margin - timedelta(seconds=1) if margin else now, zone)
    for opening, numbers in plan.later.items():
        assert opening > now
        assert opening.second == opening.microsecond == 0
        for number in numbers:
            for zone in number_time_zones(number):
                assert is_open(window, opening, zone)
