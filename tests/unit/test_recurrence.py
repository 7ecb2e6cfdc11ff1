"""Recurring visits as coordinators type them: each accepted form books the visits it says, at
the same wall-clock time across DST, as a rule any calendar expands the same; each refused
form says what is wrong and shows an example that itself reads.

Unless a test says otherwise it is Monday 1 March 2027, 14:00 in New York, two weeks before
the clocks go forward (Sunday 14 March) and well before they go back (Sunday 7 November).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import example, given, settings
from hypothesis import strategies as st

import tests.fuzz  # noqa: F401 - loads the suite's hypothesis profile
from bot.appointments.rules.appointment import KINDS
from bot.appointments.rules.recurrence import (
    Repeat,
    RepeatError,
    SeriesLimit,
    is_count,
    looks_like_repeat,
    read_repeat,
)
from bot.shared.rules.timeparse import TimeParser
from tests.fuzz import strategies

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2027, 3, 1, 14, 0, tzinfo=NEW_YORK)
TUE, THU = 1, 3
DEFAULT = SeriesLimit()


@pytest.fixture(scope="module")
def times() -> TimeParser:
    parser = TimeParser()
    parser.warm()
    return parser


def read(
    times: TimeParser,
    text: str,
    count: str | None = None,
    *,
    now: datetime = NOW,
    zone: ZoneInfo = NEW_YORK,
    limit: SeriesLimit = DEFAULT,
) -> Repeat:
    return read_repeat(text, count_field=count, now=now, zone=zone, times=times, limit=limit)


def refusal(times: TimeParser, text: str, count: str | None = None, **kwargs: object) -> str:
    with pytest.raises(RepeatError) as refused:
        read(times, text, count, **kwargs)  # type: ignore[arg-type]
    return str(refused.value)


def local(repeat: Repeat) -> list[datetime]:
    return [start.astimezone(ZoneInfo(repeat.zone)) for start in repeat.starts]


def expanded(repeat: Repeat) -> list[datetime]:
    """What a calendar makes of the stored rule: DTSTART on the zone's wall clock, then RRULE."""
    first = repeat.starts[0].astimezone(ZoneInfo(repeat.zone))
    lines = f"DTSTART;TZID={repeat.zone}:{first:%Y%m%dT%H%M%S}\nRRULE:{repeat.rrule}"
    assert repeat.rfc5545() == lines
    return [start.astimezone(UTC) for start in rrulestr(lines)]


def example_of(refused: str) -> tuple[str, str | None]:
    """The example a refusal ends with, split as quick booking splits fields: the repeat
    phrase and the count typed after a comma."""
    shown = refused.rsplit("Example: ", 1)[1]
    phrase, _, count = shown.partition(", ")
    return phrase, count or None


# -- the forms in the issue ----------------------------------------------------------------


def test_tuesdays_and_thursdays_for_six_weeks(times: TimeParser) -> None:
    repeat = read(times, "every tuesday and thursday 10am for 6 weeks")
    visits = local(repeat)
    assert repeat.said == "every Tue and Thu at 10:00 AM, 12 visits (6 weeks)"
    assert repeat.rrule == "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=12"
    assert repeat.zone == "America/New_York"
    assert visits[0] == datetime(2027, 3, 2, 10, 0, tzinfo=NEW_YORK)  # the first Tuesday after now
    assert visits[-1] == datetime(2027, 4, 8, 10, 0, tzinfo=NEW_YORK)
    assert {visit.weekday() for visit in visits} == {TUE, THU}
    assert {visit.time() for visit in visits} == {time(10, 0)}
    # 10:00 on the wall both sides of the March change: 15:00 UTC before, 14:00 after.
    assert repeat.starts[0] == datetime(2027, 3, 2, 15, 0, tzinfo=UTC)
    assert repeat.starts[-1] == datetime(2027, 4, 8, 14, 0, tzinfo=UTC)
    assert expanded(repeat) == list(repeat.starts)


