"""Visits as an iCalendar file that calendar apps read back exactly: read back here with the
icalendar package, and checked line by line where the bytes matter (escaping, folding, zones)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from icalendar import Event as VEvent

from bot.appointments.ical_file import calendar
from bot.appointments.rules.appointment import Status
from bot.appointments.rules.ical import EVENT_STATUS, Event, EventStatus, event_uid

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
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


def written(*visits: Event, zone: ZoneInfo = NEW_YORK) -> tuple[Calendar, list[str]]:
    """The file for a reader in `zone`, read back by icalendar, and its content lines."""
    raw = calendar(visits, STAMP, zone)
    return Calendar.from_ical(raw), content_lines(raw)


def lines_of(lines: list[str], name: str) -> list[str]:
    """The events' `name` lines, in order (the VTIMEZONE's own DTSTART lines left out)."""
    found, inside = [], False
    for line in lines:
        inside = line == "BEGIN:VEVENT" or (inside and line != "END:VEVENT")
        if inside and line.split(":")[0].split(";")[0] == name:
            found.append(line)
    return found


def test_a_calendar_has_its_header_and_one_event_per_visit() -> None:
    file, lines = written(visit(), visit(uid="A-13-T0CAREBOT@carebot"))

    assert (file.prodid, file.version, file.calscale, file.method) == (
        "-//carebot//Visits export 1.0//EN",
        "2.0",
        "GREGORIAN",
        "PUBLISH",
    )
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    first, second = file.events
    assert second.uid == "A-13-T0CAREBOT@carebot"
    assert list(first.keys()) == [
        "SUMMARY",
        "DTSTART",
        "DTEND",
        "DTSTAMP",
        "UID",
        "LOCATION",
        "STATUS",
    ]  # the properties the hand-written writer had: no DESCRIPTION, SEQUENCE or calendar UID
    assert first.uid == "A-12-T0CAREBOT@carebot"
    assert first.stamp == STAMP
    assert first.start == START and first.end == START + timedelta(minutes=45)
    assert first.summary == "A-12 J.D. (P-4) · imaging"
    assert first.location == "Radiology 2"
    assert first.status == "CONFIRMED"
    assert lines_of(lines, "DTSTART")[0] == "DTSTART;TZID=America/New_York:20270302T150000"
    assert lines_of(lines, "DTSTAMP")[0] == "DTSTAMP:20270301T190000Z"  # always UTC


def test_an_empty_calendar_is_still_a_calendar() -> None:
    file, lines = written()

    assert lines[-1] == "END:VCALENDAR"
    assert file.events == [] and file.timezones == []


def test_no_location_means_no_location_line() -> None:
    file, lines = written(visit(location=None), visit(location=""))

    assert lines_of(lines, "LOCATION") == []
    assert [event.get("LOCATION") for event in file.events] == [None, None]


@pytest.mark.parametrize(
    ("typed", "line", "shown"),
    [
        ("Radiology 2", "Radiology 2", "Radiology 2"),
        ("OR 4; east wing", "OR 4\\; east wing", "OR 4; east wing"),
        ("Room 3, floor 2", "Room 3\\, floor 2", "Room 3, floor 2"),
        ("C:\\clinic", "C:\\\\clinic", "C:\\clinic"),
        ("two\nlines", "two\\nlines", "two\nlines"),
        ("two\r\nlines\rthree", "two\\nlines\\nthree", "two\nlines\nthree"),
        ("\\n is not a newline", "\\\\n is not a newline", "\\n is not a newline"),
        ("tab\tstays, bell\x07 goes", "tab\tstays\\, bell goes", "tab\tstays, bell goes"),
        ("lone \ud800 surrogate", "lone  surrogate", "lone  surrogate"),
        ('"quoted": fine', '"quoted": fine', '"quoted": fine'),
        ("<!channel> desk", "<!channel> desk", "<!channel> desk"),  # no Slack markup here
    ],
)
def test_text_is_escaped_as_rfc_5545_says(typed: str, line: str, shown: str) -> None:
    file, lines = written(visit(location=typed))

    assert lines_of(lines, "LOCATION") == [f"LOCATION:{line}"]
    assert file.events[0].location == shown


def test_a_4000_character_summary_folds_and_reads_back_whole() -> None:
    summary = ("A-12 Zoë Łukasiewicz-Ångström 😀, e\u0301; <!channel>\n" * 80)[:4000]
    raw = calendar([visit(summary=summary)], STAMP, NEW_YORK)

    lines = content_lines(raw)  # every physical line at most 75 octets, no character cut
    assert len(raw.split(b"\r\n")) > 4000 // 75
    assert lines_of(lines, "SUMMARY")[0].startswith("SUMMARY:A-12 Zoë Łukasiewicz-Ångström 😀\\,")
    assert Calendar.from_ical(raw).events[0].summary == summary


@pytest.mark.parametrize("char", ["é", "€", "😀", "\u0301"])
def test_folding_never_splits_a_multi_byte_character(char: str) -> None:
    raw = calendar([visit(summary=char * 80)], STAMP, NEW_YORK)

    content_lines(raw)
    assert Calendar.from_ical(raw).events[0].summary == char * 80


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
    file, lines = written(visit(status=EVENT_STATUS[status]))

    assert EVENT_STATUS[status] == shown
    assert lines_of(lines, "STATUS") == [f"STATUS:{shown}"]
    assert file.events[0].status == shown


def test_every_fhir_status_has_a_calendar_status() -> None:
    assert set(EVENT_STATUS) == set(Status)


def test_the_uid_is_the_same_for_every_export_of_a_visit() -> None:
    moved = visit(start=START + timedelta(days=1), end=START + timedelta(days=1, hours=1))

    first = Calendar.from_ical(calendar([visit()], STAMP, NEW_YORK))
    second = Calendar.from_ical(calendar([moved], STAMP + timedelta(days=3), NEW_YORK))

    assert event_uid("A-12", "T0CAREBOT") == event_uid(" a-12 ", "T0CAREBOT")
    assert first.events[0].uid == second.events[0].uid == "A-12-T0CAREBOT@carebot"
    assert event_uid("A-12", "T0CAREBOT") != event_uid("A-12", "T0OTHER")


def test_times_must_know_their_zone_and_end_after_they_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        visit(start=datetime(2027, 3, 2, 15, 0))
    with pytest.raises(ValueError, match="end after it starts"):
        visit(end=START)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar([visit()], datetime(2027, 3, 1, 19, 0), NEW_YORK)


def vtimezone_offsets(file: Calendar, zone: ZoneInfo, times: list[datetime]) -> None:
    """The file's own VTIMEZONE (not the zone's name) gives each time the zone's UTC offset."""
    [vtimezone] = [tz for tz in file.timezones if tz.tz_name == zone.key]
    from_file = vtimezone.to_tz(lookup_tzid=False)  # as a calendar that reads VTIMEZONE does
    assert not isinstance(from_file, ZoneInfo)
    for at in times:
        wall = at.astimezone(zone).replace(tzinfo=None)
        assert wall.replace(tzinfo=from_file).utcoffset() == at.astimezone(zone).utcoffset(), at


