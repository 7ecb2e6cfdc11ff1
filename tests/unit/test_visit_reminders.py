"""When a visit's reminders fall due: leads, the day-before checklist, the no-show check."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.appointments.rules.appointment import Status
from bot.appointments.rules.reminders import (
    Due,
    checklist_at,
    checklist_due,
    checklist_instant,
    clinician_due,
    firing_lead,
    lead_words,
    next_lead,
    noshow_check_at,
    noshow_due,
    on_wall_clock,
)

NEW_YORK = ZoneInfo("America/New_York")
HOUR, DAY = timedelta(hours=1), timedelta(hours=24)
# Tue 2 Mar 2027, 3:00 PM EST.
START = datetime(2027, 3, 2, 20, 0, tzinfo=UTC)


def test_the_first_lead_is_a_day_before_then_an_hour_before() -> None:
    booked = START - timedelta(days=3)

    assert next_lead(START, booked) == (START - DAY, DAY)
    assert next_lead(START, START - DAY) == (START - HOUR, HOUR)
    assert next_lead(START, START - HOUR) is None


def test_leads_already_past_at_planning_are_skipped() -> None:
    assert next_lead(START, START - timedelta(hours=5)) == (START - HOUR, HOUR)
    assert next_lead(START, START - timedelta(minutes=30)) is None


def test_leads_are_configurable_and_must_come_before_the_start() -> None:
    week = timedelta(days=7)

    assert next_lead(START, START - 2 * week, leads=(week, HOUR)) == (START - week, week)
    with pytest.raises(ValueError, match="positive"):
        next_lead(START, START - DAY, leads=(timedelta(0),))


def test_a_firing_on_a_leads_instant_is_that_lead() -> None:
    assert firing_lead(START, START - DAY, START - DAY) == DAY
    assert firing_lead(START, START - HOUR, START - HOUR + timedelta(seconds=20)) == HOUR


def test_a_firing_for_a_visit_moved_since_stands_for_no_lead() -> None:
    planned = START - DAY  # for the old start
    later, earlier = START + timedelta(days=1), START - timedelta(hours=5)

    assert firing_lead(later, planned, planned) is None
    assert firing_lead(earlier, planned, planned) is None


def test_a_late_firing_announces_no_more_time_than_is_left() -> None:
    planned = START - DAY

    assert firing_lead(START, planned, START - timedelta(minutes=30)) == HOUR
    assert firing_lead(START, planned, START) is None
    assert firing_lead(START, planned, START + timedelta(days=1)) is None


def test_a_retry_stands_for_the_latest_lead_already_passed() -> None:
    retried = START - DAY + timedelta(minutes=5)

    assert firing_lead(START, retried, retried, retry=True) == DAY
    assert firing_lead(START, START - timedelta(minutes=30), START, retry=True) is None
    # Not a retry: five minutes off a lead means it was planned for some other start.
    assert firing_lead(START, retried, retried) is None


def test_the_checklist_goes_out_at_nine_the_day_before_on_the_clinic_clock() -> None:
    surgery = datetime(2027, 3, 3, 12, 30, tzinfo=UTC)  # Wed 3 Mar, 7:30 AM EST

    assert checklist_instant(surgery, NEW_YORK) == datetime(2027, 3, 2, 14, 0, tzinfo=UTC)


def test_the_checklist_day_is_the_clinics_not_utcs() -> None:
    late = datetime(2027, 3, 3, 3, 0, tzinfo=UTC)  # Tue 2 Mar, 10 PM EST: Wednesday in UTC

    assert checklist_instant(late, NEW_YORK) == datetime(2027, 3, 1, 14, 0, tzinfo=UTC)


def test_nine_the_day_before_across_the_spring_forward() -> None:
    # Clocks go forward on Sun 14 Mar 2027 at 2 AM in New York.
    monday = datetime(2027, 3, 15, 11, 30, tzinfo=UTC)  # 7:30 AM EDT
    sunday = datetime(2027, 3, 14, 16, 0, tzinfo=UTC)  # noon EDT

    assert checklist_instant(monday, NEW_YORK) == datetime(2027, 3, 14, 13, 0, tzinfo=UTC)
    assert checklist_instant(sunday, NEW_YORK) == datetime(2027, 3, 13, 14, 0, tzinfo=UTC)
    assert checklist_instant(monday, NEW_YORK).astimezone(NEW_YORK).time() == time(9, 0)


def test_a_time_the_spring_forward_skips_lands_after_the_gap() -> None:
    at = on_wall_clock(date(2027, 3, 14), time(2, 30), NEW_YORK)

    assert at.astimezone(NEW_YORK).time() == time(3, 30)


def test_a_checklist_booked_after_its_time_goes_at_once_and_never_after_the_start() -> None:
    surgery = datetime(2027, 3, 3, 12, 30, tzinfo=UTC)
    evening_before = datetime(2027, 3, 2, 23, 0, tzinfo=UTC)

    assert checklist_at(surgery, NEW_YORK, evening_before) == evening_before
    assert checklist_at(surgery, NEW_YORK, surgery) is None
    assert checklist_at(surgery, NEW_YORK, START - DAY) == datetime(2027, 3, 2, 14, 0, tzinfo=UTC)


def test_the_noshow_check_is_a_day_after_the_end() -> None:
    end = START + timedelta(minutes=45)

    assert noshow_check_at(end) == end + DAY
    assert noshow_check_at(end, after=HOUR) == end + HOUR


@pytest.mark.parametrize(
    ("lead", "words"),
    [
        (DAY, "24 hours"),
        (HOUR, "1 hour"),
        (timedelta(minutes=90), "90 minutes"),
        (timedelta(days=2), "2 days"),
        (timedelta(minutes=1), "1 minute"),
    ],
)
def test_leads_read_as_people_say_them(lead: timedelta, words: str) -> None:
    assert lead_words(lead) == words


def test_a_late_reminder_promises_only_the_time_that_is_left() -> None:
    from bot.appointments.rules.reminders import time_left

    start = datetime(2027, 3, 2, 15, 0, tzinfo=UTC)
    day, hour = timedelta(hours=24), timedelta(hours=1)

    assert time_left(day, start, start - day) == day
    assert time_left(day, start, start - timedelta(hours=12, minutes=40)) == timedelta(hours=12)
    assert time_left(hour, start, start - timedelta(minutes=37)) == timedelta(minutes=37)
    assert time_left(hour, start, start - timedelta(seconds=20)) == timedelta(minutes=1)


# -- the kinds' decisions, as the sweep's executor asks them -----------------------------

PATEL, DANA = "U0DRPATEL", "U0COORD01"
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def test_the_clinician_hears_at_a_lead_and_the_next_lead_is_planned() -> None:
    assert clinician_due(START, PATEL, START - DAY, START - DAY) == Due(PATEL, START - HOUR, DAY)
    assert clinician_due(START, PATEL, START - HOUR, START - HOUR) == Due(PATEL, None, HOUR)


def test_no_clinician_or_a_visit_moved_since_planning_dms_nobody() -> None:
    assert clinician_due(START, None, START - DAY, START - DAY) == Due(None)
    moved = START + timedelta(days=2)  # planned for the old start's 24 h lead
    assert clinician_due(moved, PATEL, START - DAY, START - DAY) == Due(None, moved - DAY, None)


def test_a_retried_clinician_reminder_announces_no_more_than_is_left() -> None:
    late = START - timedelta(minutes=30)
    assert clinician_due(START, PATEL, START - DAY, late, retry=True) == Due(PATEL, None, HOUR)


def test_the_checklist_goes_to_the_booker_at_nine_on_the_booking_channels_clock() -> None:
    surgery = datetime(2027, 3, 3, 12, 30, tzinfo=UTC)  # Wed 7:30 AM New York
    nine_in_la = datetime(2027, 3, 2, 17, 0, tzinfo=UTC)

    assert checklist_due("surgery", surgery, DANA, nine_in_la - HOUR, LOS_ANGELES) == Due(
        None, nine_in_la
    )
    assert checklist_due("surgery", surgery, DANA, nine_in_la, LOS_ANGELES) == Due(DANA)


def test_no_checklist_for_a_consult_or_once_the_visit_began() -> None:
    assert checklist_due("consult", START, DANA, START - DAY, NEW_YORK) == Due(None)
    assert checklist_due("surgery", START, DANA, START, NEW_YORK) == Due(None)


def test_the_no_show_check_asks_the_booker_a_day_after_a_visit_still_booked() -> None:
    end = START + HOUR
    assert noshow_due(Status.BOOKED, end, DANA, end + DAY) == Due(DANA)
    assert noshow_due(Status.BOOKED, end, DANA, end) == Due(None, end + DAY)
    assert noshow_due(Status.CHECKED_IN, end, DANA, end + DAY) == Due(None)
