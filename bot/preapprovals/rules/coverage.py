"""Which visits of a series an approval covers: its units, counted in order, and its dates.

A visit uses a unit when it is booked or was held (arrived, checked in, done); a cancelled
visit, a no-show or one entered in error uses none, so cancelling one frees its unit for
the next. Only visits inside the approval's dates count towards its units: a visit before
"valid from" or after "valid until" is not covered whatever the units say. Days are read on
the clock of the channel the request was opened in, as its expiry is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

# FHIR R4 Appointment statuses, as the visits of a series carry them.
ON_SCHEDULE = frozenset({"booked", "arrived", "checked-in"})  # ahead, or under way
HELD = frozenset({"fulfilled"})
USES_A_UNIT = ON_SCHEDULE | HELD


@dataclass(frozen=True)
class SeriesVisit:
    """One visit of a series, as plain values."""

    ref: str  # A-ref
    start: datetime
    status: str  # its FHIR Appointment status

    @property
    def on_schedule(self) -> bool:
        return self.status in ON_SCHEDULE


@dataclass(frozen=True)
class Terms:
    """What the payer approved: how many visits, and between which days (None: no limit)."""

    units: int | None = None
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class Coverage:
    """A series' visits against an approval's terms."""

    terms: Terms
    counted: tuple[SeriesVisit, ...]  # booked or held, first first
    beyond_units: tuple[SeriesVisit, ...]  # inside the dates, after the units ran out
    outside_dates: tuple[SeriesVisit, ...]  # before valid from or after valid until

    @property
    def covered(self) -> int:
        return len(self.counted) - len(self.beyond_units) - len(self.outside_dates)

    @property
    def missed(self) -> frozenset[str]:
        """The refs of the visits it does not cover."""
        return frozenset(v.ref for v in (*self.beyond_units, *self.outside_dates))

    def at_risk(self, now: datetime) -> tuple[SeriesVisit, ...]:
        """The visits not covered that are still to come, on the schedule, first first."""
        missed = (*self.beyond_units, *self.outside_dates)
        return tuple(sorted((v for v in missed if v.on_schedule and v.start > now), key=_order))

    def next_gap(self, now: datetime) -> datetime | None:
        """When the first visit still to come that is not covered starts; None when none is."""
        ahead = self.at_risk(now)
        return ahead[0].start if ahead else None


def cover(visits: Sequence[SeriesVisit], terms: Terms, zone: ZoneInfo) -> Coverage:
    """Count the visits that use a unit in order: the first `units` inside the dates are
    covered, the rest are not, nor is any outside the dates."""
    counted = tuple(sorted((v for v in visits if v.status in USES_A_UNIT), key=_order))
    inside = [v for v in counted if _within(v.start.astimezone(zone).date(), terms)]
    beyond = inside[terms.units :] if terms.units is not None else []
    kept = {v.ref for v in inside}
    return Coverage(
        terms=terms,
        counted=counted,
        beyond_units=tuple(beyond),
        outside_dates=tuple(v for v in counted if v.ref not in kept),
    )


def needed_from(
    visits: Sequence[SeriesVisit], since: datetime, approved: Coverage | None = None
) -> datetime | None:
    """When a request for the series is needed, as a single visit's start is: its first visit
    on the schedule from `since` (when the request was opened) that no approval recorded on
    it covers (`approved`; None when none was)."""
    missed = approved.missed if approved is not None else None
    ahead = [
        v.start
        for v in visits
        if v.on_schedule and v.start >= since and (missed is None or v.ref in missed)
    ]
    return min(ahead, default=None)


def _within(day: date, terms: Terms) -> bool:
    if terms.valid_from is not None and day < terms.valid_from:
        return False
    return terms.valid_to is None or day <= terms.valid_to


def _order(visit: SeriesVisit) -> tuple[datetime, int]:
    """First first; two at the same instant by their number (A-9 before A-10)."""
    digits = "".join(c for c in visit.ref if c.isdigit())
    return visit.start, int(digits or 0)
