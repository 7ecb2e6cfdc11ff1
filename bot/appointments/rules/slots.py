"""The next free slots to offer after a conflict, within the clinic's hours."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.shared.rules.clinic_hours import ClinicHours, Span

STEP = timedelta(minutes=15)
HORIZON = timedelta(days=14)


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


def nearest_free_same_day(
    busy: Sequence[Span], wanted: Span, hours: ClinicHours, now: datetime
) -> Span | None:
    """The free span of the same length, in clinic hours on the same local day, whose start
    is nearest the wanted one (earlier on a tie); None when that day has none."""
    length = wanted.end - wanted.start
    day = wanted.start.astimezone(hours.tz).date()
    opening = datetime.combine(day, hours.opens, tzinfo=hours.tz)
    candidates = next_free_slots(
        busy, length, max(opening, now), hours, count=96, horizon=timedelta(days=1)
    )
    same_day = [s for s in candidates if s.start.astimezone(hours.tz).date() == day]
    if not same_day:
        return None
    return min(same_day, key=lambda s: (abs(s.start - wanted.start), s.start))
