"""A series' visits gathered into one calendar series: which rule date each visit is, which
dates have none (EXDATE), which visits moved (overrides), which stand on their own; and what a
calendar app shows for the file, read back and expanded with dateutil."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from bot.appointments.ical_file import calendar, occurrences
from bot.appointments.rules.ical import Event, EventStatus, Series, event_uid
from bot.appointments.rules.series_calendar import SeriesVisit, gather
from tests.unit.test_ical_series import NEW_YORK, STAMP, at, physio, series, shown

SERIES_UID = event_uid("S-1", "T0CAREBOT")
RULE = "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=6"  # Tue 2, Thu 4, Tue 9, Thu 11, Tue 16, Thu 18 Mar


def visit(n: int, day: int | None, start: datetime | None = None, **changes: object) -> SeriesVisit:
    """A-n, booked for 10:00 on `day` of March (None: not known), now at `start` (or there)."""
    when = start or at(day or 1)
    event = physio(when, uid=event_uid(f"A-{n}", "T0CAREBOT"), summary=f"A-{n} (S-1)", **changes)
    return SeriesVisit(None if day is None else at(day), event)


def gathered(*visits: SeriesVisit) -> tuple[Series, tuple[Event, ...]]:
    head = physio(at(2), uid=SERIES_UID, summary="S-1 A.L. (P-7) · therapy")
    bare = series(first=head, rule=RULE)
    return gather(bare, occurrences(bare), visits)


def utc(*days: int) -> tuple[datetime, ...]:
    return tuple(at(day).astimezone(UTC) for day in days)


def test_visits_on_the_dates_they_were_booked_for_are_the_rule_alone() -> None:
    whole, alone = gathered(*(visit(n, day) for n, day in enumerate([2, 4, 9, 11, 16, 18], 1)))

    assert (whole.cancelled, whole.overrides, alone) == ((), (), ())
    assert whole.first.status is EventStatus.CONFIRMED


def test_dates_with_no_visit_on_are_exdates_and_a_moved_visit_keeps_its_date() -> None:
    moved_to = at(17, 14, 30)  # Tue 16th's visit, however often moved since
    whole, alone = gathered(
        visit(2, 4),  # Tue 2 was skipped at booking: no visit names it
        visit(3, 9, status=EventStatus.CANCELLED),
        visit(4, 11),
        visit(5, 16, moved_to),
        visit(6, 18),
    )

    assert whole.cancelled == utc(2, 9) and alone == ()
    [override] = whole.overrides
    assert override.original_start == at(16)
    assert (override.event.uid, override.event.start, override.event.summary) == (
        SERIES_UID,
        moved_to,
        "A-5 (S-1)",
    )
    starts = [start for start, _, _ in shown(calendar([whole], STAMP, NEW_YORK))]
    assert starts == [*utc(4, 11), moved_to.astimezone(UTC), *utc(18)]


def test_a_visit_on_no_date_of_the_rule_stands_on_its_own() -> None:
    unknown = visit(5, None, at(16, 15))  # booked before rule dates were kept
    off_rule = visit(6, 17, at(17))  # names a Wednesday, which the rule never makes

    whole, alone = gathered(visit(1, 2), visit(2, 4), visit(3, 9), visit(4, 11), unknown, off_rule)

    assert alone == (unknown.event, off_rule.event)
    assert whole.cancelled == utc(16, 18)


def test_of_two_visits_naming_one_date_the_one_still_on_takes_it() -> None:
    gone = visit(3, 9, status=EventStatus.CANCELLED)
    moved_here = visit(7, 9, at(10))

    whole, alone = gathered(gone, moved_here, visit(4, 11))

    assert alone == (gone.event,)
    assert [(o.original_start, o.event.start) for o in whole.overrides] == [(at(9), at(10))]


def test_a_visit_whose_state_or_length_differs_is_an_override_at_its_date() -> None:
    whole, _ = gathered(
        visit(1, 2, status=EventStatus.TENTATIVE),
        visit(2, 4, end=at(4) + timedelta(minutes=90)),
        visit(3, 9),
    )

    assert [(o.original_start, o.event.status) for o in whole.overrides] == [
        (at(2), EventStatus.TENTATIVE),
        (at(4), EventStatus.CONFIRMED),
    ]


def test_a_series_with_no_visit_left_on_is_cancelled_whole() -> None:
    whole, alone = gathered(*(visit(n, day, status=EventStatus.CANCELLED) for n, day in [(1, 2)]))

    assert whole.first.status is EventStatus.CANCELLED
    assert (whole.cancelled, whole.overrides, alone) == ((), (), ())
    [event] = Calendar.from_ical(calendar([whole], STAMP, NEW_YORK)).events
    assert event.status == "CANCELLED" and "RRULE" in event
