"""iCalendar (RFC 5545) text from plain values: events, escaping, line folding, statuses."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType

from bot.appointments.rules.appointment import Status

PRODID = "-//carebot//Visits export 1.0//EN"
CRLF = "\r\n"
LINE_OCTETS = 75  # RFC 5545 3.1: longer content lines are folded
# TEXT may hold no control character but a tab (RFC 5545 3.3.11); line breaks become \n.
# Lone surrogates go too: they have no UTF-8 form.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")


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
    """One VEVENT: already-decided plain text, aware datetimes."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    status: EventStatus
    location: str | None = None


def event_uid(ref: str, team_id: str) -> str:
    """A UID that stays the same across exports, so calendars update instead of duplicating."""
    return f"{ref.strip().upper()}-{team_id}@carebot"


def calendar(events: Iterable[Event], stamp: datetime) -> str:
    """A whole VCALENDAR to publish; `stamp` (when it was made) becomes every DTSTAMP."""
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for event in events:
        lines.extend(_event_lines(event, stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def _event_lines(event: Event, stamp: datetime) -> list[str]:
    start, end = utc_stamp(event.start), utc_stamp(event.end)  # refuses naive times first
    if event.end <= event.start:
        raise ValueError(f"event {event.uid} must end after it starts, e.g. 09:30-10:15")
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{utc_stamp(stamp)}",
        f"DTSTART:{start}",
        f"DTEND:{end}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    lines += [f"STATUS:{event.status.value}", "END:VEVENT"]
    return lines


def utc_stamp(at: datetime) -> str:
    """A DATE-TIME in UTC form, "20270302T200000Z"."""
    if at.utcoffset() is None:
        raise ValueError("iCalendar times need a timezone-aware datetime")
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, line breaks as \\n, controls gone."""
    escaped = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    escaped = escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return _UNWRITABLE.sub("", escaped)


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 UTF-8 octets, never inside a character.

    Each continuation starts with one space, which counts toward its 75 octets.
    """
    pieces: list[str] = []
    start, size, limit = 0, 0, LINE_OCTETS
    for index, char in enumerate(line):
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(line[start:index])
            start, size, limit = index, 0, LINE_OCTETS - 1
        size += width
    pieces.append(line[start:])
    return (CRLF + " ").join(pieces)
