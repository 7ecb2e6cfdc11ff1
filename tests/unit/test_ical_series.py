"""A series in the .ics file: one event with RRULE and EXDATE, moved visits as RECURRENCE-ID
events, read back with icalendar and expanded with dateutil as a calendar app would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar
from icalendar import Event as VEvent

from bot.appointments.ical_file import MAX_OCCURRENCES, calendar, occurrences
from bot.appointments.rules.ical import Event, EventStatus, Override, Series, event_uid
from tests.unit.test_ical import content_lines, lines_of, vtimezone_offsets

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
STAMP = datetime(2027, 2, 26, 19, 0, tzinfo=UTC)
UID = event_uid("A-20", "T0CAREBOT")
# Physio Tuesdays and Thursdays at 10:00 in New York, from Tue 2 Mar 2027: across the change
# to summer time on Sun 14 Mar.
FIRST = datetime(2027, 3, 2, 10, 0, tzinfo=NEW_YORK)
RULE = "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=8"


def physio(start: datetime, minutes: int = 45, **changes: object) -> Event:
    values: dict[str, object] = {
        "uid": UID,
        "start": start,
        "end": start + timedelta(minutes=minutes),
        "summary": "A-20 A.L. (P-7) · therapy",
        "status": EventStatus.CONFIRMED,
        "location": "Gym 1",
    }
    values.update(changes)
    return Event(**values)  # type: ignore[arg-type]


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=NEW_YORK)


def series(**changes: object) -> Series:
    values: dict[str, object] = {"first": physio(FIRST), "rule": RULE, "zone": NEW_YORK}
    values.update(changes)
    return Series(**values)  # type: ignore[arg-type]


def shown(raw: bytes) -> list[tuple[datetime, datetime, str]]:
    """What a calendar app shows for the file: the rule expanded, EXDATEs out, overrides in;
    (start in UTC, end in UTC, location) per visit, in order."""
    file = Calendar.from_ical(raw)
    [main] = [e for e in file.events if "RRULE" in e]
    overrides = {
        e.decoded("RECURRENCE-ID").astimezone(UTC): e
        for e in file.events
        if e.uid == main.uid and "RECURRENCE-ID" in e
    }
    rule = rrulestr(main["RRULE"].to_ical().decode(), dtstart=main.start)
    skipped = {day.astimezone(UTC) for day in main.exdates}
    length = main.end - main.start
    visits = []
    for start in rule:
        moment = start.astimezone(UTC)
        if moment in skipped:
            continue
        event = overrides.get(moment)
        if event is None:
            visits.append((moment, (start + length).astimezone(UTC), str(main.location)))
        else:
            visits.append((event.start.astimezone(UTC), event.end.astimezone(UTC), event.location))
    return visits


def test_a_series_is_one_event_with_its_rule() -> None:
    raw = calendar([series()], STAMP, NEW_YORK)

    lines = content_lines(raw)
    [main] = Calendar.from_ical(raw).events
    assert main.uid == UID and main.stamp == STAMP
    assert main.summary == "A-20 A.L. (P-7) · therapy" and main.location == "Gym 1"
    assert main.status == "CONFIRMED"
    assert main.start == FIRST and main.end == FIRST + timedelta(minutes=45)
    assert [dict(rule) for rule in main.rrules] == [
        {"FREQ": ["WEEKLY"], "BYDAY": ["TU", "TH"], "COUNT": [8]}
    ]
    assert lines_of(lines, "DTSTART") == ["DTSTART;TZID=America/New_York:20270302T100000"]
    assert "EXDATE" not in main and "RECURRENCE-ID" not in main


def test_the_series_stays_at_10_on_the_clinic_clock_across_the_change_to_summer_time() -> None:
    visits = shown(calendar([series()], STAMP, NEW_YORK))

    starts = [start.astimezone(NEW_YORK) for start, _, _ in visits]
    assert [s.day for s in starts] == [2, 4, 9, 11, 16, 18, 23, 25]
    assert {(s.hour, s.minute) for s in starts} == {(10, 0)}
    assert visits[0][0].hour == 15 and visits[-1][0].hour == 14  # 10 EST, then 10 EDT, in UTC


def test_cancelled_visits_are_exdates_and_moved_ones_are_overrides() -> None:
    moved_to = at(17, 14, 30)  # Tue 16th's visit moved to Wed 17th 2:30 PM, room changed
    whole = series(
        cancelled=(at(9), at(18).astimezone(UTC)),  # any zone names the same visit
        overrides=(Override(at(16), physio(moved_to, 60, location="Gym 2; pool side")),),
    )

    raw = calendar([whole], STAMP, NEW_YORK)

    lines = content_lines(raw)
    assert lines_of(lines, "EXDATE") == [
        "EXDATE;TZID=America/New_York:20270309T100000,20270318T100000"
    ]
    assert lines_of(lines, "RECURRENCE-ID") == [
        "RECURRENCE-ID;TZID=America/New_York:20270316T100000"
    ]
    main, moved = Calendar.from_ical(raw).events
    assert moved.uid == main.uid == UID
    assert moved.decoded("RECURRENCE-ID") == at(16)
    assert (moved.start, moved.end) == (moved_to, moved_to + timedelta(hours=1))
    assert moved.location == "Gym 2; pool side" and moved.stamp == STAMP
    assert "RRULE" not in moved
    assert [(s.astimezone(NEW_YORK), loc) for s, _, loc in shown(raw)] == [
        (at(2), "Gym 1"),
        (at(4), "Gym 1"),
        (at(11), "Gym 1"),
        (moved_to, "Gym 2; pool side"),
        (at(23), "Gym 1"),
        (at(25), "Gym 1"),
    ]


def test_a_series_keeps_its_clinics_zone_for_a_reader_elsewhere() -> None:
    # Berlin changes clocks on 28 Mar, New York on 14 Mar: on Berlin's clock the series would
    # move an hour for two weeks, so it is written on New York's.
    alone = physio(at(5, 9), uid=event_uid("A-21", "T0CAREBOT"))

    raw = calendar([series(), alone], STAMP, BERLIN)

    file = Calendar.from_ical(raw)
    assert sorted(tz.tz_name for tz in file.timezones) == ["America/New_York", "Europe/Berlin"]
    assert lines_of(content_lines(raw), "DTSTART") == [
        "DTSTART;TZID=America/New_York:20270302T100000",
        "DTSTART;TZID=Europe/Berlin:20270305T150000",
    ]
    assert {s.astimezone(NEW_YORK).hour for s, _, _ in shown(raw)} == {10}
    vtimezone_offsets(file, NEW_YORK, [at(2), at(25)])
    vtimezone_offsets(file, BERLIN, [at(5, 9), at(25, 11)])


def test_the_vtimezone_reaches_the_last_visit_of_the_series() -> None:
    until_autumn = series(rule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20271130T235959Z")

    raw = calendar([until_autumn], STAMP, NEW_YORK)

    file = Calendar.from_ical(raw)
    transitions, _ = file.timezones[0].get_transitions()
    assert "2027-11-07" in [t.date().isoformat() for t in transitions]
    last = shown(raw)[-1][0]
    assert last.astimezone(NEW_YORK) == datetime(2027, 11, 30, 10, tzinfo=NEW_YORK)
    vtimezone_offsets(file, NEW_YORK, [FIRST, last, datetime(2027, 7, 6, 10, tzinfo=NEW_YORK)])


def test_occurrences_are_the_rules_starts_on_the_clinic_clock() -> None:
    starts = occurrences(series(rule="FREQ=WEEKLY;BYDAY=TU;COUNT=3"))

    assert starts == [at(2), at(9), at(16)]
    assert [s.utcoffset() for s in starts] == [timedelta(hours=-5)] * 2 + [timedelta(hours=-4)]


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"rule": "FREQ=WEEKLY;BYDAY=TU"}, "must end: add COUNT=n or UNTIL"),
        ({"rule": "FREQ=BLURSDAY;COUNT=3"}, "a rule I cannot read"),
        ({"rule": "every tuesday"}, "a rule I cannot read"),
        ({"rule": "FREQ=WEEKLY;UNTIL=20270401"}, "a rule I cannot read"),  # UNTIL must be UTC
        ({"rule": "RRULE:FREQ=WEEKLY;COUNT=3"}, "one RRULE value"),
        ({"rule": "FREQ=DAILY;COUNT=3\nEXDATE:20270303T100000"}, "one RRULE value"),
        ({"rule": "FREQ=WEEKLY;BYDAY=WE;COUNT=3"}, "first visit (Tue 2027-03-02 10:00 EST)"),
        ({"cancelled": (at(3),)}, "Wed 2027-03-03 10:00 EST is not a visit of series"),
        (
            {"overrides": (Override(at(4, 11), physio(at(5))),)},
            "Thu 2027-03-04 11:00 EST is not a visit of series",
        ),
        ({"rule": f"FREQ=DAILY;COUNT={MAX_OCCURRENCES + 1}"}, "more than 1000 times"),
    ],
)
def test_a_series_that_does_not_fit_its_rule_is_refused(changes: object, says: str) -> None:
    with pytest.raises(ValueError, match=says.replace("(", r"\(").replace(")", r"\)")):
        calendar([series(**changes)], STAMP, NEW_YORK)  # type: ignore[arg-type]


def test_a_series_must_hold_together() -> None:
    elsewhere = physio(at(17), uid=event_uid("A-99", "T0CAREBOT"))
    with pytest.raises(ValueError, match="must keep its UID"):
        series(overrides=(Override(at(16), elsewhere),))
    with pytest.raises(ValueError, match="both moved and cancelled"):
        series(cancelled=(at(16),), overrides=(Override(at(16), physio(at(17))),))
    with pytest.raises(ValueError, match="names one occurrence twice"):
        series(cancelled=(at(9), at(9).astimezone(UTC)))
    with pytest.raises(ValueError, match="timezone-aware"):
        series(cancelled=(datetime(2027, 3, 9, 10),))


def test_a_series_cannot_start_in_the_repeated_autumn_hour() -> None:
    second_half_past_one = datetime(2027, 11, 7, 6, 30, tzinfo=UTC)  # 1:30 EST, the second one

    with pytest.raises(ValueError, match="starts in a repeated hour"):
        calendar(
            [series(first=physio(second_half_past_one), rule="FREQ=DAILY;COUNT=2")],
            STAMP,
            NEW_YORK,
        )


def test_series_and_single_visits_share_a_file() -> None:
    single = physio(at(3, 8), uid=event_uid("A-22", "T0CAREBOT"), status=EventStatus.TENTATIVE)

    file = Calendar.from_ical(calendar([single, series()], STAMP, NEW_YORK))

    assert [(e.uid, "RRULE" in e) for e in file.events] == [
        ("A-22-T0CAREBOT@carebot", False),
        (UID, True),
    ]
    assert all(isinstance(event, VEvent) for event in file.events)
    assert [tz.tz_name for tz in file.timezones] == ["America/New_York"]