@pytest.mark.parametrize(
    "days",
    ["mon wed fri", "mon/wed/fri", "mon & wed & fri", "mon+wed+fri", "monday wednesday friday"],
)
@pytest.mark.parametrize("end", ["until 2027-06-30", "until june 30"])
def test_dialysis_three_times_a_week_until_a_date(times: TimeParser, days: str, end: str) -> None:
    repeat = read(times, f"{days} 7am {end}")
    visits = local(repeat)
    assert repeat.said == "every Mon, Wed and Fri at 7:00 AM, 52 visits (until Wed 30 Jun 2027)"
    # UNTIL is the end of 30 June in New York, in UTC, as RFC 5545 asks beside a zoned DTSTART.
    assert repeat.rrule == "FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20270701T035959Z"
    assert visits[0] == datetime(2027, 3, 3, 7, 0, tzinfo=NEW_YORK)
    assert visits[-1] == datetime(2027, 6, 30, 7, 0, tzinfo=NEW_YORK)
    assert {visit.weekday() for visit in visits} == {0, 2, 4}
    assert expanded(repeat) == list(repeat.starts)


def test_an_infusion_every_three_weeks_from_a_date_eight_times(times: TimeParser) -> None:
    repeat = read(times, "every 3 weeks from 2027-04-05 9am", "8 times")
    visits = local(repeat)
    assert repeat.said == "every 3 weeks on Mon at 9:00 AM, 8 visits (from Mon 5 Apr 2027)"
    assert repeat.rrule == "FREQ=WEEKLY;INTERVAL=3;COUNT=8"
    assert visits == [
        datetime(2027, 4, 5, 9, 0, tzinfo=NEW_YORK) + timedelta(days=21 * n) for n in range(8)
    ]
    assert expanded(repeat) == list(repeat.starts)


def test_a_weekly_wound_check_on_fridays_four_times(times: TimeParser) -> None:
    repeat = read(times, "weekly on fridays 2pm", "4 times")
    assert repeat.said == "every Fri at 2:00 PM, 4 visits"
    assert [visit.date() for visit in local(repeat)] == [
        date(2027, 3, 5),
        date(2027, 3, 12),
        date(2027, 3, 19),
        date(2027, 3, 26),
    ]
    assert {visit.time() for visit in local(repeat)} == {time(14, 0)}
    assert expanded(repeat) == list(repeat.starts)


# -- more ways to say it -------------------------------------------------------------------


def test_daily_for_ten_days_starts_tomorrow_when_todays_time_has_passed(
    times: TimeParser,
) -> None:
    repeat = read(times, "daily 8am for 10 days")
    assert repeat.said == "every day at 8:00 AM, 10 visits (10 days)"
    assert [visit.date() for visit in local(repeat)] == [
        date(2027, 3, 2) + timedelta(days=n) for n in range(10)
    ]
    assert expanded(repeat) == list(repeat.starts)


def test_a_series_starts_today_when_its_time_is_still_ahead(times: TimeParser) -> None:
    tuesday_morning = datetime(2027, 3, 2, 9, 0, tzinfo=NEW_YORK)
    later = datetime(2027, 3, 2, 10, 30, tzinfo=NEW_YORK)
    assert local(read(times, "every tuesday 10am", "3 times", now=tuesday_morning))[0] == (
        datetime(2027, 3, 2, 10, 0, tzinfo=NEW_YORK)
    )
    assert local(read(times, "every tuesday 10am", "3 times", now=later))[0] == (
        datetime(2027, 3, 9, 10, 0, tzinfo=NEW_YORK)
    )


