"""Natural-language dates and times, read on the user's own wall clock.

The user's local "now" goes to dateparser as a naive RELATIVE_BASE, without a
TIMEZONE setting (that pairing has had day-skipping bugs); the zone is attached here,
so DST gaps and overlaps are handled in one place. Anything dateparser reads only in
part is refused rather than guessed: a coordinator must never book a mis-read time.

The commonest forms, a day and a clock time ("tomorrow 3pm", "today at 9:30am",
"2027-03-02 14:00"), are read here without dateparser (one dateparser read costs about
0.3 ms, and a time takes three: the read, the ignored-number check, the offset check).
They read exactly as dateparser reads them; a property test holds the two side by side.
Anything else, or anything odd in them, goes to dateparser.
"""

from __future__ import annotations

import re
import threading
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateparser.date import DateData, DateDataParser

MAX_INPUT_CHARS = 64
MAX_YEARS_AWAY = 5
# Words that ask for the past on purpose; any other past reading is a misreading.
_PAST_WORDS = re.compile(r"\b(ago|last|yesterday|before|previous|past|earlier)\b", re.IGNORECASE)
EXAMPLES = 'Try "tomorrow 3pm", "next tuesday 9:30", "dec 3 10:30" or "2027-03-02 07:30".'

_SETTINGS: dict[str, Any] = {
    "PREFER_DATES_FROM": "future",
    "RETURN_TIME_AS_PERIOD": True,
    # No unix timestamps or glued digits ("0930" reads as the year 930).
    "PARSERS": ["relative-time", "custom-formats", "absolute-time"],
}
_COUNTED_WEEKS_OR_MONTHS = re.compile(
    r"\b(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
    r"\s+(?:weeks?|months?)\b",
    re.IGNORECASE,
)
_BASE_NUDGE = timedelta(minutes=7, seconds=13)
# A day, then a clock time: read by `_quick` (all of it, or it reads nothing).
_QUICK = re.compile(
    r"(?:(?P<relative>today|tomorrow)|(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2}))"
    r" (?:at )?"
    r"(?:(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))? ?(?P<half>am|pm)"
    r"|(?P<hour24>\d{1,2}):(?P<minute24>\d{2}))",
    re.IGNORECASE | re.ASCII,  # ASCII digits only: dateparser reads no other script's
)
_OTHER_DIGITS = str.maketrans("0123456789", "1234567890")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class TimeParseError(ValueError):
    """A date or time the user typed that could not be read; str() is the reply."""

    def __init__(self, problem: str, hint: str = EXAMPLES) -> None:
        super().__init__(f"{problem} {hint}")
        self.problem = problem


@dataclass(frozen=True)
class ParsedTime:
    """What the user meant: an aware instant in their zone, and whether they gave a time."""

    at: datetime
    has_time: bool
    text: str


