"""Send each recipient inside a daily window of their own local time.

A :class:`SendWindow` is a start and an end time of day (``"09:00"``-``"21:00"``), optionally on
some days of the week only. A window whose end is not after its start crosses midnight
(``("20:00", "08:00")`` is open from 20:00 to 08:00 the next morning, and its days are the days
it opens); ``"24:00"`` ends a window at midnight. Times are wall-clock times of the recipient's
zone, daylight saving time included: on the night clocks move, a start that does not exist or
exists twice is taken at its later instant and an end at its earlier one, so a window only ever
shrinks.

A recipient's zones come from the number (phonenumbers' time zone metadata). A number whose
country or area spans zones gets the times all of its zones have inside the window (the
intersection, computed in UTC); a number without known zone gets the fallback zone (the
connection's time zone).

TextioPro sends a request with ONE recipient at once even when it has a ``schedule_time``
(FIELD-NOTES, "Observed on a running reference platform"). A group may be handed to the platform
with ``schedule_time`` only when :func:`can_schedule` says every request it makes holds at least
two distinct numbers; the caller must hold any other group itself (e.g. defer the task until the
window opens) and send it then without ``schedule_time``.

``phonenumbers`` and ``zoneinfo`` are imported inside the functions (cheap DAG parsing).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.utils.batching import REQUEST_SIZE, batched
from airflow_provider_textiopro.utils.validation import _zone as zone_for

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_MARGIN = timedelta(minutes=10)
"""How long a window must stay open for a recipient to be sent now (the time a send may take)."""
HORIZON_DAYS = 14
"""How far ahead openings are looked for."""
UNKNOWN_ZONE = "Etc/Unknown"

_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class SendWindow:
    """A daily window of local time: ``SendWindow("09:00", "21:00", ["mon", "tue"])``.

    :param start: opening time, ``"HH:MM"`` or a :class:`datetime.time`.
    :param end: closing time (``"24:00"`` is midnight at the end of the day); not after
        ``start`` means the window crosses midnight.
    :param days: the days the window opens (``"mon"``... or ``"monday"``..., any case; a string
        such as ``"mon-fri"`` or ``"mon,wed"`` too); every day when None.
    :raises TextioProInputError: a time or day that cannot be read, or ``start == end``.
    """

    start: str | time
    end: str | time
    days: Sequence[str] | str | None = DAYS

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _clock_text(self.start, "start", allow_24=False))
        object.__setattr__(self, "end", _clock_text(self.end, "end", allow_24=True))
        object.__setattr__(self, "days", _days(self.days))
        if self.start_minute == self.end_minute:
            raise TextioProInputError(
                f"send_window ({self.start!r}, {self.end!r}) opens and closes at the same time: "
                "give two different times, or ('00:00', '24:00') for the whole day."
            )

    @property
    def start_minute(self) -> int:
        """Minutes after midnight of the opening."""
        return _minutes(str(self.start))

    @property
    def end_minute(self) -> int:
        """Minutes after midnight of the closing (1440 for ``"24:00"``)."""
        return _minutes(str(self.end))

    @property
    def open_days(self) -> tuple[str, ...]:
        """The three-letter names of the days the window opens, in week order."""
        return tuple(self.days or DAYS)

    @property
    def crosses_midnight(self) -> bool:
        """True when the window closes on the day after it opens."""
        return self.end_minute <= self.start_minute

    def __str__(self) -> str:
        days = "every day" if self.open_days == DAYS else ",".join(self.open_days)
        return f"{self.start}-{self.end} local time, {days}"


@dataclass(frozen=True)
class WindowPlan:
    """Who is sent now, and who at which next opening (aware UTC datetimes, earliest first)."""

    send_now: list[str] = field(default_factory=list)
    later: dict[datetime, list[str]] = field(default_factory=dict)


def parse_send_window(value: Any) -> SendWindow | None:
    """Return ``value`` as a :class:`SendWindow`, or None for None.

    :param value: a SendWindow; ``(start, end)`` or ``(start, end, days)``; or a mapping with
        ``start``, ``end`` and optionally ``days`` (what an XCom or a JSON param holds).
    :raises TextioProInputError: any other shape, or a value SendWindow refuses.
    """
    if value is None or isinstance(value, SendWindow):
        return value
    if isinstance(value, Mapping) and {"start", "end"} <= set(value) <= {"start", "end", "days"}:
        return SendWindow(value["start"], value["end"], value.get("days"))
    if isinstance(value, (list, tuple)) and len(value) in (2, 3):
        return SendWindow(value[0], value[1], value[2] if len(value) == 3 else DAYS)
    raise TextioProInputError(
        f"send_window must be (start, end), (start, end, days) or a SendWindow, e.g. "
        f"('09:00', '21:00', ['mon', 'tue', 'wed', 'thu', 'fri']), not {value!r}."
    )


def number_time_zones(number: str) -> tuple[str, ...]:
    """Return the IANA zones of a number (digits with country code); empty when unknown."""
    import phonenumbers
    from phonenumbers import timezone as number_zones

    try:
        parsed = phonenumbers.parse("+" + number.lstrip("+"))
    except phonenumbers.NumberParseException:
        return ()
    return tuple(name for name in number_zones.time_zones_for_number(parsed) if name != UNKNOWN_ZONE)


def plan_send_window(
    numbers: Iterable[str],
    window: SendWindow,
    *,
    now: datetime,
    fallback_timezone: str | tzinfo = "UTC",
    margin: timedelta = DEFAULT_MARGIN,
    horizon_days: int = HORIZON_DAYS,
) -> WindowPlan:
    """Split ``numbers`` into those inside their window now and those for each next opening.

    A number is sent now when its window is open now and stays open for ``margin``; otherwise it
    goes to the next opening of its window (rounded up to the minute, as ``schedule_time`` has no
    seconds), even when that opening is the rest of the window it is in now.

    :param numbers: digits with country code (as :func:`~.phone.normalize_phone` returns them).
    :param now: the current time, timezone-aware.
    :param fallback_timezone: zone of numbers without known zone (IANA name or tzinfo).
    :raises TextioProInputError: ``now`` is naive, the fallback zone is unknown, or a number's
        zones share no time inside the window in the next ``horizon_days`` days.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise TextioProInputError("now must be a timezone-aware datetime (e.g. in UTC).")
    now = now.astimezone(timezone.utc)
    fallback = zone_for(fallback_timezone)
    open_times: dict[tuple[str, ...], list[_Interval]] = {}
    send_now: list[str] = []
    later: dict[datetime, list[str]] = {}
    for number in dict.fromkeys(numbers):
        zones = number_time_zones(number)
        if zones not in open_times:
            open_times[zones] = _shared_open_times(
                window, _known_zones(zones) or [fallback], now, horizon_days
            )
        opening = _next_send(open_times[zones], now, margin)
        if opening is None:
            raise TextioProInputError(
                f"+{number} is in the time zones {', '.join(zones) or fallback}, which share no time "
                f"inside the send window {window} in the next {horizon_days} days: widen the window "
                "(or its days)."
            )
        if opening == now:
            send_now.append(number)
        else:
            later.setdefault(opening, []).append(number)
    return WindowPlan(send_now=send_now, later=dict(sorted(later.items())))