@pytest.mark.parametrize("weekdays", ["every weekday", "weekdays", "mon-fri", "mon to fri"])
def test_every_weekday_for_two_weeks(times: TimeParser, weekdays: str) -> None:
    repeat = read(times, f"{weekdays} 9am for 2 weeks")
    assert repeat.said == "every weekday at 9:00 AM, 10 visits (2 weeks)"
    assert repeat.rrule == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=10"
    assert sorted({visit.weekday() for visit in local(repeat)}) == [0, 1, 2, 3, 4]
    assert expanded(repeat) == list(repeat.starts)


@pytest.mark.parametrize(
    "every_other",
    [
        "every other monday 11am",
        "biweekly on mondays 11am",
        "bi-weekly on mon 11am",
        "fortnightly on monday 11am",
        "every 2 weeks on mon at 11am",
        "every two weeks on monday 11 am",
    ],
)
def test_every_other_week_five_times(times: TimeParser, every_other: str) -> None:
    repeat = read(times, every_other, "5 times")
    assert repeat.said == "every 2 weeks on Mon at 11:00 AM, 5 visits"
    assert repeat.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;COUNT=5"
    assert [visit.date() for visit in local(repeat)] == [
        date(2027, 3, 8) + timedelta(weeks=2 * n) for n in range(5)
    ]
    assert expanded(repeat) == list(repeat.starts)


def test_twice_a_week_every_other_week_keeps_its_weeks(times: TimeParser) -> None:
    repeat = read(times, "every 2 weeks on tue and thu 10am", "6 times")
    # Where a week starts decides which weeks are skipped, so the rule names it.
    assert repeat.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=MO;COUNT=6"
    assert [visit.day for visit in local(repeat)] == [2, 4, 16, 18, 30, 1]
    assert expanded(repeat) == list(repeat.starts)


@pytest.mark.parametrize(
    ("days", "weekdays"),
    [
        ("mondays and fridays", {0, 4}),
        ("tue+thu", {TUE, THU}),
        ("mon & wed", {0, 2}),
        ("tues/thurs", {TUE, THU}),
        ("saturdays", {5}),
    ],
)
def test_days_are_named_in_many_ways(times: TimeParser, days: str, weekdays: set[int]) -> None:
    repeat = read(times, f"{days} 9:30am for 4 weeks")
    assert {visit.weekday() for visit in local(repeat)} == weekdays
    assert len(repeat.starts) == 4 * len(weekdays)
    assert {visit.time() for visit in local(repeat)} == {time(9, 30)}


def test_for_three_months_counts_from_the_first_visit(times: TimeParser) -> None:
    repeat = read(times, "every tuesday 10am for 3 months")
    assert repeat.said == "every Tue at 10:00 AM, 14 visits (3 months)"
    assert local(repeat)[-1].date() == date(2027, 6, 1)  # the last Tuesday before 2 June


@pytest.mark.parametrize(
    "count", ["8 times", "8 visits", "x 8", "x8", "eight times", "for 8 visits"]
)
def test_a_count_is_its_own_field_or_part_of_the_phrase(times: TimeParser, count: str) -> None:
    assert is_count(count)
    assert len(read(times, "every friday 2pm", count).starts) == 8
    assert len(read(times, f"every friday 2pm {count}").starts) == 8


@pytest.mark.parametrize(
    ("clock", "wall"),
    [("7 a.m.", time(7)), ("14:00", time(14)), ("noon", time(12)), ("12am", time(0))],
)
def test_times_of_day(times: TimeParser, clock: str, wall: time) -> None:
    assert {visit.time() for visit in local(read(times, f"daily {clock} for 3 days"))} == {wall}


def test_the_fall_back_hour_is_its_first_pass_on_every_visit(times: TimeParser) -> None:
    repeat = read(times, "daily 1:30am from 2027-11-05 for 4 days")
    visits = local(repeat)
    assert {visit.time() for visit in visits} == {time(1, 30)}
    # 1:30 happens twice on 7 November; the visit is the first, still daylight time.
    assert visits[2].utcoffset() == timedelta(hours=-4)
    assert visits[3].utcoffset() == timedelta(hours=-5)
    assert expanded(repeat) == list(repeat.starts)


