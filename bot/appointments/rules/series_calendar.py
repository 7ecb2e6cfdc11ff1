"""A series' visits as one calendar series: each visit sits on the rule date it was booked for;
a rule date with no visit left on it is an EXDATE (skipped at booking, cancelled, or past an
early end); a visit off its date is an override (RECURRENCE-ID); a visit on no date of the rule
is written on its own. However the series changed, each visit shows once, at its time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.appointments.rules.ical import Event, EventStatus, Override, Series, instant


@dataclass(frozen=True)
class SeriesVisit:
    """One visit of a series: the rule date it was booked for (None: not known), as an event."""

    rule_date: datetime | None
    event: Event


def gather(
    bare: Series, dates: Sequence[datetime], visits: Sequence[SeriesVisit]
) -> tuple[Series, tuple[Event, ...]]:
    """The series with its EXDATEs and overrides, and the visits to write on their own.

    `bare` is the series as booked (its first event is the rule's first date, the length,
    summary and place of every visit); `dates` are the dates its rule makes.
    """
    made = {instant(at) for at in dates}
    held: dict[datetime, Event] = {}
    alone: list[Event] = []
    # A visit still on the schedule takes its date before a cancelled one that names it too.
    for visit in sorted(visits, key=lambda v: v.event.status is EventStatus.CANCELLED):
        date = None if visit.rule_date is None else instant(visit.rule_date)
        if date is not None and date in made and date not in held:
            held[date] = visit.event
        else:
            alone.append(visit.event)
    head = bare.first
    on = {date: e for date, e in sorted(held.items()) if e.status is not EventStatus.CANCELLED}
    if not on:
        # No date of it holds a visit still on: the series is cancelled as one visit would be
        # (a calendar that had it strikes it out); visits on no date of it stand on their own.
        return replace(bare, first=replace(head, status=EventStatus.CANCELLED)), tuple(alone)
    length = head.end - head.start
    overrides = tuple(
        Override(date, replace(event, uid=head.uid))
        for date, event in on.items()
        if (event.start, event.end, event.status, event.location)
        != (date, date + length, head.status, head.location)
    )
    cancelled = tuple(date for date in sorted(made) if date not in on)
    return replace(bare, cancelled=cancelled, overrides=overrides), tuple(alone)