class TimeParser:
    """Reads "tomorrow 3pm" and friends; one instance is shared by all request threads."""

    def __init__(self, *, quick: bool = True) -> None:
        # RELATIVE_BASE changes per call, so each call gets a light DateDataParser; the
        # costly part (locale data, compiled patterns) is cached by dateparser and reused.
        self._settings = dict(_SETTINGS)
        self._lock = threading.Lock()
        self.quick = quick  # False: dateparser reads everything (to check the quick reads)

    def warm(self) -> None:
        """Load dateparser's English data and read a time of each kind now (a quick form,
        one dateparser reads, a word that is no time), so the first real command is fast."""
        with self._lock:
            self._read("tomorrow 9am", datetime(2000, 1, 1, 12, 0))
        now = datetime(2000, 1, 3, 12, 0, tzinfo=UTC)
        for text in ("tomorrow 9am", "next tuesday 9:30", "in 2 hours", "consult"):
            with suppress(TimeParseError):
                self.parse(text, now, ZoneInfo("UTC"))

    def parse(self, text: str, now: datetime, tz: ZoneInfo) -> ParsedTime:
        """Read text as a date or date and time in tz, relative to now; raise TimeParseError."""
        words = " ".join(text.split())
        if not words:
            raise TimeParseError("I need a date or time, and got nothing.")
        if len(words) > MAX_INPUT_CHARS:
            raise TimeParseError(
                f"That is too long to be a date or time ({len(words)} characters; "
                f"I read at most {MAX_INPUT_CHARS})."
            )
        if now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        base = now.astimezone(tz).replace(tzinfo=None)
        quick = _quick(words, base) if self.quick else None
        elapsed: timedelta | None = None
        if quick is not None:  # every part of it read, and a clock time is no offset
            found, period = quick, "time"
        else:
            with self._lock:
                reading = self._read(words, base)
                if reading.date_obj is None:
                    raise TimeParseError(f'I couldn\'t read "{words}" as a date or time.')
                self._refuse_ignored_numbers(words, base, reading)
                elapsed = self._elapsed(words, base, reading)
            found = reading.date_obj
            # str, not the stubs' Literal: dateparser 1.5 also returns "part_of_day".
            period = reading.period or "day"
        if period not in ("day", "time") and not (
            period in ("week", "month") and _COUNTED_WEEKS_OR_MONTHS.search(words)
        ):
            noun = "part of a day" if period == "part_of_day" else f"a whole {period}"
            raise TimeParseError(f'I read "{words}" as {noun}, not one day I can book.')
        if abs(found.year - base.year) > MAX_YEARS_AWAY:
            raise TimeParseError(
                f'I read "{words}" as {format_date(found.date())}, '
                f"more than {MAX_YEARS_AWAY} years from today."
            )
        if found.date() < base.date() and not _PAST_WORDS.search(words):
            # dateparser reads some future phrases ("a week from today") as past dates.
            raise TimeParseError(
                f'I read "{words}" as {format_date(found.date())}, which has already passed.'
            )
        has_time = period == "time"
        if elapsed is not None:
            # "in 2 hours" is real time passing, even across a DST change.
            at = (now.astimezone(UTC) + elapsed).astimezone(tz).replace(second=0, microsecond=0)
        elif has_time:
            at = _on_wall_clock(found.replace(tzinfo=None, second=0, microsecond=0), tz)
        else:
            at = _start_of_day(found.date(), tz)
        if found.tzinfo is not None and found.utcoffset() != at.utcoffset():
            raise TimeParseError(
                f'"{words}" names a time zone other than yours ({tz.key}, '
                f"{at.tzname()} on that day).",
                "Leave the zone out and give the time in yours.",
            )
        return ParsedTime(at=at, has_time=has_time, text=words)

    def _read(self, words: str, base: datetime) -> DateData:
        """One dateparser call, relative to the naive local base; hold the lock."""
        parser = DateDataParser(
            languages=["en"], settings={**self._settings, "RELATIVE_BASE": base}
        )
        return parser.get_date_data(words)

    def _elapsed(self, words: str, base: datetime, reading: DateData) -> timedelta | None:
        """The offset from now when the time is one ("in 90 minutes", "now"), else None."""
        found = reading.date_obj
        if reading.period != "time" or found is None or found.tzinfo is not None:
            return None
        # A pure offset moves with the base; "tomorrow 9am" or "3pm" does not.
        other_base = base - _BASE_NUDGE
        other = self._read(words, other_base).date_obj
        if other is None or other - other_base != found - base:
            return None
        return found - base

    def _refuse_ignored_numbers(self, words: str, base: datetime, reading: DateData) -> None:
        """Refuse input where a number changes nothing, as in "tomorrow 25:00"."""
        tokens = words.split(" ")
        for i, token in enumerate(tokens):
            if not any(c.isdigit() for c in token):
                continue
            altered = [*tokens[:i], token.translate(_OTHER_DIGITS), *tokens[i + 1 :]]
            other = self._read(" ".join(altered), base)
            if (other.date_obj, other.period) == (reading.date_obj, reading.period):
                raise TimeParseError(f'I couldn\'t tell what "{token}" means in "{words}".')


