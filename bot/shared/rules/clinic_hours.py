"""Spans of real time and the clinic's opening hours (days, times, holidays) on its wall clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = frozenset(range(5))


@dataclass(frozen=True)
class Span:
    """A stretch of real time, [start, end): touching spans do not overlap."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError("a span needs timezone-aware start and end")
        if self.end <= self.start:
            raise ValueError(f"a span must end after it starts: {self.start} to {self.end}")

    @property
    def length(self) -> timedelta:
        """Elapsed real time, so a span across a DST change is as long as it really lasts."""
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    def overlaps(self, other: Span) -> bool:
        """Whether the two share any instant; one ending as the other starts does not."""
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, kw_only=True)
class ClinicHours:
    """When the clinic sees patients, on its own wall clock: Mon-Fri 08:00-18:00 by default."""

    tz: ZoneInfo
    opens: time = time(8, 0)
    closes: time = time(18, 0)
    days: frozenset[int] = field(default=WEEKDAYS)  # date.weekday(): Monday is 0
    holidays: frozenset[date] = frozenset()  # closed all day

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise ValueError(f"the clinic must close after it opens: {self.opens}-{self.closes}")
        if not self.days or not self.days <= frozenset(range(7)):
            raise ValueError(f"open days are weekday numbers 0 (Mon) to 6 (Sun): {self.days}")

    def is_open_on(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def contains(self, span: Span) -> bool:
        """Whether the span lies within one open day's hours, in local time."""
        start, end = span.start.astimezone(self.tz), span.end.astimezone(self.tz)
        return (
            start.date() == end.date()
            and self.is_open_on(start.date())
            and self.opens <= start.time()
            and end.time() <= self.closes
        )