def test_a_series_is_said_in_the_askers_zone(times: TimeParser) -> None:
    london = ZoneInfo("Europe/London")
    repeat = read(times, "every tuesday 10am for 2 weeks", zone=london)
    assert repeat.zone == "Europe/London"
    assert repeat.said == "every Tue at 10:00 AM, 2 visits (2 weeks)"
    assert repeat.starts[0] == datetime(2027, 3, 2, 10, 0, tzinfo=UTC)  # GMT in March


# -- refused, with what is wrong and an example that reads ---------------------------------

REFUSED = [
    # (phrase, separate count, words the refusal must say)
    ("every blursday 10am", None, ['"blursday"', "monday, tuesday", "sun)"]),
    ("every tuesday for 6 weeks", None, ["Which time?"]),
    ("every tuesday 10am", None, ["end?", '"for 6 weeks"', '"until june 30"', '"8 times"']),
    ("every tuesday 10am for 6 weeks", "4 times", ['"for 6 weeks" and "4 times"', "twice"]),
    ("daily 8am", "500 times", ["500 visits", "at most 100", "in parts"]),
    ("every monday 9am until 2029-01-01", None, ["366 days", "Wed 8 Mar 2028", "in parts"]),
    ("every friday 9am from 2027-04-02 until 2027-03-20", None, ["before the first visit"]),
    ("every 3 weeks from 2027-02-01 9am", "8 times", ["Mon 1 Feb 2027", "already passed"]),
    ("every tuesday from today 9am for 2 weeks", None, ['"today 9am"', "already passed"]),
    ("daily 2:30am from 2027-03-14", "3 times", ["2:30 AM does not exist", "Sun 14 Mar 2027"]),
    ("daily 2:30am from 2027-03-10 for 10 days", None, ["Sun 14 Mar 2027", "Try 3:30 AM"]),
    ("every tuesday 10am", "0 times", ["0 visits", "at least 2"]),
    ("every tuesday 10am", "1 time", ["1 visit", "at least 2"]),
    ("every tuesday 10am until tomorrow", None, ["1 visit", "at least 2"]),
    ("every tuesday 10am for 0 weeks", None, ["0 visits", "at least 2"]),
    ("every tuesday 10am " * 12 + "for 2 weeks", None, ["too long", "at most 160"]),
    ("monthly 10am", "4 times", ["not the month", "every 4 weeks"]),
    ("every 4 months on tue 10am", "3 times", ["not the month"]),
    ("weekly 2pm", "4 times", ["Which day?"]),
    ("every tuesday 10am 2pm for 2 weeks", None, ["one time of day", '"10am" and "2pm"']),
    ("every tuesday 25pm for 2 weeks", None, ['"25pm" is not a time of day']),
    ("every tuesday at 10 for 2 weeks", None, ['"10"', "am or pm"]),
    ("every tuesday 10am until june 30 5pm", None, ['"until june 30 5pm" has a time']),
    ("every tuesday 10am until someday", None, ["The end date", '"someday"']),
    ("daily mon wed 8am for 2 weeks", None, ["not both"]),
    ("daily weekly 8am for 2 weeks", None, ["how often twice"]),
    ("10am for 6 weeks", None, ["How often?"]),
    ("every 60 weeks on mon 9am", "2 times", ["420 days apart", "366 days"]),
    ("every tuesday 10am", "several", ['"several" is not a number of visits']),
    ("every tuesday 10am for a fortnight", None, ['"for a fortnight"']),
    ("", None, ["how the visits repeat"]),
]


@pytest.mark.parametrize(("text", "count", "says"), REFUSED, ids=[r[0][:40] for r in REFUSED])
def test_refused_with_the_problem_and_an_example_that_reads(
    times: TimeParser, text: str, count: str | None, says: list[str]
) -> None:
    refused = refusal(times, text, count)
    for words in says:
        assert words in refused
    phrase, shown_count = example_of(refused)
    assert len(read(times, phrase, shown_count).starts) >= 2


