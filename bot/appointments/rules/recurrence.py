"""Recurring visits: "every tuesday and thursday 10am for 6 weeks" becomes an RFC 5545 rule.

The first visit is the first matching day after now, or on or after a typed "from" date;
the end is a count, a length counted from the first visit ("for 6 weeks") or "until
<date>" (that whole day). Visits keep their wall-clock time across DST changes: dateutil
expands the rule on naive local times, then each is placed in the zone. A time the clocks
skip refuses the series rather than dropping or shifting a visit, since calendars reading
the stored rule shift such a time forward (RFC 5545 3.3.5) and would disagree with the
booked one; a time the clocks repeat is the first of the two, as RFC 5545 says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, MO, WEEKLY, rrule, weekdays

from bot.appointments.rules import recurrence_words as words
from bot.appointments.rules.recurrence_words import RepeatError, Rhythm
from bot.shared.rules.timeparse import (
    ParsedTime,
    TimeParseError,
    TimeParser,
    format_date,
    format_when,
)

__all__ = [
    "DEFAULT_SERIES_LIMIT",
    "Repeat",
    "RepeatError",
    "SeriesLimit",
    "is_count",
    "looks_like_repeat",
    "read_repeat",
]

MAX_INPUT_CHARS = 160  # one field of a quick booking; timeparse reads dates of up to 64
_FREQUENCIES: dict[str, Literal[2, 3]] = {words.DAILY: DAILY, words.WEEKLY: WEEKLY}


@dataclass(frozen=True)
class SeriesLimit:
    """How far one series may reach."""

    max_occurrences: int = 100
    max_span: timedelta = timedelta(days=366)


DEFAULT_SERIES_LIMIT = SeriesLimit()


@dataclass(frozen=True)
class Repeat:
    """A series read from a phrase: its rule, every start it gives, and how carebot says it."""

    rrule: str  # RFC 5545 RRULE value, without "RRULE:"
    starts: tuple[datetime, ...]  # aware, UTC, ascending, at least 2
    zone: str  # the IANA zone of the rule's wall clock
    said: str  # every Tue and Thu at 10:00 AM, 12 visits (6 weeks)

    def rfc5545(self) -> str:
        """DTSTART on the zone's wall clock and the RRULE: the lines that expand to `starts`."""
        first = self.starts[0].astimezone(ZoneInfo(self.zone))
        return f"DTSTART;TZID={self.zone}:{first:%Y%m%dT%H%M%S}\nRRULE:{self.rrule}"


def looks_like_repeat(field: str) -> bool:
    """Whether a quick-booking field is a repeat phrase (so quickform does not read it as a
    kind or a when): a rhythm word with a time, day or end; or days with an end, or
    several days with a time ("tue+thu 9am"). "tuesday 10am" is one visit."""
    text = words.normal(field[: 4 * MAX_INPUT_CHARS])
    tokens = words.tokens(text)
    days = {word for word in tokens if word in words.DAYS}
    ends = bool(words.COUNT.search(text) or words.LENGTH.search(text)) or "until" in tokens
    timed = words.CLOCK.search(text) is not None
    if words.RULE_WORDS.search(text) or {"weekday", "weekdays"} & set(tokens):
        return timed or bool(days) or ends
    several = len({words.DAYS[day] for day in days}) > 1 or any(
        day.endswith("s") and day not in ("tues", "weds", "thurs") for day in days
    )
    return bool(days) and (ends or (several and timed))


def is_count(field: str) -> bool:
    """Whether a field is a count of visits on its own: "8 times", "4 visits", "x 6"."""
    return words.COUNT.fullmatch(words.normal(field[:MAX_INPUT_CHARS])) is not None


