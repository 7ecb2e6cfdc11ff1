"""What an iCalendar export holds, as plain values: visits, series, calendar statuses, UIDs.

The file itself is written by bot.appointments.ical_file (the icalendar package); everything
it needs to know is decided here: what each event says, which times it holds, and which
series are whole (its overrides belong to it, no occurrence is both cancelled and moved).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

from bot.appointments.rules.appointment import Status

PRODID = "-//carebot//Visits export 1.0//EN"
# TEXT may hold no control character but a tab (RFC 5545 3.3.11); line breaks are kept (the
# writer turns them into \n). Lone surrogates go too: they have no UTF-8 form.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class EventStatus(StrEnum):
    """VEVENT STATUS values (RFC 5545 3.8.1.11)."""

    CONFIRMED = "CONFIRMED"
    TENTATIVE = "TENTATIVE"
    CANCELLED = "CANCELLED"


# Every FHIR R4 Appointment.status, as a calendar shows it.
EVENT_STATUS: Mapping[Status, EventStatus] = MappingProxyType(
    {
        Status.BOOKED: EventStatus.CONFIRMED,
        Status.ARRIVED: EventStatus.CONFIRMED,
        Status.CHECKED_IN: EventStatus.CONFIRMED,
        Status.FULFILLED: EventStatus.CONFIRMED,
        Status.PROPOSED: EventStatus.TENTATIVE,
        Status.PENDING: EventStatus.TENTATIVE,
        Status.WAITLIST: EventStatus.TENTATIVE,
        Status.CANCELLED: EventStatus.CANCELLED,
        Status.NOSHOW: EventStatus.CANCELLED,
        Status.ENTERED_IN_ERROR: EventStatus.CANCELLED,
    }
)


@dataclass(frozen=True)
class Event:
    """One VEVENT: already-decided plain text, aware datetimes, ending after it starts."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    status: EventStatus
    location: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.start, self.end)
        if self.end <= self.start:
            raise ValueError(f"event {self.uid} must end after it starts, e.g. 09:30-10:15")


@dataclass(frozen=True)
class Override:
    """One occurrence of a series changed on its own (moved, most often): a RECURRENCE-ID event.

    `original_start` is when the rule put it; `event` is what it is now, under the series' UID.
    """

    original_start: datetime
    event: Event

    def __post_init__(self) -> None:
        require_aware(self.original_start)


@dataclass(frozen=True)
class Series:
    """Visits that repeat, as one event: the first visit, its RRULE, what was cancelled or moved.

    `rule` is an RFC 5545 RRULE value ("FREQ=WEEKLY;BYDAY=TU,TH;COUNT=12") that must end (COUNT
    or UNTIL, UNTIL in UTC). It repeats on the clock of `zone`, the clinic's: 10:00 stays 10:00
    across a change to summer time. `cancelled` are the original starts of cancelled occurrences
    (EXDATE).
    """

    first: Event
    rule: str
    zone: ZoneInfo
    cancelled: tuple[datetime, ...] = ()
    overrides: tuple[Override, ...] = ()

    def __post_init__(self) -> None:
        require_aware(*self.cancelled)
        if not self.rule.strip() or any(c in self.rule for c in "\r\n:"):
            raise ValueError(
                f"a series' rule is one RRULE value, e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=6, "
                f"not {self.rule!r}"
            )
        for override in self.overrides:
            if override.event.uid != self.first.uid:
                raise ValueError(
                    f"an override of {self.first.uid} must keep its UID, not {override.event.uid}"
                )
        moved = [instant(o.original_start) for o in self.overrides]
        cancelled = [instant(at) for at in self.cancelled]
        if len(set(moved)) < len(moved) or len(set(cancelled)) < len(cancelled):
            raise ValueError(f"series {self.first.uid} names one occurrence twice")
        if set(moved) & set(cancelled):
            raise ValueError(f"series {self.first.uid} has an occurrence both moved and cancelled")


def event_uid(ref: str, team_id: str) -> str:
    """A UID that stays the same across exports, so calendars update instead of duplicating."""
    return f"{ref.strip().upper()}-{team_id}@carebot"


def writable(text: str) -> str:
    """Text a calendar may hold: control characters (but tab and line breaks) dropped."""
    return _UNWRITABLE.sub("", text)


def require_aware(*times: datetime) -> None:
    if any(at.utcoffset() is None for at in times):
        raise ValueError("iCalendar times need a timezone-aware datetime")


def instant(at: datetime) -> datetime:
    """The moment `at` names, in UTC: equal and hashed alike across zones and folds."""
    return at.astimezone(UTC)