def test_a_refused_series_too_long_shows_how_to_split_it(times: TimeParser) -> None:
    refused = refusal(times, "every monday 9am until 2029-01-01")
    assert refused.endswith("Example: every mon 9am until 2028-03-08")
    assert len(read(times, "every mon 9am until 2028-03-08").starts) == 53
    assert refusal(times, "daily 8am", "500 times").endswith("Example: every day 8am, 100 times")


def test_limits_can_be_set(times: TimeParser) -> None:
    short = SeriesLimit(max_occurrences=10, max_span=timedelta(days=30))
    refused = refusal(times, "daily 8am for 2 weeks", limit=short)
    assert "at most 10" in refused
    assert refused.endswith("Example: every day 8am, 10 times")
    assert "30 days" in refusal(times, "every monday 9am for 3 months", limit=short)
    assert len(read(times, "every monday 9am for 4 weeks", limit=short).starts) == 4


def test_over_long_text_is_refused_before_it_is_read(times: TimeParser) -> None:
    assert "too long" in refusal(times, "every tuesday " * 10_000)
    assert not looks_like_repeat("x" * 100_000)


# -- telling a repeat from the other fields of a quick booking ----------------------------


@pytest.mark.parametrize(
    "field",
    [
        "every tuesday and thursday 10am for 6 weeks",
        "mon wed fri 7am until 2027-06-30",
        "every 3 weeks from 2027-04-05 9am",
        "weekly on fridays 2pm",
        "daily 8am for 10 days",
        "every weekday 9am",
        "every other monday 11am",
        "tue+thu 9am",
        "mondays and fridays 9am",
        "tuesday 10am for 6 weeks",
        "every blursday 10am",  # read as a repeat, so the refusal names the day
        "every tuesday for 6 weeks",
    ],
)
def test_repeat_phrases_look_like_repeats(field: str) -> None:
    assert looks_like_repeat(field)


@pytest.mark.parametrize(
    "field",
    [
        "tuesday 10am",
        "next tuesday 9:30",
        "tomorrow 3pm",
        "dec 3 10:30",
        "2027-03-02 07:30",
        "in 2 hours",
        "wound check",
        "daily dressing",
        "weekly labs",
        "MRI",
        "45 min",
        "at Radiology 2",
        "with dr.patel",
        *KINDS,
    ],
)
def test_whens_kinds_and_places_do_not(field: str) -> None:
    assert not looks_like_repeat(field)


@pytest.mark.parametrize("field", ["45 min", "8", "times", "tomorrow 3pm", "x", "8 timesheets"])
def test_other_fields_are_no_count(field: str) -> None:
    assert not is_count(field)


# -- properties ------------------------------------------------------------------------------

ZONES = [NEW_YORK, ZoneInfo("UTC"), ZoneInfo("Europe/London"), ZoneInfo("Australia/Lord_Howe")]
NOWS = [
    NOW,
    datetime(2027, 3, 13, 23, 0, tzinfo=NEW_YORK),  # the night before the clocks go forward
    datetime(2027, 11, 6, 12, 0, tzinfo=NEW_YORK),
    datetime(2027, 6, 29, 20, 0, tzinfo=NEW_YORK),
    datetime(2027, 12, 31, 23, 30, tzinfo=UTC),
]
LIMITS = [SeriesLimit(), SeriesLimit(max_occurrences=10, max_span=timedelta(days=45))]
# Each part of a phrase: ways to say it right, then ways to get it wrong.
# fmt: off
PIECES = [
    (["every", "every other", "daily", "weekly", "biweekly", "fortnightly", "each",
      "every 3 weeks", "every 2 days", "every weekday", ""],
     ["monthly", "every 0 weeks", "every 99 weeks", "twice a week"]),
    (["tuesday", "tue", "mon/wed/fri", "tue+thu", "mon & wed", "mondays and fridays",
      "mon-fri", "sun", "weekdays", "fri-mon", ""],
     ["blursday", "tue,", "3/4"]),
    (["10am", "7 a.m.", "2:30am", "1:30am", "14:00", "noon", "at 9:15pm", "11:59pm", "12am"],
     ["25pm", "10", "9:75", ""]),
    (["from next monday", "from 2027-03-14", "starting tomorrow", "beginning on june 30",
      "from 2027-11-06", ""],
     ["from yesterday", "from 2027-02-01", "from", "from 2027-11-07 1:30am"]),
    (["for 6 weeks", "for a month", "for three months", "until june 30", "till 2027-12-20",
      "8 times", "x 6", "for 10 days", "for 2 weeks"],
     ["for 0 days", "until 2029-01-01", "for 400 days", "1 time", "until tomorrow 5pm",
      "for 99999999 months", ""]),
]
# fmt: on