def test_visits_are_on_the_readers_clock_with_its_vtimezone() -> None:
    in_utc = visit(start=START.astimezone(UTC), end=START.astimezone(UTC) + timedelta(hours=1))

    file, lines = written(in_utc, zone=BERLIN)

    assert [tz.tz_name for tz in file.timezones] == ["Europe/Berlin"]
    assert lines.index("BEGIN:VTIMEZONE") < lines.index("BEGIN:VEVENT")
    assert lines_of(lines, "DTSTART") == ["DTSTART;TZID=Europe/Berlin:20270302T210000"]
    assert file.events[0].start == START
    vtimezone_offsets(file, BERLIN, [START])


def test_a_reader_on_utc_gets_utc_times_and_no_vtimezone() -> None:
    file, lines = written(visit(), zone=ZoneInfo("UTC"))

    assert file.timezones == []
    assert lines_of(lines, "DTSTART") == ["DTSTART:20270302T200000Z"]
    assert file.events[0].start == START


def test_visits_around_the_spring_change_keep_their_times() -> None:
    # New York springs forward at 2:00 on Sun 14 Mar 2027: 1:30 is EST, 10:00 is EDT.
    before = datetime(2027, 3, 14, 1, 30, tzinfo=NEW_YORK)
    after = datetime(2027, 3, 14, 10, 0, tzinfo=NEW_YORK)
    # An hour later on the clock would be 2:30, a time New York skips: it is 3:30 EDT.
    across = visit(start=before, end=before + timedelta(hours=1))

    file, lines = written(
        across,
        visit(uid="A-13-T0CAREBOT@carebot", start=after, end=after + timedelta(minutes=30)),
    )

    assert lines_of(lines, "DTSTART") == [
        "DTSTART;TZID=America/New_York:20270314T013000",
        "DTSTART;TZID=America/New_York:20270314T100000",
    ]
    assert lines_of(lines, "DTEND")[0] == "DTEND;TZID=America/New_York:20270314T033000"
    early, late = file.events
    assert early.start.astimezone(UTC) == datetime(2027, 3, 14, 6, 30, tzinfo=UTC)
    assert early.end.astimezone(UTC) == datetime(2027, 3, 14, 7, 30, tzinfo=UTC)
    assert late.start.astimezone(UTC) == datetime(2027, 3, 14, 14, 0, tzinfo=UTC)
    [vtimezone] = file.timezones
    assert "TZOFFSETTO:-0400" in vtimezone.to_ical().decode()
    vtimezone_offsets(file, NEW_YORK, [before, after, before + timedelta(hours=1)])