def can_schedule(numbers: Sequence[str], size: int = REQUEST_SIZE) -> bool:
    """True when every request the batcher makes of ``numbers`` holds two or more distinct numbers.

    Only then may the group go to TextioPro with ``schedule_time``: the platform sends a
    one-recipient request at once (the server drops duplicates, so ``[a, a]`` is one recipient).
    """
    distinct = list(dict.fromkeys(numbers))
    return bool(distinct) and all(len(batch) >= 2 for batch in batched(distinct, size))


def _next_send(open_times: list[_Interval], now: datetime, margin: timedelta) -> datetime | None:
    """Return ``now`` when open long enough, else the next opening (to the minute), else None."""
    for opens, closes in open_times:
        if opens <= now and closes - now >= margin:
            return now
        if opens > now:
            return _ceil_minute(opens)
    return None


def _known_zones(names: tuple[str, ...]) -> list[tzinfo]:
    """Return the zones of ``names`` that this system's time zone database knows."""
    zones = []
    for name in names:
        try:
            zones.append(zone_for(name))
        except TextioProInputError:
            continue
    return zones


def _shared_open_times(window: SendWindow, zones: list[tzinfo], now: datetime, days: int) -> list[_Interval]:
    """Return the UTC intervals in which the window is open in every one of ``zones``."""
    shared = _open_times(window, zones[0], now, days)
    for zone in zones[1:]:
        shared = _intersection(shared, _open_times(window, zone, now, days))
    return shared


