"""Spans, clinic hours, and the next free slots offered when a booking collides."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.appointments.rules.slots import next_free_slots
from bot.shared.rules.clinic_hours import ClinicHours, Span

NEW_YORK = ZoneInfo("America/New_York")
HOURS = ClinicHours(tz=NEW_YORK)
MIN = timedelta(minutes=1)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A New York wall-clock time in 2027."""
    return datetime(2027, month, day, hour, minute, tzinfo=NEW_YORK)


def span(day: int, start: str, end: str, month: int = 3) -> Span:
    """Span(3, "9:00", "10:30") on 3 March 2027, New York."""
    (h1, m1), (h2, m2) = (map(int, t.split(":")) for t in (start, end))
    return Span(at(day, h1, m1, month), at(day, h2, m2, month))


def starts(slots: list[Span]) -> list[datetime]:
    return [slot.start for slot in slots]


# Span


def test_touching_spans_do_not_overlap() -> None:
    assert not span(3, "9:00", "10:00").overlaps(span(3, "10:00", "11:00"))
    assert span(3, "9:00", "10:01").overlaps(span(3, "10:00", "11:00"))
    assert span(3, "9:00", "12:00").overlaps(span(3, "10:00", "11:00"))


def test_a_span_must_end_after_it_starts_and_know_its_zone() -> None:
    with pytest.raises(ValueError, match="end after it starts"):
        span(3, "10:00", "10:00")
    with pytest.raises(ValueError, match="timezone-aware"):
        Span(datetime(2027, 3, 3, 9), datetime(2027, 3, 3, 10))


def test_length_is_real_time_across_a_dst_change() -> None:
    # US clocks spring forward at 2:00 on Sunday 14 March 2027.
    assert Span(at(14, 1), at(14, 3)).length == timedelta(hours=1)


# ClinicHours


def test_clinic_hours_contain_a_visit_within_one_open_day() -> None:
    assert HOURS.contains(span(3, "8:00", "18:00"))
    assert not HOURS.contains(span(3, "7:45", "8:30"))
    assert not HOURS.contains(span(3, "17:30", "18:15"))
    assert not HOURS.contains(span(6, "10:00", "11:00"))  # a Saturday
    assert not HOURS.contains(Span(at(3, 17), at(4, 9)))


def test_clinic_hours_are_read_on_the_clinics_wall_clock() -> None:
    utc_nine_to_ten = Span(
        datetime(2027, 3, 3, 14, tzinfo=UTC), datetime(2027, 3, 3, 15, tzinfo=UTC)
    )
    assert HOURS.contains(utc_nine_to_ten)


def test_clinic_hours_must_make_sense() -> None:
    with pytest.raises(ValueError, match="close after it opens"):
        ClinicHours(tz=NEW_YORK, opens=time(18), closes=time(8))
    with pytest.raises(ValueError, match="weekday numbers"):
        ClinicHours(tz=NEW_YORK, days=frozenset({7}))


# next_free_slots


def test_a_busy_day_offers_the_gaps_that_fit() -> None:
    busy = [
        span(3, "8:00", "9:30"),
        span(3, "9:45", "11:00"),  # 15 minutes free before it: too short for 30
        span(3, "11:30", "13:00"),
        span(3, "13:30", "17:00"),
    ]
    found = next_free_slots(busy, 30 * MIN, at(3, 7, 0), HOURS)
    assert starts(found) == [at(3, 11, 0), at(3, 13, 0), at(3, 17, 0)]
    assert all(slot.length == 30 * MIN for slot in found)


def test_overlapping_and_unsorted_busy_spans_are_handled() -> None:
    busy = [span(3, "10:00", "12:00"), span(3, "8:00", "9:00"), span(3, "8:30", "10:15")]
    found = next_free_slots(busy, 60 * MIN, at(3, 8), HOURS, count=1)
    assert starts(found) == [at(3, 12, 0)]


def test_the_end_of_the_day_rolls_to_the_next_open_day() -> None:
    found = next_free_slots([], 60 * MIN, at(3, 17, 30), HOURS)
    assert starts(found) == [at(4, 8, 0), at(4, 8, 15), at(4, 8, 30)]


def test_weekends_are_skipped() -> None:
    friday_evening = at(5, 17, 45)
    found = next_free_slots([span(8, "8:00", "9:00")], 60 * MIN, friday_evening, HOURS, count=1)
    assert starts(found) == [at(8, 9, 0)]  # Monday, after the busy hour


def test_after_mid_step_rounds_up_to_the_grid() -> None:
    found = next_free_slots([], 20 * MIN, at(3, 9, 7), HOURS, count=2)
    assert starts(found) == [at(3, 9, 15), at(3, 9, 30)]


def test_after_on_the_grid_starts_right_there() -> None:
    assert starts(next_free_slots([], 20 * MIN, at(3, 9, 15), HOURS, count=1)) == [at(3, 9, 15)]