def read_repeat(
    text: str,
    *,
    count_field: str | None,
    now: datetime,
    zone: ZoneInfo,
    times: TimeParser,
    limit: SeriesLimit = SeriesLimit(),
) -> Repeat:
    """Read a repeat phrase, and a count typed as a field of its own ("8 times"), as of
    `now` in `zone`; raise RepeatError."""
    phrase = words.normal(text)
    if not phrase:
        raise RepeatError("Say how the visits repeat.")
    if len(phrase) > MAX_INPUT_CHARS:
        raise RepeatError(
            f"That is too long for a repeat ({len(phrase)} characters; at most "
            f"{MAX_INPUT_CHARS}). Say how often, at what time and for how long."
        )
    typed = words.split(phrase)
    if count_field is not None:
        if not is_count(count_field):
            raise RepeatError(f'"{count_field}" is not a number of visits, as in "8 times".')
        typed.counts.append(words.normal(count_field))
    rhythm = words.read_rhythm(words.CLOCK.sub(" ", typed.rest))
    starting = _starting(typed.starting, now, zone, times)
    clock = _clock(list(words.CLOCK.finditer(typed.rest)), starting)
    plan = _Plan(rhythm, _first(rhythm, clock, starting, now, zone), zone, starting, limit)
    ends = [f"for {x}" for x in typed.lengths] + typed.counts + [f"until {x}" for x in typed.until]
    if not ends:
        raise RepeatError(f"When does the series end? Add {words.ENDS}.", plan.phrase())
    if len(ends) > 1:
        given = " and ".join(f'"{end}"' for end in ends)
        raise RepeatError(f"The end was given twice ({given}); a series has one.", plan.phrase())
    count, last_day = None, None
    if typed.counts:
        count = words.count_of(typed.counts[0])
    elif typed.lengths:
        last_day = plan.last_day(typed.lengths[0])
    else:
        last_day = plan.until(typed.until[0], now, times)
    visits = plan.expand(count, last_day)
    until = None
    if typed.until and last_day is not None:
        until = datetime.combine(last_day, time(23, 59, 59), tzinfo=zone).astimezone(UTC)
    notes = [words.length_said(length) for length in typed.lengths]
    notes += [f"from {format_date(visits[0].date())}"] if starting else []
    notes += [f"until {format_date(last_day)}"] if until and last_day else []
    return Repeat(
        rrule=words.rule_text(rhythm, len(visits), until),
        starts=tuple(at.astimezone(UTC) for at in visits),
        zone=zone.key,
        said=f"{words.said(rhythm, plan.first)}, {len(visits)} visits"
        + (f" ({' '.join(notes)})" if notes else ""),
    )


def _parse(
    text: str, what: str, now: datetime, zone: ZoneInfo, times: TimeParser, example: str
) -> ParsedTime:
    try:
        return times.parse(text, now, zone)
    except TimeParseError as error:
        raise RepeatError(f"The {what} date: {error}", example) from None


def _starting(
    texts: list[str], now: datetime, zone: ZoneInfo, times: TimeParser
) -> ParsedTime | None:
    """The typed start, refused when it has passed; timeparse refuses a date that has."""
    if len(texts) > 1:
        given = " and ".join(f'"from {text}"' for text in texts)
        raise RepeatError(f"The start was given twice ({given}); give one.", words.FROM_EXAMPLE)
    starting = _parse(texts[0], "start", now, zone, times, words.FROM_EXAMPLE) if texts else None
    if starting is not None and starting.has_time and starting.at <= now:
        raise RepeatError(
            f'The start "{starting.text}" ({format_when(starting.at, zone)}) has already passed.',
            words.FROM_EXAMPLE,
        )
    return starting


def _clock(clocks: list[re.Match[str]], starting: ParsedTime | None) -> time:
    """The one time of day of every visit: typed, or the start's; never a guess."""
    if len(clocks) > 1:
        given = " and ".join(f'"{clock[0]}"' for clock in clocks)
        raise RepeatError(
            f"A series has one time of day, and that gives {len(clocks)} ({given}). "
            "Book a second series for the other time."
        )
    typed = words.read_clock(clocks[0]) if clocks else None
    if starting is not None and starting.has_time:
        if typed is not None and typed != starting.at.time():
            raise RepeatError(
                f'The start "{starting.text}" and "{clocks[0][0]}" are two times; give one.'
            )
        typed = starting.at.time()
    if typed is None:
        raise RepeatError("Which time? Say when the visits are; I won't guess a time.")
    return typed


def _first(
    rhythm: Rhythm, clock: time, starting: ParsedTime | None, now: datetime, zone: ZoneInfo
) -> datetime:
    """The first visit on the local wall clock: the first matching day after now, or on or
    after the start date; a weekly series with no day named falls on the start date."""
    dayless = not rhythm.days and rhythm.frequency == words.WEEKLY
    if starting is None and dayless:
        raise RepeatError("Which day? Name it, or give the first date.", words.FROM_EXAMPLE)
    day = starting.at.date() if starting is not None else now.astimezone(zone).date()
    for at in (
        datetime.combine(day + timedelta(days=n), clock) for n in range(1 if dayless else 8)
    ):
        if (not rhythm.days or at.weekday() in rhythm.days) and at.replace(tzinfo=zone) > now:
            return at
    raise RepeatError(
        f"The first visit, {format_date(day)} at {words.clock_said(clock)}, has already passed.",
        words.FROM_EXAMPLE,
    )