def _quick(words: str, base: datetime) -> datetime | None:
    """A day and a clock time as dateparser reads them, relative to the naive local base;
    None for any other text, and for any it would read otherwise (then dateparser reads)."""
    found = _QUICK.fullmatch(words)
    if found is None:
        return None
    if found["relative"] is not None:
        day = base.date() + timedelta(days=found["relative"].lower() == "tomorrow")
    else:
        try:
            day = date(int(found["year"]), int(found["month"]), int(found["day"]))
        except ValueError:
            return None  # no such day: dateparser says so
    if found["half"] is not None:
        hour, minute = int(found["hour"]), int(found["minute"] or 0)
        if not 1 <= hour <= 12:
            return None  # "0am", "13pm": dateparser drops them, and the number is refused
        hour = hour % 12 + (12 if found["half"].lower() == "pm" else 0)
    else:
        hour, minute = int(found["hour24"]), int(found["minute24"])
    if hour > 23 or minute > 59:
        return None
    if (hour, minute) == (base.hour, base.minute):
        return None  # dateparser takes a time equal to the base's for no time at all
    return datetime.combine(day, time(hour, minute))


def _on_wall_clock(wall: datetime, tz: ZoneInfo) -> datetime:
    """Attach tz to a naive local time, refusing times the DST gap skips."""
    # In the fall-back overlap the first occurrence (fold=0, still daylight time) wins.
    at = wall.replace(tzinfo=tz, fold=0)
    shifted = at.astimezone(UTC).astimezone(tz)
    if shifted.replace(tzinfo=None) != wall:
        raise TimeParseError(
            f"{_clock(wall)} does not exist on {format_date(wall.date())} in {tz.key}: "
            "the clocks jump forward that night.",
            f"Try {_clock(shifted)} or another time.",
        )
    return at


def _start_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of a local day (01:00 where DST starts at midnight)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC).astimezone(tz)


def _clock(local: datetime) -> str:
    """7:30 AM."""
    return f"{local.hour % 12 or 12}:{local.minute:02d} {_meridiem(local)}"


def _meridiem(local: datetime) -> str:
    """AM or PM."""
    return "AM" if local.hour < 12 else "PM"


def _local(at: datetime, tz: ZoneInfo) -> datetime:
    """An aware instant on tz's wall clock; naive datetimes are a bug."""
    if at.utcoffset() is None:
        raise ValueError("display needs a timezone-aware datetime")
    return at.astimezone(tz)


def format_date(day: date) -> str:
    """Tue 2 Mar 2027."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def format_when(at: datetime, tz: ZoneInfo, *, with_time: bool = True) -> str:
    """Tue 2 Mar 2027, 7:30 AM EST (or just the date) on tz's wall clock."""
    local = _local(at, tz)
    if not with_time:
        return format_date(local.date())
    return f"{format_date(local.date())}, {_clock(local)} {local.tzname()}"


def format_span(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """Tue 2 Mar 2027, 7:30-10:30 AM EST; both dates when the span crosses midnight."""
    if end < start:
        raise ValueError("a span cannot end before it starts")
    first, last = _local(start, tz), _local(end, tz)
    zone = last.tzname()
    if first.date() != last.date():
        start_zone = "" if first.tzname() == zone else f" {first.tzname()}"
        return (
            f"{format_date(first.date())}, {_clock(first)}{start_zone} - "
            f"{format_date(last.date())}, {_clock(last)} {zone}"
        )
    if first.tzname() != zone:
        return (
            f"{format_date(first.date())}, {_clock(first)} {first.tzname()}-{_clock(last)} {zone}"
        )
    if _meridiem(first) == _meridiem(last):
        start_clock = f"{first.hour % 12 or 12}:{first.minute:02d}"
    else:
        start_clock = _clock(first)
    return f"{format_date(first.date())}, {start_clock}-{_clock(last)} {zone}"
