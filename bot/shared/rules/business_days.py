"""Business days and reminder rounds: weekends and holidays skipped, on each reader's wall clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKEND = frozenset({5, 6})  # Saturday, Sunday
# A year of days is more than any round or risk window looks ahead; it bounds every loop.
_LOOK_AHEAD_DAYS = 370


@dataclass(frozen=True)
class BusinessCalendar:
    """Which days are working days: not a weekend, not a configured holiday."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    weekend: frozenset[int] = WEEKEND

    @classmethod
    def of(cls, holidays: Iterable[date] = ()) -> BusinessCalendar:
        return cls(frozenset(holidays))

    def is_business_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def next_business_day(self, day: date) -> date:
        """The first business day on or after `day`."""
        for offset in range(_LOOK_AHEAD_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_business_day(candidate):
                return candidate
        raise ValueError("no business day within a year: check the holidays")

    def business_days_before(self, day: date, count: int) -> date:
        """The business day `count` business days before `day` (count 0: `day` itself)."""
        found, candidate = 0, day
        for _ in range(_LOOK_AHEAD_DAYS):
            if found == count:
                return candidate
            candidate -= timedelta(days=1)
            if self.is_business_day(candidate):
                found += 1
        raise ValueError("no business days within a year: check the holidays")

    def business_days_between(self, start: date, end: date) -> int:
        """How many business days lie after `start`, up to and including `end` (0 if none)."""
        if end <= start:
            return 0
        days = min((end - start).days, _LOOK_AHEAD_DAYS)
        return sum(self.is_business_day(start + timedelta(days=i)) for i in range(1, days + 1))


def at_local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """`clock` on `day` in `zone`, as an aware instant; a time the DST gap skips moves later."""
    local = datetime.combine(day, clock, tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone)


def round_on_or_after(
    instant: datetime, zone: ZoneInfo, round_time: time, calendar: BusinessCalendar
) -> datetime:
    """The first reminder round (round_time on a business day, in zone) at or after `instant`."""
    day = instant.astimezone(zone).date()
    for _ in range(_LOOK_AHEAD_DAYS):
        day = calendar.next_business_day(day)
        at = at_local(day, round_time, zone)
        if at >= instant:
            return at
        day += timedelta(days=1)
    raise ValueError("no reminder round within a year: check the holidays")


def round_after(
    instant: datetime, zone: ZoneInfo, round_time: time, calendar: BusinessCalendar
) -> datetime:
    """The first reminder round strictly after `instant`."""
    return round_on_or_after(instant + timedelta(seconds=1), zone, round_time, calendar)


def daily_at_after(instant: datetime, zone: ZoneInfo, clock: time) -> datetime:
    """The next `clock` in `zone` strictly after `instant`, any day of the week."""
    day = instant.astimezone(zone).date()
    for offset in range(3):
        at = at_local(day + timedelta(days=offset), clock, zone)
        if at > instant:
            return at
    raise AssertionError("a daily time always comes within two days")