@dataclass(frozen=True)
class _Plan:
    """A series being read: how often, its first visit, its limits; refusals' examples."""

    rhythm: Rhythm
    first: datetime  # on the local wall clock
    zone: ZoneInfo
    starting: ParsedTime | None
    limit: SeriesLimit

    def __post_init__(self) -> None:
        """Refuse visits further apart than a series may reach."""
        step = self.rhythm.interval * (7 if self.rhythm.frequency == words.WEEKLY else 1)
        if step > self.limit.max_span.days:
            raise RepeatError(
                f"Visits {step} days apart reach past the {self.limit.max_span.days} days a "
                "series may cover."
            )

    def phrase(self, end: str | None = None, clock: time | None = None) -> str:
        """This series as a phrase that reads back the same; by default it ends after a few
        visits, within the limits."""
        at = self.first if clock is None else datetime.combine(self.first.date(), clock)
        end = f", {len(self._few())} times" if end is None else end
        return words.phrase(self.rhythm, at, dated=self.starting is not None, end=end)

    def _few(self) -> list[datetime]:
        """The first few visits (2 to 4), within the limits: what examples book."""
        visits = list(self._rule(min(4, self.limit.max_occurrences), None))
        return [at for at in visits if at - self.first <= self.limit.max_span] or visits

    def last_day(self, length: str) -> date:
        """The last day "for 6 weeks" covers, counted from the first visit."""
        found = words.LENGTH.fullmatch(length)
        assert found is not None  # lengths come from LENGTH matches
        unit = found["unit"].removesuffix("s") + "s"
        try:
            n = words.number(found["number"])
            step = {
                "days": relativedelta(days=n),
                "weeks": relativedelta(weeks=n),
                "months": relativedelta(months=n),
            }[unit]
            after: date = self.first.date() + step
        except (OverflowError, ValueError):  # "for 999999999 months" is past any limit
            return date.max
        return after - timedelta(days=1)

    def until(self, text: str, now: datetime, times: TimeParser) -> date:
        """The last day of an "until" series; the time of its visits is typed apart."""
        example = self.phrase(f" until {self._few()[-1].date().isoformat()}")
        parsed = _parse(text, "end", now, self.zone, times, example)
        if parsed.has_time:
            raise RepeatError(
                f'"until {parsed.text}" has a time; give the end as a date, and the time of '
                "the visits before it.",
                example,
            )
        if parsed.at.date() < self.first.date():
            raise RepeatError(
                f"That ends on {format_date(parsed.at.date())}, before the first visit "
                f"({format_date(self.first.date())}).",
                example,
            )
        return parsed.at.date()

    def expand(self, count: int | None, last_day: date | None) -> list[datetime]:
        """Every visit, aware in the zone; refuse a series past the limits or in a DST gap."""
        limit = self.limit
        capped = None if count is None else min(count, limit.max_occurrences + 1)
        visits: list[datetime] = []
        for at in self._rule(capped, last_day):
            if len(visits) == limit.max_occurrences:
                raise self._too_many(count)
            if at - self.first > limit.max_span:
                raise self._too_far()
            visits.append(self._on_wall_clock(at))
        if len(visits) < 2:
            raise RepeatError(
                f"That gives {len(visits)} visit{'' if len(visits) == 1 else 's'}; a series "
                "needs at least 2.",
                self.phrase(),
            )
        return visits

    def _rule(self, count: int | None, last_day: date | None) -> rrule:
        return rrule(
            _FREQUENCIES[self.rhythm.frequency],
            dtstart=self.first,
            interval=self.rhythm.interval,
            wkst=MO,
            byweekday=[weekdays[day] for day in self.rhythm.days] or None,
            count=count,
            until=None if last_day is None else datetime.combine(last_day, time.max),
        )

    def _too_many(self, count: int | None) -> RepeatError:
        most = self.limit.max_occurrences
        asked = f"That is {count} visits" if count else f"That is more than {most} visits"
        return RepeatError(
            f"{asked}; a series has at most {most}. Book it in parts: {most} visits now, then "
            "a second series from the day after the last one.",
            self.phrase(f", {most} times"),
        )

    def _too_far(self) -> RepeatError:
        days = self.limit.max_span.days
        edge = self.first.date() + timedelta(days=days)
        return RepeatError(
            f"That runs more than {days} days past the first visit "
            f"({format_date(self.first.date())}), the most a series may cover. Book it in "
            f"parts: this one until {format_date(edge)}, then a second series.",
            self.phrase(f" until {edge.isoformat()}"),
        )

    def _on_wall_clock(self, at: datetime) -> datetime:
        """A naive local time in the zone, the first of two in the fall-back hour; refuse
        one the clocks skip."""
        placed = at.replace(tzinfo=self.zone)
        real = placed.astimezone(UTC).astimezone(self.zone)
        if real.replace(tzinfo=None) != at:
            raise RepeatError(
                f"{words.clock_said(at.time())} does not exist on {format_date(at.date())} in "
                f"{self.zone.key}: the clocks jump forward that night, and the series has a "
                f"visit then. Try {words.clock_said(real.time())} or another time.",
                self.phrase(clock=real.time()),
            )
        return placed