@st.composite
def repeat_phrases(draw: st.DrawFn) -> str:
    """Near-valid phrases: the parts in the issue's order or shuffled, now and then one wrong."""
    parts = [
        draw(st.sampled_from(bad if draw(st.integers(0, 9)) == 0 else good)) for good, bad in PIECES
    ]
    if draw(st.integers(0, 3)) == 0:
        parts = draw(st.permutations(parts))
    return " ".join(part for part in parts if part)


def check_series(repeat: Repeat, now: datetime, zone: ZoneInfo, limit: SeriesLimit) -> None:
    visits = local(repeat)
    assert 2 <= len(repeat.starts) <= limit.max_occurrences
    assert all(start.tzinfo is UTC for start in repeat.starts)
    assert list(repeat.starts) == sorted(set(repeat.starts))
    assert repeat.starts[0] > now
    assert len({(visit.hour, visit.minute) for visit in visits}) == 1
    wall = [visit.replace(tzinfo=None) for visit in visits]
    assert wall[-1] - wall[0] <= limit.max_span
    assert repeat.zone == zone.key
    assert f", {len(repeat.starts)} visits" in repeat.said
    assert expanded(repeat) == list(repeat.starts)


@settings(max_examples=250)
@given(
    text=st.one_of(repeat_phrases(), strategies.hostile_text(2), st.text(max_size=80)),
    count=st.sampled_from([*[None] * 6, "8 times", "x 3", "1 time", "500 times", "lots"]),
    now=st.sampled_from(NOWS),
    zone=st.sampled_from(ZONES),
    limit=st.sampled_from(LIMITS),
)
@example(
    text="every day 2:30am from 2027-03-14",
    count="3 times",
    now=NOW,
    zone=NEW_YORK,
    limit=LIMITS[0],
)
@example(
    text="every fri-mon 11:59pm until june 30",
    count=None,
    now=NOWS[4],
    zone=ZONES[3],
    limit=LIMITS[0],
)
def test_a_phrase_reads_as_a_sound_series_or_is_refused_with_an_example_that_reads(
    times: TimeParser,
    text: str,
    count: str | None,
    now: datetime,
    zone: ZoneInfo,
    limit: SeriesLimit,
) -> None:
    try:
        repeat = read(times, text, count, now=now, zone=zone, limit=limit)
    except RepeatError as refused:
        # Examples keep to the limits in force; the default limits hold them all.
        phrase, shown_count = example_of(str(refused))
        shown = read(times, phrase, shown_count, now=now, zone=zone)
        check_series(shown, now, zone, SeriesLimit())
        return
    check_series(repeat, now, zone, limit)
    if count is None:
        assert looks_like_repeat(text)


@settings(max_examples=200)
@given(text=st.one_of(repeat_phrases(), strategies.hostile_text(3), st.text()))
def test_telling_a_field_apart_never_fails(text: str) -> None:
    looks_like_repeat(text)
    is_count(text)
