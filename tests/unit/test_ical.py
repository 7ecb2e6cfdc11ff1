"""Visits as an iCalendar file that calendar apps read back exactly: escaping, folding, status."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.appointments.rules.appointment import Status
from bot.appointments.rules.ical import (
    EVENT_STATUS,
    Event,
    EventStatus,
    calendar,
    escape_text,
    event_uid,
    fold,
)

NEW_YORK = ZoneInfo("America/New_York")
STAMP = datetime(2027, 3, 1, 19, 0, tzinfo=UTC)
START = datetime(2027, 3, 2, 15, 0, tzinfo=NEW_YORK)


def content_lines(raw: bytes) -> list[str]:
    """The unfolded content lines of an .ics file, checking CRLF ends and 75-octet lines."""
    assert raw.endswith(b"\r\n")
    physical = raw[:-2].split(b"\r\n")
    for line in physical:
        assert b"\n" not in line and b"\r" not in line
        assert len(line) <= 75, line
    text = raw.decode("utf-8")  # folding never split a character
    return text[:-2].replace("\r\n ", "").split("\r\n")


def unescape_text(value: str) -> str:
    """A TEXT value as a calendar app shows it (RFC 5545 3.3.11)."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def visit(**changes: object) -> Event:
    values: dict[str, object] = {
        "uid": event_uid("A-12", "T0CAREBOT"),
        "start": START,
        "end": START + timedelta(minutes=45),
        "summary": "A-12 J.D. (P-4) · imaging",
        "status": EventStatus.CONFIRMED,
        "location": "Radiology 2",
    }
    values.update(changes)
    return Event(**values)  # type: ignore[arg-type]


def test_a_calendar_has_its_header_and_one_event_per_visit() -> None:
    lines = content_lines(calendar([visit(), visit(uid="A-13-T0CAREBOT@carebot")], STAMP).encode())

    assert lines[:5] == [
        "BEGIN:VCALENDAR",
        "PRODID:-//carebot//Visits export 1.0//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    assert lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 2
    first = lines[lines.index("BEGIN:VEVENT") : lines.index("END:VEVENT") + 1]
    assert first == [
        "BEGIN:VEVENT",
        "UID:A-12-T0CAREBOT@carebot",
        "DTSTAMP:20270301T190000Z",
        "DTSTART:20270302T200000Z",  # 3 PM in New York, in UTC
        "DTEND:20270302T204500Z",
        "SUMMARY:A-12 J.D. (P-4) · imaging",
        "LOCATION:Radiology 2",
        "STATUS:CONFIRMED",
        "END:VEVENT",
    ]


def test_an_empty_calendar_is_still_a_calendar() -> None:
    assert calendar([], STAMP).split("\r\n")[-2:] == ["END:VCALENDAR", ""]


def test_no_location_means_no_location_line() -> None:
    assert "LOCATION" not in calendar([visit(location=None)], STAMP)


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("Radiology 2", "Radiology 2"),
        ("OR 4; east wing", "OR 4\\; east wing"),
        ("Room 3, floor 2", "Room 3\\, floor 2"),
        ("C:\\clinic", "C:\\\\clinic"),
        ("two\nlines", "two\\nlines"),
        ("two\r\nlines\rthree", "two\\nlines\\nthree"),
        ("\\n is not a newline", "\\\\n is not a newline"),
        ("tab\tstays, bell\x07 goes", "tab\tstays\\, bell goes"),
        ('"quoted": fine', '"quoted": fine'),
    ],
)
def test_text_is_escaped_as_rfc_5545_says(typed: str, written: str) -> None:
    assert escape_text(typed) == written
    if "\x07" not in typed and "\r" not in typed:
        assert unescape_text(written) == typed


def test_escaped_text_reads_back_from_the_file() -> None:
    location = "OR 4; east wing, C:\\rooms\nask at desk"
    lines = content_lines(calendar([visit(location=location)], STAMP).encode())

    [line] = [line for line in lines if line.startswith("LOCATION:")]
    assert unescape_text(line.removeprefix("LOCATION:")) == location


def test_short_lines_are_not_folded() -> None:
    assert fold("X" * 75) == "X" * 75


def test_long_lines_fold_at_75_octets_with_a_leading_space() -> None:
    folded = fold("S" * 200)

    pieces = folded.split("\r\n")
    assert [len(p) for p in pieces] == [
        75,
        75,
        52,
    ]  # 75 + 74 + 51 characters, each continuation after a space
    assert all(p.startswith(" ") for p in pieces[1:])
    assert folded.replace("\r\n ", "") == "S" * 200


@pytest.mark.parametrize("char", ["é", "€", "😀", "\u0301"])
def test_folding_never_splits_a_multi_byte_character(char: str) -> None:
    line = "SUMMARY:" + char * 80
    folded = fold(line)

    for piece in folded.encode("utf-8").split(b"\r\n"):
        assert len(piece) <= 75
        piece.decode("utf-8")  # raises if a character was cut in two
    assert folded.replace("\r\n ", "") == line


def test_a_folded_summary_reads_back_whole() -> None:
    summary = "A-12 Zoë Łukasiewicz-Ångström 😀 (P-4) · imaging, " * 4
    lines = content_lines(calendar([visit(summary=summary)], STAMP).encode())

    [line] = [line for line in lines if line.startswith("SUMMARY:")]
    assert unescape_text(line.removeprefix("SUMMARY:")) == summary


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (Status.BOOKED, EventStatus.CONFIRMED),
        (Status.ARRIVED, EventStatus.CONFIRMED),
        (Status.CHECKED_IN, EventStatus.CONFIRMED),
        (Status.FULFILLED, EventStatus.CONFIRMED),
        (Status.PROPOSED, EventStatus.TENTATIVE),
        (Status.PENDING, EventStatus.TENTATIVE),
        (Status.WAITLIST, EventStatus.TENTATIVE),
        (Status.CANCELLED, EventStatus.CANCELLED),
        (Status.NOSHOW, EventStatus.CANCELLED),
        (Status.ENTERED_IN_ERROR, EventStatus.CANCELLED),
    ],
)
def test_fhir_statuses_map_to_calendar_statuses(status: Status, shown: EventStatus) -> None:
    assert EVENT_STATUS[status] == shown
    assert f"STATUS:{shown}\r\n" in calendar([visit(status=shown)], STAMP)


def test_every_fhir_status_has_a_calendar_status() -> None:
    assert set(EVENT_STATUS) == set(Status)


def test_the_uid_is_the_same_for_every_export_of_a_visit() -> None:
    later = STAMP + timedelta(days=3)
    moved = visit(start=START + timedelta(days=1), end=START + timedelta(days=1, hours=1))

    first = content_lines(calendar([visit()], STAMP).encode())
    second = content_lines(calendar([moved], later).encode())

    assert event_uid("A-12", "T0CAREBOT") == event_uid(" a-12 ", "T0CAREBOT")
    assert [x for x in first if x.startswith("UID:")] == [x for x in second if x.startswith("UID:")]
    assert event_uid("A-12", "T0CAREBOT") != event_uid("A-12", "T0OTHER")


def test_times_must_know_their_zone_and_end_after_they_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar([visit(start=datetime(2027, 3, 2, 15, 0))], STAMP)
    with pytest.raises(ValueError, match="end after it starts"):
        calendar([visit(end=START)], STAMP)
