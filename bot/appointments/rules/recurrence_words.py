"""The words of a repeat phrase: read into its parts (how often, the time, the start, the end)
and said back (to the asker, as an example that reads, as an RFC 5545 RRULE).

Nothing here knows the calendar: "from next monday" stays text until recurrence.py reads it.
The fixed examples read on any day (they name no date, so none goes stale).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import TypeVar

EXAMPLE = "every tuesday and thursday 10am for 6 weeks"
FROM_EXAMPLE = "every 3 weeks from next monday 9am, 8 times"
ENDS = '"for 6 weeks", "until june 30" or "8 times"'
DAILY, WEEKLY = "DAILY", "WEEKLY"

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SHORT_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
RFC_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAYS = (0, 1, 2, 3, 4)
DAY_LIST = (
    "monday, tuesday, wednesday, thursday, friday, saturday and sunday "
    "(or mon, tue, wed, thu, fri, sat, sun)"
)
DAYS = {
    word: number
    for number, name in enumerate(DAY_NAMES)
    for word in (name, name + "s", name[:3], name[:3] + "s")
} | {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
_NUMBER_NAMES = "zero one two three four five six seven eight nine ten eleven twelve"
NUMBER_WORDS = {word: number for number, word in enumerate(_NUMBER_NAMES.split())}
# Words that only join the others: "every tuesday and thursday", "weekly on fridays at 2pm".
_FILLERS = frozenset({"every", "each", "on", "and", "at", "the", "a"})
_RANGE_WORDS = frozenset({"-", "to", "through", "thru"})  # mon-fri, mon to fri
# How often, said in one word: (frequency, interval).
_RHYTHM_WORDS = {
    "daily": (DAILY, 1),
    "weekly": (WEEKLY, 1),
    "biweekly": (WEEKLY, 2),
    "fortnightly": (WEEKLY, 2),
}
_UNITS = {"day": DAILY, "days": DAILY, "week": WEEKLY, "weeks": WEEKLY}
_WEEKDAY_WORDS = frozenset({"weekday", "weekdays"})

_NUMBER = r"[0-9]{1,9}|" + "|".join(NUMBER_WORDS)
NUMBER = re.compile(_NUMBER)
# A clock time: 10am, 2:30 pm, 7 a.m., 14:00, noon; "at" before it belongs to it.
CLOCK = re.compile(
    r"(?<!\S)(?:at\s+)?(?:(?P<hour>[0-9]{1,2})(?::(?P<minute>[0-9]{2}))?\s*"
    r"(?P<half>a\.?m\.?|p\.?m\.?)|(?P<hour24>[0-9]{1,2}):(?P<minute24>[0-9]{2})|(?P<noon>noon))"
    r"(?!\S)"
)
# A count of visits: "8 times", "for 4 visits", "x 6".
COUNT = re.compile(
    rf"(?<!\S)(?:(?:for\s+)?(?P<count>{_NUMBER})\s+(?:times?|visits?|sessions?)"
    r"|[x\u00d7]\s*(?P<times>[0-9]{1,9}))(?!\S)"
)
# How long: "6 weeks", "a month" (after "for").
LENGTH = re.compile(rf"(?P<number>{_NUMBER}|an?)\s+(?P<unit>days?|weeks?|months?)(?!\S)")
# Where a clause begins; a from/until/for clause runs to the next of these or the end.
_CLAUSE = re.compile(
    r"(?<!\S)(?P<key>from|starting(?:\s+on|\s+from)?|beginning(?:\s+on)?|until|till|til|for"
    r"|every|each|daily|weekly|biweekly|fortnightly)(?!\S)"
)
RULE_WORDS = re.compile(r"(?<!\S)(?:every|each|daily|weekly|biweekly|fortnightly)(?!\S)")
_T = TypeVar("_T", str, int)


class RepeatError(ValueError):
    """A repeat phrase that cannot be booked; str() is the reply, ending with a correct example."""

    def __init__(self, problem: str, example: str = EXAMPLE) -> None:
        super().__init__(f"{problem} Example: {example}")


@dataclass(frozen=True)
class Rhythm:
    """How often: FREQ, INTERVAL and BYDAY (Monday 0; none: the first visit's weekday)."""

    frequency: str
    interval: int
    days: tuple[int, ...]


@dataclass
class Typed:
    """A phrase in parts, each as typed: the rest (how often, the time) and its clauses."""

    rest: str
    starting: list[str] = field(default_factory=list)  # "next monday 9am"
    until: list[str] = field(default_factory=list)  # "june 30"
    lengths: list[str] = field(default_factory=list)  # "6 weeks"
    counts: list[str] = field(default_factory=list)  # "8 times"


def normal(text: str) -> str:
    """Lower case, commas and runs of spaces as one space."""
    return " ".join(text.lower().replace("bi-weekly", "biweekly").replace(",", " ").split())


def tokens(text: str) -> list[str]:
    """Words, with "/", "&" and "+" apart and a "-" between letters a word of its own."""
    for joiner in "/&+":
        text = text.replace(joiner, " ")
    spaced = "".join(
        " - " if c == "-" and text[i - 1 : i].isalpha() and text[i + 1 : i + 2].isalpha() else c
        for i, c in enumerate(text)
    )
    return [word.strip(".") or word for word in spaced.split()]


def split(phrase: str) -> Typed:
    """Take out the "from", "until" and "for" clauses; each runs to the next clause, rule
    word or count of visits."""
    typed, rest = Typed(rest=""), []
    key, at = "", 0
    for mark in [*_CLAUSE.finditer(phrase), None]:
        segment = phrase[at : mark.start() if mark else len(phrase)].strip()
        if key == "for":
            found = COUNT.match(segment) or LENGTH.match(segment)
            if found is None:
                raise RepeatError(f'I couldn\'t read "for {segment}"; say for how long.')
            (typed.counts if found.re is COUNT else typed.lengths).append(found[0])
            segment = segment[found.end() :]
        elif key:
            count = COUNT.search(segment)
            clause = segment[: count.start()] if count else segment
            (typed.until if key in ("until", "till", "til") else typed.starting).append(
                clause.strip()
            )
            segment = segment[len(clause) :]
        rest.append(segment)
        if mark is not None:
            rule_word = RULE_WORDS.fullmatch(mark["key"]) is not None
            key, at = ("", mark.start()) if rule_word else (mark["key"], mark.end())
    typed.rest = " ".join(rest)
    typed.counts.extend(found[0] for found in COUNT.finditer(typed.rest))
    typed.rest = COUNT.sub(" ", typed.rest)
    return typed


def read_rhythm(text: str) -> Rhythm:
    """How often, from what is left once the clauses and the time are out."""
    frequency: str | None = None
    interval: int | None = None
    days: list[int] = []
    words = tokens(text)
    skip = 0
    for i, word in enumerate(words):
        after = words[i + 1 : i + 3]
        if skip:
            skip -= 1
        elif word in _FILLERS:
            continue
        elif word in DAYS:
            if len(after) == 2 and after[0] in _RANGE_WORDS and after[1] in DAYS:
                start, end = DAYS[word], DAYS[after[1]]
                days.extend((start + n) % 7 for n in range((end - start) % 7 + 1))
                skip = 2
            else:
                days.append(DAYS[word])
        elif word in _WEEKDAY_WORDS:
            days.extend(WEEKDAYS)
        elif word == "other":
            interval = _once(interval, 2, text)
        elif word in _RHYTHM_WORDS:
            often, every = _RHYTHM_WORDS[word]
            frequency = _once(frequency, often, text)
            interval = interval if every == 1 else _once(interval, every, text)
        elif word in _UNITS:
            frequency = _once(frequency, _UNITS[word], text)
        elif NUMBER.fullmatch(word) and after[:1] and after[0] in _UNITS:
            interval = _once(interval, number(word), text)
            frequency, skip = _once(frequency, _UNITS[after[0]], text), 1
        else:
            raise _unknown(word, after[0] if after else "")
    if days and frequency == DAILY:
        raise RepeatError('Say "daily" or name the days, not both.')
    if not days and frequency is None:
        raise RepeatError('How often? Name the days, or say "daily" or "every 3 weeks".')
    if interval == 0:
        raise RepeatError("Visits 0 days apart are no series; say how far apart.")
    return Rhythm(frequency or WEEKLY, interval or 1, tuple(sorted(set(days))))


def _once(said: _T | None, saying: _T, text: str) -> _T:
    """The one way a phrase says how often; refuse two that disagree."""
    if said is not None and said != saying:
        raise RepeatError(f'"{" ".join(text.split())}" says how often twice; say it once.')
    return saying


def _unknown(word: str, following: str) -> RepeatError:
    if {word, following} & {"month", "months", "monthly"}:
        return RepeatError(
            'I repeat visits by the day or the week, not the month: say "every 4 weeks".',
            "every 4 weeks on tue 10am, 6 times",
        )
    if word.isalpha() and word.endswith(("day", "days")):
        return RepeatError(f'I don\'t know the day "{word}". The days are {DAY_LIST}.')
    if word.isdigit():
        return RepeatError(
            f'I couldn\'t tell what "{word}" means: give a time with am or pm ("10am") or '
            'a unit ("every 3 weeks").'
        )
    return RepeatError(
        f'I couldn\'t read "{word}" in a repeat. Say how often, at what time and for how long.'
    )


def read_clock(clock: re.Match[str]) -> time:
    """The time a CLOCK match names; refuse "25pm" or "9:75"."""
    if clock["noon"]:
        return time(12)
    if clock["hour24"] is not None:
        hour, minute = int(clock["hour24"]), int(clock["minute24"])
        real = hour <= 23 and minute <= 59
    else:
        hour, minute = int(clock["hour"]), int(clock["minute"] or 0)
        real = 1 <= hour <= 12 and minute <= 59
        hour = hour % 12 + (12 if clock["half"].startswith("p") else 0)
    if not real:
        raise RepeatError(f'"{clock[0]}" is not a time of day.')
    return time(hour, minute)


def phrase(rhythm: Rhythm, first: datetime, *, dated: bool, end: str) -> str:
    """A series as a phrase that reads back the same: every tue thu 10am, 4 times."""
    unit = "days" if rhythm.frequency == DAILY else "weeks"
    often = f"every {rhythm.interval} {unit}" if rhythm.interval > 1 else f"every {unit[:-1]}"
    if rhythm.days:
        names = " ".join(DAY_NAMES[day][:3] for day in rhythm.days)
        often = f"{often} on {names}" if rhythm.interval > 1 else f"every {names}"
    minute = f":{first.minute:02d}" if first.minute else ""
    clock = f"{first.hour % 12 or 12}{minute}{'am' if first.hour < 12 else 'pm'}"
    start = f" from {first.date().isoformat()}" if dated else ""
    return f"{often} {clock}{start}{end}"


def said(rhythm: Rhythm, first: datetime) -> str:
    """every Tue and Thu at 10:00 AM; every weekday; every 2 weeks on Mon; every day."""
    days = rhythm.days or (first.weekday(),)
    if rhythm.frequency == DAILY:
        often = "every day" if rhythm.interval == 1 else f"every {rhythm.interval} days"
    elif days == WEEKDAYS and rhythm.interval == 1:
        often = "every weekday"
    elif rhythm.interval == 1:
        often = f"every {day_names(days)}"
    else:
        often = f"every {rhythm.interval} weeks on {day_names(days)}"
    return f"{often} at {clock_said(first.time())}"


def clock_said(at: time) -> str:
    """10:00 AM."""
    return f"{at.hour % 12 or 12}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'}"


def count_of(text: str) -> int:
    """The number of visits in "8 times" or "x 8"; refuse fewer than a series has."""
    found = COUNT.fullmatch(text)
    count = number(found["count"] or found["times"]) if found else 0
    if count < 2:
        raise RepeatError(
            f'"{text}" is {count} visit{"" if count == 1 else "s"}; a series needs at least 2. '
            "Book a single visit with a date and time alone."
        )
    return count


def rule_text(rhythm: Rhythm, count: int, until: datetime | None) -> str:
    """FREQ=WEEKLY;BYDAY=TU,TH;COUNT=12; UNTIL in UTC, as RFC 5545 asks beside a zoned DTSTART."""
    parts = [f"FREQ={rhythm.frequency}"]
    if rhythm.interval > 1:
        parts.append(f"INTERVAL={rhythm.interval}")
    if rhythm.days:
        parts.append("BYDAY=" + ",".join(RFC_DAYS[day] for day in rhythm.days))
    if rhythm.interval > 1 and len(rhythm.days) > 1:
        parts.append("WKST=MO")  # where a week starts decides which days its skipped weeks hold
    parts.append(f"UNTIL={until:%Y%m%dT%H%M%SZ}" if until else f"COUNT={count}")
    return ";".join(parts)


def number(word: str) -> int:
    """6, "six" or "a"; the patterns above let only these through."""
    if word in ("a", "an"):
        return 1
    return NUMBER_WORDS[word] if word in NUMBER_WORDS else int(word)


def length_said(length: str) -> str:
    """ "six weeks" or "a month" as 6 weeks or 1 month."""
    found = LENGTH.fullmatch(length)
    if found is None:
        return length
    count, unit = number(found["number"]), found["unit"].removesuffix("s")
    return f"{count} {unit}{'' if count == 1 else 's'}"


def day_names(days: tuple[int, ...]) -> str:
    """Tue and Thu; Mon, Wed and Fri."""
    names = [SHORT_DAYS[day] for day in days]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
