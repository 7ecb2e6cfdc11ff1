"""Which visits of a series an approval covers, and when the care team hears of the rest: plain
values, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.preapprovals.rules.coverage import SeriesVisit, Terms, cover, needed_from
from bot.preapprovals.rules.preapproval import Status, Urgency
from bot.preapprovals.rules.timing import (
    Chase,
    Risk,
    Rounds,
    coverage_gap,
    expires_too_soon,
    next_risk_check,
    risk,
)
from bot.shared.rules.business_days import BusinessCalendar

NY = ZoneInfo("America/New_York")
ROUNDS = Rounds(time(9, 0), BusinessCalendar())
# Mon 1 Mar 2027, 2 PM in New York; the series is every weekday at 10 AM from Tue 2 Mar.
NOW = datetime(2027, 3, 1, 14, 0, tzinfo=NY)


def weekdays(count: int, *, status: dict[int, str] | None = None) -> tuple[SeriesVisit, ...]:
    """A-1 .. A-count on the weekdays from Tue 2 Mar 2027 at 10 AM, booked unless told."""
    visits = []
    day = date(2027, 3, 2)
    for number in range(1, count + 1):
        while day.weekday() >= 5:
            day += timedelta(days=1)
        start = datetime.combine(day, time(10, 0), NY)
        visits.append(SeriesVisit(f"A-{number}", start, (status or {}).get(number, "booked")))
        day += timedelta(days=1)
    return tuple(visits)


def refs(visits: tuple[SeriesVisit, ...]) -> list[str]:
    return [v.ref for v in visits]


def approved(
    visits: tuple[SeriesVisit, ...], units: int | None = None, valid_to: date | None = None
) -> Chase:
    return Chase(
        status=Status.APPROVED,
        urgency=Urgency.STANDARD,
        approved_units=units,
        valid_to=valid_to,
        visits=visits,
    )


def test_the_visit_after_the_last_unit_is_not_covered() -> None:
    found = cover(weekdays(14), Terms(units=12), NY)

    assert (found.covered, len(found.counted)) == (12, 14)
    assert refs(found.beyond_units) == ["A-13", "A-14"] and found.outside_dates == ()
    assert refs(found.at_risk(NOW)) == ["A-13", "A-14"]


def test_a_cancelled_visit_or_a_no_show_uses_no_unit_a_held_one_does() -> None:
    visits = weekdays(14, status={1: "fulfilled", 2: "cancelled", 3: "noshow", 4: "arrived"})

    found = cover(visits, Terms(units=12), NY)

    assert "A-1" in refs(found.counted) and "A-4" in refs(found.counted)
    assert not {"A-2", "A-3"} & set(refs(found.counted))
    assert found.covered == 12 and found.beyond_units == ()


def test_visits_outside_the_dates_are_not_covered_and_leave_the_units_to_the_others() -> None:
    visits = weekdays(10)  # Tue 2 .. Mon 15 Mar

    found = cover(
        visits, Terms(units=5, valid_from=date(2027, 3, 3), valid_to=date(2027, 3, 9)), NY
    )

    assert refs(found.outside_dates) == ["A-1", "A-7", "A-8", "A-9", "A-10"]
    assert found.covered == 5 and found.beyond_units == ()


def test_the_last_valid_day_is_read_on_the_clinics_clock() -> None:
    late = SeriesVisit("A-1", datetime(2027, 6, 30, 23, 30, tzinfo=NY), "booked")  # 03:30 UTC

    assert cover([late], Terms(valid_to=date(2027, 6, 30)), NY).covered == 1
    assert cover([late], Terms(valid_to=date(2027, 6, 30)), ZoneInfo("UTC")).covered == 0


def test_no_units_and_no_dates_cover_every_visit() -> None:
    found = cover(weekdays(30), Terms(), NY)

    assert found.covered == 30 and found.at_risk(NOW) == ()


def test_only_visits_still_to_come_are_at_risk() -> None:
    found = cover(weekdays(14), Terms(units=12), NY)
    after_a13 = found.counted[12].start + timedelta(hours=1)

    assert refs(found.at_risk(after_a13)) == ["A-14"]
    assert found.next_gap(after_a13) == found.counted[13].start


def test_needed_by_the_first_visit_on_the_schedule_since_opening_not_yet_covered() -> None:
    visits = weekdays(6, status={1: "fulfilled", 2: "cancelled"})
    opened = datetime(2027, 3, 1, 14, 0, tzinfo=NY)

    assert needed_from(visits, opened) == visits[2].start  # A-1 held, A-2 cancelled
    assert needed_from(visits, visits[4].start) == visits[4].start  # opened later
    two = cover(visits, Terms(units=2), NY)  # use the two units
    assert needed_from(visits, opened, two) == visits[3].start
    assert needed_from(visits, opened, cover(visits, Terms(), NY)) is None


def test_an_approved_series_climbs_the_risk_ladder_before_its_first_visit_not_covered() -> None:
    chase = approved(weekdays(14), units=12)
    a13 = chase.visits[12].start if chase.visits else NOW  # Thu 18 Mar, 10 AM

    assert coverage_gap(chase, NOW, NY) == a13
    assert risk(chase, NOW, NY, ROUNDS) is Risk.NONE
    at_risk = datetime(2027, 3, 15, 9, 0, tzinfo=NY)  # three business days before
    assert next_risk_check(chase, NOW, NY, ROUNDS) == at_risk
    assert risk(chase, at_risk, NY, ROUNDS) is Risk.AT_RISK
    assert next_risk_check(chase, at_risk, NY, ROUNDS, Risk.AT_RISK) == a13 - timedelta(days=1)
    assert risk(chase, a13 - timedelta(hours=1), NY, ROUNDS) is Risk.URGENT
    # Told once and escalated once: A-14 the next day is not a new climb.
    after = a13 + timedelta(hours=1)
    assert risk(chase, after, NY, ROUNDS) is Risk.URGENT
    assert next_risk_check(chase, after, NY, ROUNDS, Risk.URGENT) is None


def test_an_approval_ending_before_the_series_is_judged_visit_by_visit() -> None:
    visits = weekdays(12)
    chase = approved(visits, units=12, valid_to=date(2027, 3, 1))

    assert expires_too_soon(chase, NY) is False  # the visits speak for it instead
    assert coverage_gap(chase, NOW, NY) == visits[0].start
    assert risk(chase, NOW, NY, ROUNDS) is Risk.URGENT  # A-1 is tomorrow morning


def test_a_series_covered_in_full_is_never_at_risk() -> None:
    covered = approved(weekdays(12), units=12)

    assert coverage_gap(covered, NOW, NY) is None
    assert risk(covered, NOW, NY, ROUNDS) is Risk.NONE
    assert next_risk_check(covered, NOW, NY, ROUNDS) is None


def test_before_approval_a_series_request_follows_its_needed_by_like_any_other() -> None:
    chase = Chase(
        status=Status.SUBMITTED,
        urgency=Urgency.STANDARD,
        needed_by=datetime(2027, 3, 5, 10, 0, tzinfo=NY),
        approved_units=1,
        visits=weekdays(4),
    )

    assert coverage_gap(chase, NOW, NY) is None  # nothing is approved: no cover to check
    assert risk(chase, NOW, NY, ROUNDS) is Risk.NONE
    assert risk(chase, datetime(2027, 3, 2, 14, 0, tzinfo=UTC), NY, ROUNDS) is Risk.AT_RISK
    assert risk(chase, datetime(2027, 3, 4, 11, 0, tzinfo=NY), NY, ROUNDS) is Risk.URGENT
