"""Reading coordinators' dates and times in their own zone, and showing them back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.shared.rules import timeparse
from bot.shared.rules.timeparse import (
    EXAMPLES,
    ParsedTime,
    TimeParseError,
    TimeParser,
    format_span,
    format_when,
)

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
TOKYO = ZoneInfo("Asia/Tokyo")
# Saturday 6 March 2027, 17:30 in New York.
SATURDAY_EVENING = datetime(2027, 3, 6, 17, 30, tzinfo=NEW_YORK)


@pytest.fixture(scope="module")
def parser() -> Iterator[TimeParser]:
    warmed = TimeParser()
    warmed.warm()
    yield warmed


def local(parsed: ParsedTime, tz: ZoneInfo) -> datetime:
    """The parsed instant as a naive wall-clock time in tz, for readable asserts."""
    assert parsed.at.tzinfo == tz
    return parsed.at.replace(tzinfo=None)


# Around midnight UTC


def test_los_angeles_evening_tomorrow_is_the_local_tomorrow(parser: TimeParser) -> None:
    # Tue 2 Mar 17:30 in Los Angeles is already Wed 3 Mar 01:30 in UTC.
    now = datetime(2027, 3, 3, 1, 30, tzinfo=UTC)
    parsed = parser.parse("tomorrow 9am", now, LOS_ANGELES)
    assert local(parsed, LOS_ANGELES) == datetime(2027, 3, 3, 9, 0)
    assert parsed.has_time
    assert parsed.at.utcoffset() == timedelta(hours=-8)


def test_los_angeles_monday_evening_next_tuesday_is_the_local_tuesday(
    parser: TimeParser,
) -> None:
    # Mon 8 Mar 17:30 in Los Angeles; UTC has already reached Tuesday.
    now = datetime(2027, 3, 9, 1, 30, tzinfo=UTC)
    parsed = parser.parse("next tuesday", now, LOS_ANGELES)
    assert local(parsed, LOS_ANGELES) == datetime(2027, 3, 9, 0, 0)
    assert not parsed.has_time


def test_tokyo_just_after_local_midnight(parser: TimeParser) -> None:
    # Wed 3 Mar 00:15 in Tokyo is still Tue 2 Mar 15:15 in UTC.
    now = datetime(2027, 3, 2, 15, 15, tzinfo=UTC)
    assert local(parser.parse("tomorrow 9am", now, TOKYO), TOKYO) == datetime(2027, 3, 4, 9, 0)
    assert local(parser.parse("today 3pm", now, TOKYO), TOKYO) == datetime(2027, 3, 3, 15, 0)
    assert local(parser.parse("9am", now, TOKYO), TOKYO) == datetime(2027, 3, 3, 9, 0)


# Across DST changes (US 2027: spring forward Sun 14 Mar, fall back Sun 7 Nov)


def test_tomorrow_morning_after_spring_forward_is_daylight_time(parser: TimeParser) -> None:
    now = datetime(2027, 3, 13, 10, 0, tzinfo=NEW_YORK)
    parsed = parser.parse("tomorrow 9am", now, NEW_YORK)
    assert local(parsed, NEW_YORK) == datetime(2027, 3, 14, 9, 0)
    assert parsed.at.utcoffset() == timedelta(hours=-4)
    assert parsed.at.astimezone(UTC) == datetime(2027, 3, 14, 13, 0, tzinfo=UTC)


def test_a_time_skipped_by_spring_forward_is_refused(parser: TimeParser) -> None:
    now = datetime(2027, 3, 13, 10, 0, tzinfo=NEW_YORK)
    with pytest.raises(TimeParseError) as refused:
        parser.parse("tomorrow 2:30am", now, NEW_YORK)
    message = str(refused.value)
    assert "2:30 AM does not exist on Sun 14 Mar 2027 in America/New_York" in message
    assert "Try 3:30 AM" in message


def test_a_repeated_time_at_fall_back_takes_the_first_occurrence(parser: TimeParser) -> None:
    now = datetime(2027, 11, 6, 12, 0, tzinfo=NEW_YORK)
    parsed = parser.parse("tomorrow 1:30am", now, NEW_YORK)
    assert local(parsed, NEW_YORK) == datetime(2027, 11, 7, 1, 30)
    assert parsed.at.fold == 0
    assert parsed.at.tzname() == "EDT"
    assert parsed.at.astimezone(UTC) == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)


def test_in_two_hours_across_spring_forward_is_two_real_hours(parser: TimeParser) -> None:
    utc_now = datetime(2027, 3, 14, 6, 30, tzinfo=UTC)  # 1:30 AM EST, just before the gap
    for now in (utc_now, utc_now.astimezone(NEW_YORK)):
        parsed = parser.parse("in 2 hours", now, NEW_YORK)
        assert parsed.at == utc_now + timedelta(hours=2)
        assert local(parsed, NEW_YORK) == datetime(2027, 3, 14, 4, 30)
        assert parsed.has_time


# What coordinators type


def test_next_tuesday_is_a_date_without_a_time(parser: TimeParser) -> None:
    parsed = parser.parse("next tuesday", SATURDAY_EVENING, NEW_YORK)
    assert local(parsed, NEW_YORK) == datetime(2027, 3, 9, 0, 0)
    assert not parsed.has_time


def test_next_tuesday_said_on_a_tuesday_is_a_week_later(parser: TimeParser) -> None:
    tuesday = datetime(2027, 3, 9, 10, 0, tzinfo=NEW_YORK)
    parsed = parser.parse("next tuesday", tuesday, NEW_YORK)
    assert local(parsed, NEW_YORK) == datetime(2027, 3, 16, 0, 0)


def test_in_two_days_is_a_date(parser: TimeParser) -> None:
    parsed = parser.parse("in 2 days", SATURDAY_EVENING, NEW_YORK)
    assert local(parsed, NEW_YORK) == datetime(2027, 3, 8, 0, 0)
    assert not parsed.has_time


def test_in_two_weeks_is_a_date(parser: TimeParser) -> None:
    parsed = parser.parse("in 2 weeks", SATURDAY_EVENING, NEW_YORK)
    assert local(parsed, NEW_YORK) == datetime(2027, 3, 20, 0, 0)
    assert not parsed.has_time


def test_a_day_and_time_without_a_year_prefers_the_future(parser: TimeParser) -> None:
    late_december = datetime(2027, 12, 28, 9, 0, tzinfo=NEW_YORK)
    parsed = parser.parse("dec 3 10:30", late_december, NEW_YORK)
    assert local(parsed, NEW_YORK) == datetime(2028, 12, 3, 10, 30)
    assert parsed.has_time


def test_a_date_alone_has_no_time(parser: TimeParser) -> None:
    parsed = parser.parse("dec 3", SATURDAY_EVENING, NEW_YORK)
    assert local(parsed, NEW_YORK) == datetime(2027, 12, 3, 0, 0)
    assert not parsed.has_time


def test_tomorrow_3pm(parser: TimeParser) -> None:
    parsed = parser.parse("  tomorrow   3pm ", SATURDAY_EVENING, NEW_YORK)
    assert parsed == ParsedTime(
        at=datetime(2027, 3, 7, 15, 0, tzinfo=NEW_YORK), has_time=True, text="tomorrow 3pm"
    )


def test_an_iso_date_and_time(parser: TimeParser) -> None:
    january = datetime(2027, 1, 15, 8, 0, tzinfo=NEW_YORK)
    parsed = parser.parse("2027-03-02 07:30", january, NEW_YORK)
    assert local(parsed, NEW_YORK) == datetime(2027, 3, 2, 7, 30)
    assert parsed.has_time


def test_in_ninety_minutes_drops_the_seconds(parser: TimeParser) -> None:
    parsed = parser.parse("in 90 minutes", SATURDAY_EVENING.replace(second=45), NEW_YORK)
    assert local(parsed, NEW_YORK) == datetime(2027, 3, 6, 19, 0)
    assert parsed.has_time


def test_a_time_in_the_users_own_zone_is_accepted(parser: TimeParser) -> None:
    parsed = parser.parse("tomorrow 9am EST", SATURDAY_EVENING, NEW_YORK)
    assert local(parsed, NEW_YORK) == datetime(2027, 3, 7, 9, 0)


def test_a_time_in_another_zone_is_refused(parser: TimeParser) -> None:
    with pytest.raises(TimeParseError, match="names a time zone other than yours"):
        parser.parse("tomorrow 9am PST", SATURDAY_EVENING, NEW_YORK)


# Refusals: nonsense must never become a guess


@pytest.mark.parametrize("text", ["blorp", "asdf qwer", "<!channel>", "tmrw 3pm"])
def test_nonsense_is_refused_with_examples(parser: TimeParser, text: str) -> None:
    with pytest.raises(TimeParseError) as refused:
        parser.parse(text, SATURDAY_EVENING, NEW_YORK)
    assert str(refused.value) == f'I couldn\'t read "{text}" as a date or time. {EXAMPLES}'
    assert '"tomorrow 3pm"' in EXAMPLES


def test_empty_input_is_refused(parser: TimeParser) -> None:
    with pytest.raises(TimeParseError, match="got nothing") as refused:
        parser.parse("   ", SATURDAY_EVENING, NEW_YORK)
    assert EXAMPLES in str(refused.value)


def test_long_input_is_refused_without_asking_dateparser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unexpected(*args: object, **kwargs: object) -> None:
        raise AssertionError("dateparser should not see over-long input")

    monkeypatch.setattr(timeparse, "DateDataParser", unexpected)
    with pytest.raises(TimeParseError, match="too long") as refused:
        TimeParser().parse("tomorrow " * 25, SATURDAY_EVENING, NEW_YORK)
    assert EXAMPLES in str(refused.value)


@pytest.mark.parametrize("text", ["30 feb", "feb 30 2027", "2027-02-30", "31 april"])
def test_impossible_dates_are_refused_not_rolled_over(parser: TimeParser, text: str) -> None:
    with pytest.raises(TimeParseError, match="as a date or time"):
        parser.parse(text, SATURDAY_EVENING, NEW_YORK)


@pytest.mark.parametrize(
    ("text", "ignored"),
    [
        ("tomorrow 25:00", "25:00"),
        ("tomorrow 12:60", "12:60"),
        ("tomorrow at 3", "3"),
        ("tomorrow 7.30", "7.30"),
    ],
)
def test_a_number_dateparser_would_drop_is_refused(
    parser: TimeParser, text: str, ignored: str
) -> None:
    with pytest.raises(TimeParseError, match=f'what "{ignored}" means'):
        parser.parse(text, SATURDAY_EVENING, NEW_YORK)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("next week", "a whole week"),
        ("march", "a whole month"),
        ("2027", "a whole year"),
        ("9", "a whole month"),
        ("tomorrow morning", "part of a day"),
    ],
)
def test_vague_spans_are_refused(parser: TimeParser, text: str, why: str) -> None:
    with pytest.raises(TimeParseError, match=why):
        parser.parse(text, SATURDAY_EVENING, NEW_YORK)


def test_a_date_decades_away_is_refused(parser: TimeParser) -> None:
    # dateparser reads the "10" here as the year 2110.
    with pytest.raises(TimeParseError, match="Wed 3 Dec 2110, more than 5 years from today"):
        parser.parse("dec 3 at 10", SATURDAY_EVENING, NEW_YORK)


def test_a_naive_now_is_a_programming_error(parser: TimeParser) -> None:
    with pytest.raises(ValueError, match="timezone-aware") as raised:
        parser.parse("tomorrow 3pm", datetime(2027, 3, 6, 17, 30), NEW_YORK)
    assert not isinstance(raised.value, TimeParseError)


def test_request_threads_can_share_one_parser(parser: TimeParser) -> None:
    results: list[datetime] = []

    def book(hour: int) -> None:
        now = SATURDAY_EVENING.replace(hour=hour)
        for _ in range(20):
            results.append(parser.parse("tomorrow 3pm", now, NEW_YORK).at)

    threads = [threading.Thread(target=book, args=(hour,)) for hour in range(8, 16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(results) == {datetime(2027, 3, 7, 15, 0, tzinfo=NEW_YORK)}
    assert len(results) == 160


# Showing times back


def test_format_when_has_no_leading_zeros() -> None:
    at = datetime(2027, 3, 2, 12, 30, tzinfo=UTC)
    assert format_when(at, NEW_YORK) == "Tue 2 Mar 2027, 7:30 AM EST"
    assert format_when(at, NEW_YORK, with_time=False) == "Tue 2 Mar 2027"


def test_format_when_noon_midnight_and_daylight_time() -> None:
    assert format_when(datetime(2027, 7, 4, 12, 0, tzinfo=NEW_YORK), NEW_YORK) == (
        "Sun 4 Jul 2027, 12:00 PM EDT"
    )
    assert format_when(datetime(2027, 7, 4, 0, 5, tzinfo=TOKYO), TOKYO) == (
        "Sun 4 Jul 2027, 12:05 AM JST"
    )


def test_format_span_within_a_morning() -> None:
    start = datetime(2027, 3, 2, 7, 30, tzinfo=NEW_YORK)
    assert format_span(start, start + timedelta(hours=3), NEW_YORK) == (
        "Tue 2 Mar 2027, 7:30-10:30 AM EST"
    )


def test_format_span_across_noon() -> None:
    start = datetime(2027, 3, 2, 11, 30, tzinfo=NEW_YORK)
    assert format_span(start, start + timedelta(minutes=90), NEW_YORK) == (
        "Tue 2 Mar 2027, 11:30 AM-1:00 PM EST"
    )


def test_format_span_across_midnight_shows_both_dates() -> None:
    start = datetime(2027, 3, 2, 22, 0, tzinfo=NEW_YORK)
    assert format_span(start, start + timedelta(hours=4), NEW_YORK) == (
        "Tue 2 Mar 2027, 10:00 PM - Wed 3 Mar 2027, 2:00 AM EST"
    )


def test_format_span_across_fall_back_names_both_zones() -> None:
    start = datetime(2027, 11, 7, 5, 0, tzinfo=UTC)  # 1:00 AM EDT, the first one
    assert format_span(start, start + timedelta(hours=1), NEW_YORK) == (
        "Sun 7 Nov 2027, 1:00 AM EDT-1:00 AM EST"
    )


def test_format_span_refuses_a_backwards_span() -> None:
    start = datetime(2027, 3, 2, 7, 30, tzinfo=NEW_YORK)
    with pytest.raises(ValueError, match="end before it starts"):
        format_span(start, start - timedelta(minutes=1), NEW_YORK)


@pytest.mark.parametrize(
    "text", ["a week from today", "one week from today", "two weeks from today"]
)
def test_future_phrases_dateparser_misreads_as_past_are_refused(
    parser: TimeParser, text: str
) -> None:
    now = datetime(2027, 3, 1, 14, 0, tzinfo=NEW_YORK)
    with pytest.raises(TimeParseError, match="already passed"):
        parser.parse(text, now, NEW_YORK)


def test_asking_for_the_past_on_purpose_still_works(parser: TimeParser) -> None:
    now = datetime(2027, 3, 1, 14, 0, tzinfo=NEW_YORK)
    assert parser.parse("yesterday 9am", now, NEW_YORK).at.day == 28


def test_next_weekday_is_the_first_one_after_today_even_said_the_day_before(
    parser: TimeParser,
) -> None:
    # The rule, as the README says: "next monday" is the coming Monday, the first after
    # today; said on Sunday, that is tomorrow. The preview shows the date before booking.
    sunday = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)
    monday = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # 8:00 AM in New York

    assert parser.parse("next monday 8am", sunday, NEW_YORK).at == monday
    assert parser.parse("monday 8am", sunday, NEW_YORK).at == monday
    # Said on a Monday, it is a week later, never today.
    assert parser.parse("next monday 8am", monday, NEW_YORK).at == monday + timedelta(days=7)
