"""Properties of the quick forms and the date reader over hostile and near-valid input.

Whatever is typed, a quick form either reads it or refuses it with its own refusal, and
the refusal shows an example that itself reads; the date reader either refuses or gives
back an instant it can show the user, never one it guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import tests.fuzz  # noqa: F401 - loads the suite's hypothesis profile
from bot.appointments.rules import quickform as booking
from bot.handoffs.lists import read_quick
from bot.handoffs.rules.handoff import QUICK_USAGE, HandoffRefused
from bot.preapprovals.rules import quickform as preauth
from bot.sandbox.mrkdwn import encode_typed
from bot.sandbox.seed import default_seed
from bot.shared.rules.durations import DurationError
from bot.shared.rules.patients import QuickFormError
from bot.shared.rules.timeparse import MAX_YEARS_AWAY, ParsedTime, TimeParseError, TimeParser
from tests.fuzz import strategies

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=NEW_YORK)  # Monday 1 March 2027, 10:00
_PAST_WORDS = re.compile(r"\b(ago|last|yesterday|before|previous|past|earlier)\b", re.IGNORECASE)
SPACE = default_seed()

# Every example a refusal may show, and the form it must read in (checked below), so a
# new refusal without an example, or with one that does not read, fails here.
BOOK = "Jane Doe, MRI, tomorrow 3pm"
REQUEST = "Jane Doe, Aetna, MRI lumbar spine 72148"
EXAMPLES = {
    booking.USAGE: booking.USAGE.removeprefix("/appt book "),
    "with @dr.patel": f"{BOOK}, with @dr.patel",
    "at Radiology 2": f"{BOOK}, at Radiology 2",
    "Omar Haddad MRN 88123": "Omar Haddad MRN 88123, MRI, tomorrow 3pm",
    "Omar Haddad MRN 88123, or P-4": "P-4, MRI, tomorrow 3pm",
    "MRI, follow-up, lab or surgery.": "Jane Doe, follow-up, tomorrow 3pm",
    "45 min or 1h30.": f"{BOOK}, 1h30",
    preauth.USAGE: preauth.USAGE.removeprefix("/preauth new "),
    "owner @dana": f"{REQUEST}, owner @dana",
    "needed by friday": f"{REQUEST}, needed by friday",
    "dx M54.5 M51.26": f"{REQUEST}, dx M54.5 M51.26",
    "Aetna": REQUEST,
    "MRI lumbar spine 72148": REQUEST,
    "REF-778812": f"{REQUEST}, ref REF-778812",
    QUICK_USAGE: QUICK_USAGE.removeprefix("/handoff "),
}
# A patient ref that already names the patient shows a booking for that ref.
_REF_EXAMPLE = re.compile(r"/appt book (P-\d+), follow-up, tomorrow 3pm")
_EXAMPLE = re.compile(r"(?:Example: `([^`]+)`|as in `([^`]+)`|Example: (.+?)\s*$)", re.DOTALL)


@pytest.fixture(scope="module")
def times() -> TimeParser:
    parser = TimeParser()
    parser.warm()
    return parser


def reads_as_time(times: TimeParser) -> Callable[[str], bool]:
    def is_time(text: str) -> bool:
        try:
            times.parse(text, NOW, NEW_YORK)
        except TimeParseError:
            return False
        return True

    return is_time


def slack_sends(typed: str) -> str:
    """What Slack delivers for typed text in a slash command (should_escape=true)."""
    return encode_typed(typed, SPACE, with_labels=True)


def shown_example(refusal: str) -> str:
    """The example a refusal ends with; fails the test when there is none."""
    found = _EXAMPLE.search(refusal)
    assert found is not None, f"a refusal without an example: {refusal!r}"
    return next(group for group in found.groups() if group is not None)


def assert_known_example(refusal: str) -> None:
    example_text = shown_example(refusal)
    if _REF_EXAMPLE.fullmatch(example_text):
        return
    assert example_text in EXAMPLES, f"an example not checked to read: {example_text!r}"


@pytest.mark.parametrize("shown", sorted(EXAMPLES))
def test_every_example_a_refusal_shows_reads(shown: str, times: TimeParser) -> None:
    text = slack_sends(EXAMPLES[shown])
    if shown == QUICK_USAGE:
        read_quick(text, "C0CARDIO1")
    elif "Aetna" in text:
        preauth.parse_quick_request(text)
    else:
        booking.parse_quick_booking(text, reads_as_time(times))


@settings(max_examples=60)
@given(
    text=st.one_of(
        strategies.appt_book().map(lambda t: t.removeprefix("book ")), strategies.hostile_text()
    )
)
@example(text="Jane Doe, MRI, 31/02")
@example(text="<!channel>, MRI, tomorrow 3pm, with <!here>")
@example(text="<!channel>, <!channel>, <!channel>")  # two kinds and no when
@example(text="Jane Doe, MRI, tomorrow 3pm, 0 min")
def test_a_quick_booking_reads_or_is_refused_with_an_example(text: str, times: TimeParser) -> None:
    is_time = reads_as_time(times)
    try:
        read = booking.parse_quick_booking(text, is_time)
    except (QuickFormError, DurationError) as refused:
        assert_known_example(str(refused))
        return
    assert is_time(read.when), "a booking's when must be a time the reader read"
    assert read.patient.name or read.patient.ref


@settings(max_examples=150)
@given(
    text=st.one_of(
        strategies.preauth_new().map(lambda t: t.removeprefix("new ")), strategies.hostile_text()
    )
)
@example(text="Jane Doe, " + "A" * 121 + ", MRI")
@example(text="Jane Doe, Aetna, " + "MRI " * 51)
@example(text="Jane Doe, Aetna, MRI, ref " + "R" * 65)
@example(text="Jane Doe, Aetna, MRI, dx " + "M54.5 " * 40)
def test_a_quick_request_reads_or_is_refused_with_an_example(text: str) -> None:
    try:
        preauth.parse_quick_request(text)
    except QuickFormError as refused:
        assert_known_example(str(refused))


@settings(max_examples=150)
@given(text=st.one_of(strategies.handoff_quick(), strategies.hostile_text()))
@example(text="<>: stable overnight, recheck K+ at 6am")
def test_a_quick_handoff_reads_or_is_refused_with_an_example(text: str) -> None:
    try:
        handoff = read_quick(text, "C0CARDIO1")
    except HandoffRefused as refused:
        assert_known_example(str(refused))
        return
    # The patient and the summary are checked by the use case; what is read here is plain
    # text, and a receiver is a Slack id, never a token that could ping a crowd.
    receiver = handoff.receiver
    assert receiver.user_id is None or re.fullmatch(r"[UW][A-Z0-9]+", receiver.user_id)
    assert receiver.group_id is None or re.fullmatch(r"[A-Z0-9]+", receiver.group_id)


def check_reading(text: str, parsed: ParsedTime) -> None:
    """A reading the user can be shown: in their zone, not far off, not quietly in the past."""
    assert parsed.text == " ".join(text.split())
    assert parsed.at.tzinfo == NEW_YORK
    assert abs(parsed.at.year - NOW.year) <= MAX_YEARS_AWAY
    if parsed.at.date() < NOW.date():
        assert _PAST_WORDS.search(text), f"{text!r} read as a past day"
    if not parsed.has_time:
        assert (parsed.at.hour, parsed.at.minute) == (0, 0)


@settings(max_examples=150)
@given(text=st.one_of(strategies.when, strategies.hostile_text(2)))
@example(text="tomorrow 25pm")
@example(text="year 99999")
def test_the_date_reader_reads_and_tells_or_refuses(text: str, times: TimeParser) -> None:
    try:
        parsed = times.parse(text, NOW, NEW_YORK)
    except TimeParseError as refused:
        assert str(refused).strip()
        return
    check_reading(text, parsed)
