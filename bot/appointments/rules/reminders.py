"""When a visit's reminders are due: the clinician's leads, the checklist, the no-show check.

Plain instants in and out. A reminder row keeps only when it is due next, so at fire
time these rules say whether that instant still belongs to the visit as it is now.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.appointments.rules.appointment import PROCEDURAL, Status

# The clinician hears about a visit this long before it starts.
LEADS: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))
# Procedures and surgeries: the checklist goes out at this time the day before, on the
# clock of the channel the visit was booked in.
CHECKLIST_TIME = time(9, 0)
# The pre-procedure checklist's items, as its DM's buttons name them.
CHECKLIST_ITEMS = frozenset({"equipment", "patient", "consent", "preapproval"})
# A visit still booked this long after its end is flagged as a possible no-show.
NOSHOW_AFTER = timedelta(hours=24)
# How far a first firing may sit from its lead's instant and still be that lead.
TOLERANCE = timedelta(minutes=1)


def _checked(leads: Iterable[timedelta]) -> list[timedelta]:
    """The leads nearest the start first; refuses a lead that is not before the start."""
    chosen = sorted(set(leads))
    if any(lead <= timedelta(0) for lead in chosen):
        raise ValueError("a reminder lead must be a positive time before the visit, e.g. 1 h")
    return chosen


def next_lead(
    start: datetime, now: datetime, leads: Iterable[timedelta] = LEADS
) -> tuple[datetime, timedelta] | None:
    """The first lead instant after `now` and its lead; None once every lead has passed."""
    upcoming = [(start - lead, lead) for lead in _checked(leads) if start - lead > now]
    return min(upcoming) if upcoming else None


def firing_lead(
    start: datetime,
    planned: datetime,
    now: datetime,
    leads: Iterable[timedelta] = LEADS,
    *,
    retry: bool = False,
) -> timedelta | None:
    """The lead to announce for a firing planned for `planned` and run at `now`; None for none.

    A first attempt must have been planned on one of the leads' instants, else the visit
    moved since. The lead announced is the latest one passed at `now`, so a late or retried
    firing never announces more time than is left; once the visit has started, none.
    """
    chosen = _checked(leads)
    if now >= start:
        return None
    if not retry and all(abs(planned - (start - lead)) > TOLERANCE for lead in chosen):
        return None
    return next((lead for lead in chosen if start - lead <= now + TOLERANCE), None)


def time_left(lead: timedelta, start: datetime, now: datetime) -> timedelta:
    """What a reminder may promise: the lead, or less when it goes out late ("in 12 hours")."""
    left = start - now
    if left >= lead - TOLERANCE:
        return lead
    unit = timedelta(hours=1) if left >= timedelta(hours=2) else timedelta(minutes=1)
    return max(unit, left // unit * unit)


def on_wall_clock(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`at` on `day` in `zone`, as UTC; a time skipped by a spring-forward lands after the gap."""
    local = datetime.combine(day, at, tzinfo=zone)  # fold=0: the first of a repeated time
    return local.astimezone(UTC)


def checklist_instant(start: datetime, zone: ZoneInfo, at: time = CHECKLIST_TIME) -> datetime:
    """`at` (09:00) on the clinic's clock the day before the visit's local date."""
    day = start.astimezone(zone).date() - timedelta(days=1)
    return on_wall_clock(day, at, zone)


def checklist_at(
    start: datetime, zone: ZoneInfo, now: datetime, at: time = CHECKLIST_TIME
) -> datetime | None:
    """When to send the checklist: its instant, or now when booked after it; None once started."""
    if start <= now:
        return None
    return max(checklist_instant(start, zone, at), now)


def noshow_check_at(end: datetime, after: timedelta = NOSHOW_AFTER) -> datetime:
    """When a visit still booked after its end is flagged to the coordinator."""
    return end + after


def lead_words(lead: timedelta) -> str:
    """A lead as a reader says it: "24 hours", "1 hour", "2 days", "90 minutes"."""
    minutes = round(lead.total_seconds() / 60)
    for size, unit in ((24 * 60, "day"), (60, "hour")):
        # Whole hours stay hours up to a day and a half: "24 hours" reads better than "1 day".
        if minutes % size == 0 and (unit != "day" or minutes > 36 * 60):
            count = minutes // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


@dataclass(frozen=True)
class Due:
    """A kind's decision for one firing: whom to DM (None: nobody) and when to fire next."""

    to: str | None
    next_at: datetime | None = None
    lead: timedelta | None = None


def clinician_due(
    start: datetime,
    clinician: str | None,
    planned: datetime,
    now: datetime,
    leads: Iterable[timedelta] = LEADS,
    *,
    retry: bool = False,
) -> Due:
    """The clinician's heads-up: due on one of the leads before the start, then the next lead."""
    if clinician is None:
        return Due(None)
    lead = firing_lead(start, planned, now, leads, retry=retry)
    following = next_lead(start, now, leads)
    next_at = following[0] if following else None
    # No lead: the visit moved since this was planned (plan again from its start) or began.
    return Due(None if lead is None else clinician, next_at, lead)


def checklist_due(kind: str, start: datetime, booker: str, now: datetime, zone: ZoneInfo) -> Due:
    """The checklist, to who booked a procedure, the day before on `zone`'s clock (09:00)."""
    if kind not in PROCEDURAL or start <= now:
        return Due(None)
    instant = checklist_instant(start, zone)
    if instant > now:
        return Due(None, instant)  # moved to a later day: wait for that day's 09:00
    return Due(booker)


def noshow_due(status: Status, end: datetime, booker: str, now: datetime) -> Due:
    """A visit still booked a day after its end: ask who booked it whether it was a no-show."""
    if status is not Status.BOOKED:
        return Due(None)
    check = noshow_check_at(end)
    if check > now:
        return Due(None, check)  # moved later: ask a day after the new end
    return Due(booker)
