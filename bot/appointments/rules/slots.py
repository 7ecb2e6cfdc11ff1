"""Time spans, the clinic's opening hours, and the next free slots to offer after a conflict."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STEP = timedelta(minutes=15)
HORIZON = timedelta(days=14)
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


def next_free_slots(
    busy: Sequence[Span],
    length: timedelta,
    after: datetime,
    hours: ClinicHours,
    *,
    count: int = 3,
    step: timedelta = STEP,
    horizon: timedelta = HORIZON,
) -> list[Span]:
    """The first count free spans of length from after, on the step grid in clinic hours.

    Starts are walked on the local wall clock from each day's opening time, so they stay
    on :00/:15/:30/:45 across DST changes; a start the clocks skip is passed over, and in
    the repeated autumn hour only its first occurrence is offered. Slots offered may
    overlap one another: they are alternatives, not a plan.
    """
    if after.utcoffset() is None:
        raise ValueError("after must be timezone-aware")
    if length <= timedelta(0) or step < timedelta(minutes=1) or count < 1:
        raise ValueError("length must be positive, step at least a minute, count at least 1")
    blocked = _merged(busy)
    until = after + horizon
    local_after = after.astimezone(hours.tz).replace(tzinfo=None)
    found: list[Span] = []
    day = local_after.date()
    while day <= until.astimezone(hours.tz).date() and len(found) < count:
        opening = datetime.combine(day, hours.opens)
        closing = datetime.combine(day, hours.closes)
        wall = _on_grid(max(local_after, opening), opening, step)
        while hours.is_open_on(day) and wall < closing and len(found) < count:
            start = _aware(wall, hours.tz)
            if start is None or start < after:
                wall += step
                continue
            if start > until:
                return found
            slot = Span(start, start + length)
            if not hours.contains(slot):
                break  # it runs past closing, and so would every later start today
            clash = _first_clash(blocked, slot)
            if clash is None:
                found.append(slot)
                wall += step
            else:
                # Jump past the busy span instead of stepping through it.
                free_at = clash.end.astimezone(hours.tz).replace(tzinfo=None)
                wall = max(wall + step, _on_grid(free_at, opening, step))
        day += timedelta(days=1)
    return found


def _merged(busy: Sequence[Span]) -> list[Span]:
    """Busy spans sorted by start, overlapping or touching ones joined."""
    merged: list[Span] = []
    for span in sorted(busy, key=lambda s: s.start):
        if merged and span.start <= merged[-1].end:
            if span.end > merged[-1].end:
                merged[-1] = Span(merged[-1].start, span.end)
        else:
            merged.append(span)
    return merged


def _first_clash(blocked: list[Span], slot: Span) -> Span | None:
    """The merged busy span overlapping slot, found by bisection, or None."""
    i = bisect_right(blocked, slot.start, key=lambda s: s.end)
    if i < len(blocked) and blocked[i].start < slot.end:
        return blocked[i]
    return None


def _on_grid(wall: datetime, opening: datetime, step: timedelta) -> datetime:
    """The first grid time (opening + k * step) at or after wall; opening if wall is earlier."""
    if wall <= opening:
        return opening
    steps, remainder = divmod(wall - opening, step)
    return opening + (steps + (1 if remainder else 0)) * step


def _aware(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """A naive local time in tz (first occurrence when repeated); None in a DST gap."""
    at = wall.replace(tzinfo=tz, fold=0)
    if at.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return at