def test_a_visit_that_would_run_past_closing_is_not_offered() -> None:
    found = next_free_slots([], 120 * MIN, at(3, 15, 50), HOURS, count=2)
    assert starts(found) == [at(3, 16, 0), at(4, 8, 0)]


def test_a_week_across_the_spring_dst_change_stays_on_local_hours() -> None:
    # Fully booked from Friday 12 March to Monday 15 March 9:00; clocks change on the 14th.
    busy = [Span(at(12, 8), at(15, 9))]
    found = next_free_slots(busy, 60 * MIN, at(12, 8), HOURS, count=1)
    assert starts(found) == [at(15, 9, 0)]
    assert found[0].start.utcoffset() == timedelta(hours=-4)
    assert found[0].start.astimezone(UTC) == datetime(2027, 3, 15, 13, 0, tzinfo=UTC)


def test_a_night_clinic_skips_the_hour_the_clocks_jump() -> None:
    nights = ClinicHours(tz=NEW_YORK, opens=time(0), closes=time(6), days=frozenset(range(7)))
    found = next_free_slots([], 30 * MIN, at(14, 1, 30), nights, count=3, step=30 * MIN)
    # 2:00 and 2:30 do not exist on 14 March; the 30-minute visit from 1:30 ends at 3:00 EDT.
    assert [slot.start.strftime("%H:%M %Z") for slot in found] == [
        "01:30 EST",
        "03:00 EDT",
        "03:30 EDT",
    ]


def test_a_night_clinic_in_the_autumn_offers_the_repeated_hour_once() -> None:
    nights = ClinicHours(tz=NEW_YORK, opens=time(0), closes=time(6), days=frozenset(range(7)))
    # US clocks fall back at 2:00 on Sunday 7 November 2027.
    found = next_free_slots([], 30 * MIN, at(7, 0, 30, month=11), nights, count=4, step=30 * MIN)
    assert [slot.start.strftime("%H:%M %Z") for slot in found] == [
        "00:30 EDT",
        "01:00 EDT",
        "01:30 EDT",
        "02:00 EST",
    ]


def test_nothing_free_within_the_horizon_gives_fewer_slots() -> None:
    busy = [Span(at(1, 0), at(31, 0))]
    assert next_free_slots(busy, 30 * MIN, at(1, 8), HOURS, horizon=timedelta(days=14)) == []


def test_horizon_bounds_the_search() -> None:
    found = next_free_slots([], 30 * MIN, at(3, 17, 45), HOURS, horizon=timedelta(hours=15))
    assert starts(found) == [at(4, 8, 0), at(4, 8, 15), at(4, 8, 30)]
    assert next_free_slots([], 30 * MIN, at(3, 17, 45), HOURS, horizon=timedelta(hours=14)) == []


def test_a_busy_month_is_searched_quickly() -> None:
    # Every weekday slot taken but the last, in 15-minute bookings: 2,000 busy spans.
    busy = [
        Span(start, start + 15 * MIN)
        for day in range(1, 15)
        for start in (at(day, 8) + k * 15 * MIN for k in range(40))
        if (day, start.hour) != (12, 17)
    ]
    found = next_free_slots(busy, 60 * MIN, at(1, 8), HOURS, count=1, horizon=timedelta(days=30))
    assert starts(found) == [at(12, 17, 0)]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_free_slots([], 30 * MIN, datetime(2027, 3, 3, 9), HOURS)
    with pytest.raises(ValueError, match="length must be positive"):
        next_free_slots([], timedelta(0), at(3, 9), HOURS)


def test_a_holiday_is_closed_all_day_and_no_slot_is_offered_on_it() -> None:
    closed = ClinicHours(tz=NEW_YORK, holidays=frozenset({at(3, 0).date()}))
    assert not closed.contains(span(3, "9:00", "9:30")) and closed.contains(span(4, "9:00", "9:30"))

    free = next_free_slots([], timedelta(minutes=30), at(2, 17, 45), closed, count=1)

    assert starts(free) == [at(4, 8)]


def test_the_nearest_free_time_the_same_day_is_chosen_or_none() -> None:
    from bot.appointments.rules.slots import nearest_free_same_day

    hours = ClinicHours(tz=NEW_YORK)
    day = datetime(2027, 3, 4, tzinfo=NEW_YORK)
    wanted = Span(day.replace(hour=10), day.replace(hour=10, minute=50))
    taken = [Span(day.replace(hour=10), day.replace(hour=10, minute=30))]
    now = datetime(2027, 3, 1, tzinfo=NEW_YORK)

    found = nearest_free_same_day(taken, wanted, hours, now)
    assert found == Span(day.replace(hour=10, minute=30), day.replace(hour=11, minute=20))

    whole_day = [Span(day.replace(hour=8), day.replace(hour=18))]
    assert nearest_free_same_day(whole_day, wanted, hours, now) is None
