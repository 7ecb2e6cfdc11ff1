"""A week at a glance, as values: the visits drawn, their collisions, the clinic's open hours.

The picture (bot.appointments.week_picture) draws a `WeekGrid`; everything it needs to know
is decided here, on plain values: which visits collide, where the clinic is open on the
reader's clock, which hours the grid spans and how visits that overlap share a day's column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.appointments.rules.appointment import Status
from bot.shared.rules.clinic_hours import ClinicHours, Span

DAYS = 7
MINUTES_A_DAY = 24 * 60
# The hours a grid shows when the clinic is closed all week and nothing is booked.
QUIET_HOURS = (8, 18)
ON = ("patient", "clinician", "room")  # what two visits can collide on, in this order


@dataclass(frozen=True)
class Collision:
    """Another visit holding the same patient, clinician or room at an overlapping time."""

    ref: str
    on: tuple[str, ...]  # some of ON


@dataclass(frozen=True)
class Holding:
    """A visit that holds its slot, by what it holds: for finding collisions."""

    ref: str
    start: datetime
    end: datetime
    patient: str
    clinician: str | None = None
    room: str | None = None  # the room as matched: folded, spaces collapsed


@dataclass(frozen=True)
class WeekVisit:
    """One visit as the week shows it: a box with its time, kind and patient."""

    ref: str
    start: datetime
    end: datetime
    kind: str
    patient: str  # plain text, already shaped by the workspace's display policy
    status: Status
    clinician: str | None = None  # a Slack user id
    room: str | None = None
    collisions: tuple[Collision, ...] = ()


@dataclass(frozen=True)
class WeekGrid:
    """What one week's picture shows, in the reader's zone: days Monday to Sunday."""

    title: str
    first_day: date
    zone: ZoneInfo
    visits: tuple[WeekVisit, ...]
    open_hours: tuple[Span, ...] = ()  # when the clinic is open, as real time
    now: datetime | None = None  # drawn as a line when it falls in the week

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(self.first_day + timedelta(days=n) for n in range(DAYS))


def monday_of(day: date) -> date:
    """The Monday that starts the calendar week holding `day`."""
    return day - timedelta(days=day.weekday())


def collisions(visits: Iterable[Holding]) -> dict[str, tuple[Collision, ...]]:
    """For every visit that overlaps another on the same patient, clinician or room: which
    ones, and on what. Touching ends (one ends at 10:00, the next starts then) do not collide."""
    found: dict[str, dict[str, set[str]]] = {}
    listed = list(visits)
    for name in ON:
        held: dict[str, list[Holding]] = {}
        for visit in listed:
            key = getattr(visit, name)
            if key is not None:
                held.setdefault(key, []).append(visit)
        for same in held.values():
            _overlaps(sorted(same, key=lambda v: v.start), name, found)
    return {
        ref: tuple(Collision(other, _ordered(on)) for other, on in sorted(others.items()))
        for ref, others in found.items()
    }


def _overlaps(ordered: list[Holding], on: str, found: dict[str, dict[str, set[str]]]) -> None:
    """Record each overlapping pair of visits sorted by start, sweeping once."""
    running: list[Holding] = []
    for visit in ordered:
        running = [r for r in running if r.end > visit.start]
        for other in running:
            found.setdefault(visit.ref, {}).setdefault(other.ref, set()).add(on)
            found.setdefault(other.ref, {}).setdefault(visit.ref, set()).add(on)
        running.append(visit)


def _ordered(on: set[str]) -> tuple[str, ...]:
    return tuple(name for name in ON if name in on)


def open_spans(hours: ClinicHours, first_day: date, days: int = DAYS) -> tuple[Span, ...]:
    """The clinic's open hours around a week, on its own clock; a day more on each side, so
    a reader in another zone sees the hours that spill into their week."""
    spans = []
    for n in range(-1, days + 1):
        day = first_day + timedelta(days=n)
        if hours.is_open_on(day):
            opens = datetime.combine(day, hours.opens, hours.tz)
            closes = datetime.combine(day, hours.closes, hours.tz)
            spans.append(Span(opens, closes))
    return tuple(spans)


def minutes(at: datetime, day: date, zone: ZoneInfo) -> int:
    """Minutes after midnight of `day` on the reader's wall clock, kept within the day."""
    local = at.astimezone(zone)
    if local.date() < day:
        return 0
    if local.date() > day:
        return MINUTES_A_DAY
    return local.hour * 60 + local.minute


def pieces(span: tuple[datetime, datetime], grid: WeekGrid) -> list[tuple[int, int, int]]:
    """A stretch of real time as (day index, from minute, to minute) on the grid's days."""
    start, end = span
    found = []
    for index, day in enumerate(grid.days):
        low, high = minutes(start, day, grid.zone), minutes(end, day, grid.zone)
        if high > low:
            found.append((index, low, high))
    return found


def hour_range(grid: WeekGrid) -> tuple[int, int]:
    """The first and last hour the grid shows: the clinic's hours and every visit, whole hours."""
    low, high = MINUTES_A_DAY, 0
    for span in grid.open_hours:
        for _, start, end in pieces((span.start, span.end), grid):
            low, high = min(low, start), max(high, end)
    for visit in grid.visits:
        day = visit.start.astimezone(grid.zone).date()
        start = minutes(visit.start, day, grid.zone)
        low, high = min(low, start), max(high, max(minutes(visit.end, day, grid.zone), start + 1))
    if high <= low:
        return QUIET_HOURS
    return low // 60, min(-(-high // 60), 24)


def day_of(visit: WeekVisit, grid: WeekGrid) -> int | None:
    """The column a visit is drawn in (by its local start), or None outside the week."""
    index = (visit.start.astimezone(grid.zone).date() - grid.first_day).days
    return index if 0 <= index < DAYS else None


def lanes(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Side by side: for each (start, end) in minutes, its lane and how many lanes its group
    of overlapping visits needs; visits that overlap nothing get the whole width."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i][0], -spans[i][1]))
    placed: list[tuple[int, int]] = [(0, 1)] * len(spans)
    group: list[int] = []
    lane_ends: list[int] = []
    group_end = -1

    def close_group() -> None:
        for i in group:
            placed[i] = (placed[i][0], len(lane_ends))

    for i in order:
        start, end = spans[i][0], max(spans[i][1], spans[i][0] + 1)
        if start >= group_end and group:
            close_group()
            group, lane_ends = [], []
        lane = next((n for n, free_at in enumerate(lane_ends) if free_at <= start), None)
        if lane is None:
            lane = len(lane_ends)
            lane_ends.append(end)
        else:
            lane_ends[lane] = end
        placed[i] = (lane, 0)
        group.append(i)
        group_end = max(group_end, end)
    close_group()
    return placed


def clock(at: datetime, zone: ZoneInfo) -> str:
    """9:30 AM on the reader's clock."""
    local = at.astimezone(zone)
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def hour_label(hour: int) -> str:
    """8 AM, 12 PM, 6 PM."""
    hour %= 24
    return f"{hour % 12 or 12} {'AM' if hour < 12 else 'PM'}"
