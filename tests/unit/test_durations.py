"""How long a visit lasts, read the way coordinators type it and shown back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.shared.rules.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("45m", 45),
        ("45 min", 45),
        ("45 mins", 45),
        ("45 minutes", 45),
        ("1h", 60),
        ("3h", 180),
        ("1h30", 90),
        ("1h30m", 90),
        ("1 h 30 min", 90),
        ("1 hour and 30 minutes", 90),
        ("1.5 hours", 90),
        ("1.5h", 90),
        ("2 hrs", 120),
        ("90 minutes", 90),
        ("  45   MIN ", 45),
        ("5 min", 5),
        ("12 hours", 720),
    ],
)
def test_coordinators_durations_are_read(typed: str, minutes: int) -> None:
    assert parse_duration(typed) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    "typed",
    [
        "1:30",
        "9:30",
        "3pm",
        "tomorrow 3pm",
        "2027-03-02 07:30",
        "next tuesday 9:30",
        "in 45 min",
        "45",
        "MRI",
        "3 months",
        "at Clinic 3",
        "",
        "45 min " * 10,
    ],
)
def test_times_and_words_are_not_durations(typed: str) -> None:
    assert parse_duration(typed) is None


@pytest.mark.parametrize("typed", ["0 min", "0h", "4 min", "30 hours", "12h1", "-5 min"])
def test_a_visit_must_last_from_five_minutes_to_twelve_hours(typed: str) -> None:
    with pytest.raises(DurationError) as refused:
        parse_duration(typed)
    assert f'"{typed}" is outside that' in str(refused.value)
    assert "Example: 45 min or 1h30." in str(refused.value)


def test_thirty_hours_is_refused_with_the_bounds_and_an_example() -> None:
    with pytest.raises(DurationError) as refused:
        parse_duration("30 hours")
    assert str(refused.value) == (
        'A visit can last from 5 minutes to 12 hours; "30 hours" is outside that. '
        "Example: 45 min or 1h30."
    )


def test_an_absurdly_large_number_is_refused_not_overflowed() -> None:
    with pytest.raises(DurationError):
        parse_duration("99999999999999999999h")


def test_minutes_after_hours_stop_at_59() -> None:
    with pytest.raises(DurationError, match="at most 59"):
        parse_duration("1h75")


def test_decimal_hours_with_minutes_is_refused() -> None:
    with pytest.raises(DurationError, match="whole numbers"):
        parse_duration("1.5h30")


def test_a_fraction_of_an_hour_rounds_to_the_minute() -> None:
    assert parse_duration("1.33h") == timedelta(minutes=80)


@pytest.mark.parametrize(
    ("length", "shown"),
    [
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(minutes=90), "1 h 30 min"),
        (timedelta(hours=3), "3 h"),
        (timedelta(minutes=5), "5 min"),
        (timedelta(minutes=44, seconds=40), "45 min"),
    ],
)
def test_durations_are_shown_in_hours_and_minutes(length: timedelta, shown: str) -> None:
    assert format_duration(length) == shown


def test_shown_durations_read_back_the_same() -> None:
    for minutes in range(5, 721, 5):
        length = timedelta(minutes=minutes)
        assert parse_duration(format_duration(length)) == length
