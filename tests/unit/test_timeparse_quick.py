"""The common forms ("tomorrow 3pm", "2027-03-02 14:00") are read without dateparser: every
one of them must read, or be refused, exactly as dateparser alone would have it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.shared.rules import timeparse
from bot.shared.rules.timeparse import ParsedTime, TimeParseError, TimeParser

QUICK, DATEPARSER = TimeParser(), TimeParser(quick=False)
NEW_YORK = ZoneInfo("America/New_York")
# DST at 2 am, at 1 am (London), none (Tokyo), half an hour (Lord Howe), and UTC.
ZONES = st.sampled_from(
    [ZoneInfo(z) for z in ("America/New_York", "Europe/London", "Asia/Tokyo",
                           "Australia/Lord_Howe", "UTC")]
)  # fmt: skip


def outcome(parser: TimeParser, text: str, now: datetime, zone: ZoneInfo) -> object:
    try:
        return parser.parse(text, now, zone)
    except TimeParseError as refused:
        return f"refused: {refused}"


def read_quickly(text: str, now: datetime, zone: ZoneInfo) -> bool:
    base = now.astimezone(zone).replace(tzinfo=None)
    return timeparse._quick(" ".join(text.split()), base) is not None


@st.composite
def days_and_times(draw: st.DrawFn) -> str:
    """Texts in the quick form and just beside it: hours and minutes out of range, days that
    do not exist, any case, with and without "at"."""
    day = draw(
        st.sampled_from(["today", "tomorrow", "Tomorrow", "TODAY"])
        | st.builds(
            "{}-{:02d}-{:02d}".format,
            st.integers(2024, 2034), st.integers(0, 13), st.integers(0, 32),
        )
    )  # fmt: skip
    at = draw(st.sampled_from(["", "at ", "At "]))
    hour = draw(st.integers(0, 25))
    minute = draw(st.none() | st.integers(0, 61))
    clock = f"{hour}" if minute is None else f"{hour}:{minute:02d}"
    if minute is None or draw(st.booleans()):
        clock += draw(st.sampled_from(["am", "pm", " am", " PM", "Pm"]))
    elif draw(st.booleans()):
        clock = f"{hour:02d}:{minute:02d}"
    return f"{day} {at}{clock}"


NOWS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(text=days_and_times(), now=NOWS, zone=ZONES)
@example(text="tomorrow 3pm", now=datetime(2027, 3, 6, 22, 30, tzinfo=UTC), zone=NEW_YORK)
@example(text="today 9am", now=datetime(2027, 3, 6, 14, 0, tzinfo=UTC), zone=NEW_YORK)
@example(text="tomorrow 2:30am", now=datetime(2027, 3, 13, 12, 0, tzinfo=UTC), zone=NEW_YORK)
@example(text="tomorrow 1:30am", now=datetime(2027, 11, 6, 12, 0, tzinfo=UTC), zone=NEW_YORK)
@example(text="tomorrow 3pm", now=datetime(2026, 12, 31, 23, 59, tzinfo=UTC), zone=ZoneInfo("UTC"))
@example(text="2027-02-29 10:00", now=datetime(2027, 1, 1, tzinfo=UTC), zone=NEW_YORK)
@example(text="tomorrow \uff13pm", now=datetime(2027, 3, 2, 12, 0, tzinfo=UTC), zone=NEW_YORK)
@example(text="today ٠٩:٣٠", now=datetime(2027, 3, 2, 12, 0, tzinfo=UTC), zone=NEW_YORK)
def test_a_quick_read_is_the_read_dateparser_gives(
    text: str, now: datetime, zone: ZoneInfo
) -> None:
    assert outcome(QUICK, text, now, zone) == outcome(DATEPARSER, text, now, zone)


@settings(max_examples=100, deadline=None)
@given(now=NOWS, zone=ZONES, day=st.sampled_from(["today", "tomorrow"]), data=st.data())
def test_a_clock_equal_to_nows_reads_as_dateparser_reads_it(
    now: datetime, zone: ZoneInfo, day: str, data: st.DataObject
) -> None:
    """dateparser takes a time equal to now's clock for no time given; so does carebot."""
    local = now.astimezone(zone)
    now = now.replace(second=0, microsecond=0) if data.draw(st.booleans()) else now
    text = f"{day} {local.hour:02d}:{local.minute:02d}"
    assert outcome(QUICK, text, now, zone) == outcome(DATEPARSER, text, now, zone)


@pytest.mark.parametrize(
    "text",
    ["tomorrow 3pm", "today at 9:30am", "Tomorrow 3 PM", "tomorrow 15:00", "2027-03-02 07:30"],
)
def test_the_common_forms_are_read_without_dateparser(text: str) -> None:
    now = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    assert read_quickly(text, now, NEW_YORK)
    parsed = QUICK.parse(text, now, NEW_YORK)
    assert isinstance(parsed, ParsedTime) and parsed.has_time


@pytest.mark.parametrize(
    "text",
    [
        "3pm",  # dateparser's day for a bare time is its own (not always today)
        "next tuesday 9am",
        "in 2 hours",
        "tomorrow 13pm",
        "tomorrow 0am",
        "tomorrow 24:00",
        "tomorrow 9:5am",
        "tomorrow 3",
        "2027-02-30 10:00",
        "tomorrow 3pm EST",
        "tomorrow 3pm or 4pm",
        "tomorrow \uff13pm",  # digits of other scripts: dateparser reads none of them
        "tomorrow ٣pm",
        "today ٠٩:٣٠",
        "2027-03-02 \uff11\uff10:\uff10\uff10",
        "tomorrow \U0001d7d1pm",
    ],
)
def test_anything_else_goes_to_dateparser(text: str) -> None:
    assert not read_quickly(text, datetime(2027, 3, 1, 12, 0, tzinfo=UTC), NEW_YORK)


def test_a_quick_read_takes_no_dateparser_call(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dateparser(*_: object) -> None:
        raise AssertionError("dateparser was asked")

    parser = TimeParser()
    monkeypatch.setattr(parser, "_read", no_dateparser)
    now = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    assert parser.parse("tomorrow 3pm", now, NEW_YORK).at == datetime(
        2027, 3, 2, 15, 0, tzinfo=NEW_YORK
    )
    with pytest.raises(AssertionError):
        parser.parse("next tuesday 9am", now, NEW_YORK)