def test_a_visit_in_the_repeated_autumn_hour_is_written_in_utc() -> None:
    # 1:30 happens twice on Sun 7 Nov 2027 in New York; a TZID time would mean the first.
    first = datetime(2027, 11, 7, 5, 30, tzinfo=UTC)  # 1:30 EDT
    second = datetime(2027, 11, 7, 6, 30, tzinfo=UTC)  # 1:30 EST

    file, lines = written(
        visit(start=first, end=first + timedelta(minutes=30)),
        visit(uid="A-13-T0CAREBOT@carebot", start=second, end=second + timedelta(minutes=30)),
    )

    assert lines_of(lines, "DTSTART") == [
        "DTSTART;TZID=America/New_York:20271107T013000",
        "DTSTART:20271107T063000Z",
    ]
    # Compared in UTC: Python never calls a time in the fold equal to one in another zone.
    assert [event.start.astimezone(UTC) for event in file.events] == [first, second]
    vtimezone_offsets(file, NEW_YORK, [first, second])


def test_the_vtimezone_is_built_from_zoneinfo_and_spans_the_visits() -> None:
    march = visit()
    december = visit(
        uid="A-13-T0CAREBOT@carebot",
        start=datetime(2027, 12, 1, 9, 0, tzinfo=NEW_YORK),
        end=datetime(2027, 12, 1, 10, 0, tzinfo=NEW_YORK),
    )

    file, _ = written(march, december)

    [vtimezone] = file.timezones
    transitions, _ = vtimezone.get_transitions()
    changes = [at.date().isoformat() for at in transitions]
    assert "2027-03-14" in changes and "2027-11-07" in changes
    assert all("2027-03-01" <= day <= "2027-12-02" for day in changes)  # no decades of history
    assert all(isinstance(event, VEvent) for event in file.events)
    vtimezone_offsets(
        file,
        NEW_YORK,
        [march.start, december.start, datetime(2027, 7, 4, 12, 0, tzinfo=NEW_YORK)],
    )
