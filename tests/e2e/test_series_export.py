"""/appt export with a series: one event with the series' rule, its dates with no visit as
EXDATEs, a moved visit as a RECURRENCE-ID override; read back with icalendar and expanded with
dateutil as a calendar app would. Through the stand-in, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from dateutil.rrule import rrulestr
from icalendar import Calendar
from icalendar import Event as VEvent

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from storage.models import SeriesRow
from tests.e2e.test_appointment_export import sent_bytes
from tests.e2e.test_series import PHYSIO, ZONE, booked, preview
from tests.unit.test_ical import content_lines, lines_of

# START is Mon 1 Mar 2027, 2:00 PM in New York, where dana works.
SERIES_UID = "S-1-T0CAREBOT@carebot"


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=ZONE)


def exported(sandbox: Sandbox, slack: SlackDriver, text: str) -> bytes:
    slack.command("/appt", f"export {text}")
    return sent_bytes(sandbox, slack.dms("@dana")[-1])[1]


def shown(raw: bytes, uid: str = SERIES_UID) -> list[datetime]:
    """The starts a calendar app shows for the series: its rule expanded from DTSTART, the
    EXDATEs left out, each override at its own time; in UTC, in order."""
    file = Calendar.from_ical(raw)
    [main] = [e for e in file.events if e.uid == uid and "RRULE" in e]
    moved = {
        e.decoded("RECURRENCE-ID").astimezone(UTC): e.start.astimezone(UTC)
        for e in file.events
        if e.uid == uid and "RECURRENCE-ID" in e
    }
    rule = rrulestr(main["RRULE"].to_ical().decode(), dtstart=main.start)
    skipped = {day.astimezone(UTC) for day in main.exdates}
    dates = [start.astimezone(UTC) for start in rule]
    assert set(moved) <= set(dates) - skipped
    return sorted(moved.get(date, date) for date in dates if date not in skipped)


def series_event(raw: bytes) -> VEvent:
    [main] = [e for e in Calendar.from_ical(raw).events if "RRULE" in e]
    return main


def booked_starts(sandbox: Sandbox) -> list[datetime]:
    return sorted(v.start_at for v in booked(sandbox, "S-1") if v.status == "booked")


def test_a_series_is_one_event_whose_dates_are_exactly_its_booked_visits(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jo Park, consult, tuesday 10am, with @dr.patel")
    slack.click("Confirm")  # A-1 holds dr.patel on Tue 2 Mar at 10: the series' first date
    preview(slack, PHYSIO)
    slack.click("Book 11 visits, skip 1")  # A-2 Thu 4 Mar ... A-12 Thu 8 Apr
    slack.command("/appt", "cancel A-3 only")  # Tue 9 Mar
    slack.command("/appt", "move A-5 2027-03-17 11am")  # Tue 16 Mar's visit, moved twice
    slack.command("/appt", "move A-5 2027-03-19 2pm")
    assert (
        "A-5 is now booked: A.L. (P-2), Fri 19 Mar 2027, 2:00-2:50 PM EDT"
        in slack.last_reply().text
    )
    slack.command("/appt", "cancel A-11 onwards")  # the series ends early: Tue 6, Thu 8 Apr

    raw = exported(sandbox, slack, "2027-03-01 to 2027-03-14")

    assert "Sent 4 visits from Mon 1 Mar 2027 to Sun 14 Mar 2027" in slack.last_reply().text
    expected = booked_starts(sandbox)
    assert len(expected) == 8
    assert shown(raw) == expected  # the whole series, though the range ends on 14 Mar
    file = Calendar.from_ical(raw)
    assert [(e.uid, "RRULE" in e, "RECURRENCE-ID" in e) for e in file.events] == [
        ("A-1-T0CAREBOT@carebot", False, False),
        (SERIES_UID, True, False),
        (SERIES_UID, False, True),
    ]
    lines = content_lines(raw)
    # DTSTART is the rule's first date, skipped for A-1, so COUNT=12 counts the booked dates.
    assert lines_of(lines, "RRULE") == ["RRULE:FREQ=WEEKLY;COUNT=12;BYDAY=TU,TH"]
    assert "DTSTART;TZID=America/New_York:20270302T100000" in lines
    assert sorted(series_event(raw).exdates) == [
        at(3, 2),  # skipped at booking: it collided with A-1
        at(3, 9),  # A-3, cancelled on its own
        at(4, 6),  # cancelled from A-11 onwards
        at(4, 8),
    ]
    main, moved = file.events[1:]
    assert moved.decoded("RECURRENCE-ID") == at(3, 16)  # the rule's date, not the first move's
    assert (moved.start, moved.end) == (at(3, 19, 14), at(3, 19, 14, 50))
    assert moved.summary == "A-5 (S-1) A.L. (P-2) · therapy"
    assert main.summary == "S-1 A.L. (P-2) · therapy" and main.status == "CONFIRMED"
    assert (main.start, main.end) == (at(3, 2), at(3, 2, 10, 50))
    assert [tz.tz_name for tz in file.timezones] == ["America/New_York"]
    text = raw.decode()
    for private in ("Ana", "Lima", "Jo Park"):
        assert private not in text


def test_the_series_uid_stays_the_same_on_a_second_export(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    preview(slack, PHYSIO)
    slack.click("Book 12 visits")

    first = exported(sandbox, slack, "week")
    before = booked_starts(sandbox)
    sandbox.clock.advance(hours=2)
    slack.command("/appt", "move A-2 2027-03-05 9am")
    second = exported(sandbox, slack, "2027-03-29 to 2027-04-04")  # only its last visits

    assert series_event(first).uid == series_event(second).uid == SERIES_UID
    assert shown(first) == before and len(before) == 12
    assert shown(second) == booked_starts(sandbox) != before
    [moved] = [e for e in Calendar.from_ical(second).events if "RECURRENCE-ID" in e]
    assert (moved.uid, moved.decoded("RECURRENCE-ID"), moved.start) == (
        SERIES_UID,
        at(3, 4),
        at(3, 5, 9),
    )


def test_a_cancelled_series_is_exported_as_cancelled(sandbox: Sandbox, slack: SlackDriver) -> None:
    preview(slack, PHYSIO)
    slack.click("Book 12 visits")
    slack.command("/appt", "cancel S-1")

    raw = exported(sandbox, slack, "week")

    [main] = Calendar.from_ical(raw).events
    assert (main.uid, main.status) == (SERIES_UID, "CANCELLED")
    assert "EXDATE" not in main  # a calendar that had it strikes the whole series out


def test_a_series_whose_rule_cannot_be_read_is_exported_visit_by_visit(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    preview(slack, PHYSIO)
    slack.click("Book 12 visits")
    with sandbox.db.session() as session:
        session.execute(sa.update(SeriesRow).values(rule="FREQ=WEEKLY;BYDAY=XX;COUNT=12"))

    raw = exported(sandbox, slack, "week")

    events = Calendar.from_ical(raw).events
    assert [e.uid for e in events] == [f"A-{n}-T0CAREBOT@carebot" for n in range(1, 13)]
    assert [e.start for e in events] == booked_starts(sandbox)
    assert events[0].summary == "A-1 (S-1) A.L. (P-1) · therapy"


def test_a_date_booked_at_the_free_time_that_day_is_an_override_of_its_rule_date(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jo Park, consult, thursday 10am, with @dr.patel")
    slack.click("Confirm")  # A-1 holds dr.patel 10:00-10:30 on Thu 4 Mar
    preview(slack, PHYSIO)
    slack.click("Book 12, 1 at the free time that day")  # Thu 4 Mar's visit at 10:30

    raw = exported(sandbox, slack, "2027-03-01 to 2027-03-14")

    assert shown(raw) == booked_starts(sandbox)
    moved = [e for e in Calendar.from_ical(raw).events if "RECURRENCE-ID" in e]
    assert [(e.decoded("RECURRENCE-ID"), e.start) for e in moved] == [(at(3, 4), at(3, 4, 10, 30))]