def _open_times(window: SendWindow, zone: tzinfo, now: datetime, days: int) -> list[_Interval]:
    """Return the window's open intervals in ``zone`` (UTC, merged) from the day before ``now``."""
    first = now.astimezone(zone).date() - timedelta(days=1)
    intervals: list[_Interval] = []
    for offset in range(days + 2):
        day = first + timedelta(days=offset)
        if DAYS[day.weekday()] not in window.open_days:
            continue
        opens = _instant(day, window.start_minute, zone, latest=True)
        closes_on = day + timedelta(days=1) if window.crosses_midnight else day
        closes = _instant(closes_on, window.end_minute, zone, latest=False)
        if closes <= opens:
            continue
        if intervals and intervals[-1][1] >= opens:
            intervals[-1] = (intervals[-1][0], max(intervals[-1][1], closes))
        else:
            intervals.append((opens, closes))
    return intervals


def _instant(day: date, minute: int, zone: tzinfo, *, latest: bool) -> datetime:
    """Return the UTC instant of a wall-clock time; of two readings (DST) the later or earlier."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    readings = [wall.replace(tzinfo=zone, fold=fold).astimezone(timezone.utc) for fold in (0, 1)]
    return max(readings) if latest else min(readings)


def _intersection(left: list[_Interval], right: list[_Interval]) -> list[_Interval]:
    """Return the intervals in both sorted, disjoint lists."""
    shared: list[_Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        opens = max(left[i][0], right[j][0])
        closes = min(left[i][1], right[j][1])
        if opens < closes:
            shared.append((opens, closes))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return shared


def _ceil_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)


def _clock_text(value: Any, name: str, *, allow_24: bool) -> str:
    """Return a time of day as ``"HH:MM"``; ``"24:00"`` only where ``allow_24``."""
    if isinstance(value, time):
        return f"{value:%H:%M}"
    match = _CLOCK.fullmatch(str(value).strip()) if isinstance(value, str) else None
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if minute < 60 and (hour < 24 or (allow_24 and (hour, minute) == (24, 0))):
            return f"{hour:02d}:{minute:02d}"
    latest = "24:00" if allow_24 else "23:59"
    raise TextioProInputError(
        f"send_window {name} {value!r} is not a time of day: write it as 'HH:MM' from 00:00 to {latest}."
    )


def _minutes(clock: str) -> int:
    hour, minute = clock.split(":")
    return int(hour) * 60 + int(minute)


def _days(value: Any) -> tuple[str, ...]:
    """Return the week days named by ``value`` in week order (every day when empty)."""
    if value is None:
        return DAYS
    names = [n for n in re.split(r"[,\s]+", value.strip()) if n] if isinstance(value, str) else list(value)
    if not names:
        raise TextioProInputError(
            "send_window days is empty: name at least one day, or give None for every day."
        )
    wanted: set[str] = set()
    for name in names:
        text = str(name).strip().lower()
        bounds = text.split("-") if isinstance(name, str) else [text]
        if len(bounds) > 2 or not all(_day(bound) for bound in bounds):
            raise TextioProInputError(
                f"send_window day {name!r} is not a day of the week: use mon, tue, wed, thu, fri, sat, "
                "sun (or full names, or a range such as 'mon-fri')."
            )
        first, last = DAYS.index(_day(bounds[0])), DAYS.index(_day(bounds[-1]))
        span = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        wanted.update(DAYS[index] for index in span)
    return tuple(day for day in DAYS if day in wanted)


def _day(text: str) -> str:
    """Return the three-letter name of a day name (``"Monday"`` -> ``"mon"``), or ``""``."""
    short = text[:3]
    return short if short in DAYS and text in (short, _FULL_DAY_NAMES[DAYS.index(short)]) else ""
