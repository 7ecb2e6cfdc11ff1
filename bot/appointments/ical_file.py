"""Visits and series as an iCalendar (RFC 5545) file, written by the icalendar package.

Times are local with a TZID and a VTIMEZONE made from the zone, not UTC: a series has to
repeat on the clinic's clock (10:00 stays 10:00 after the change to summer time, which a UTC
DTSTART cannot say), and calendar apps then show the zone the visit was planned in. A single
visit is on the reader's clock; each series on its own zone's. The one exception is a time in
the hour a zone repeats in autumn: its local form names the first of the two (RFC 5545 3.3.5),
so a visit in the second one is written in UTC.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar, vRecur
from icalendar import Event as VEvent
from icalendar.enums import STATUS

from bot.appointments.rules.ical import PRODID, Event, Series, instant, require_aware, writable

# A backstop: where series are made they are limited far below this.
MAX_OCCURRENCES = 1000
# The VTIMEZONEs cover the calendar's times with a day to spare on either side, any zone.
MARGIN = timedelta(days=1)


def calendar(items: Iterable[Event | Series], stamp: datetime, zone: ZoneInfo) -> bytes:
    """A whole VCALENDAR to publish: visits on `zone`'s clock (the reader's), each series on its
    own; `stamp` (when it was made) becomes every DTSTAMP."""
    require_aware(stamp)
    file = Calendar()
    file.add("prodid", PRODID)
    file.add("version", "2.0")
    file.add("calscale", "GREGORIAN")
    file.add("method", "PUBLISH")
    times: list[datetime] = []
    for item in items:
        if isinstance(item, Series):
            events, reach = _series(item, stamp)
        else:
            start, end = local(item.start, zone), local(item.end, zone)
            events, reach = [_vevent(item, stamp, start, end)], [item.start, item.end]
        for event in events:
            file.add_component(event)
        times += reach
    if times:
        first = min(times, key=instant).astimezone(UTC) - MARGIN
        last = max(times, key=instant).astimezone(UTC) + MARGIN
        file.add_missing_timezones(first_date=first.date(), last_date=last.date())
    content: bytes = file.to_ical()  # icalendar leaves this untyped
    return content


def local(at: datetime, zone: ZoneInfo) -> datetime:
    """`at` on `zone`'s clock; in UTC when it falls in the second of a repeated hour."""
    # Through UTC: astimezone() to a datetime's own zone would keep a time the clock skips.
    at = at.astimezone(UTC)
    return at if _in_second_hour(at, zone) else at.astimezone(zone)


def occurrences(series: Series) -> list[datetime]:
    """Every start the rule makes, on the series' clock; refuses a rule that does not fit it."""
    uid = series.first.uid
    start = series.first.start.astimezone(series.zone)
    if _in_second_hour(start, series.zone):
        raise ValueError(f"series {uid} starts in a repeated hour; start it an hour later")
    try:
        rule = rrulestr(series.rule, dtstart=start)
        ends = {"COUNT", "UNTIL"} & set(vRecur.from_ical(series.rule))
    except ValueError as error:
        raise ValueError(
            f"series {uid} has a rule I cannot read ({error}), e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=6"
        ) from None
    if not ends:
        raise ValueError(f"series {uid} must end: add COUNT=n or UNTIL=<UTC time> to its rule")
    starts = list(itertools.islice(rule, MAX_OCCURRENCES + 1))
    if len(starts) > MAX_OCCURRENCES:
        raise ValueError(f"series {uid} repeats more than {MAX_OCCURRENCES} times")
    if not starts or instant(starts[0]) != instant(start):
        raise ValueError(f"series {uid}'s first visit ({_when(start)}) is not one its rule makes")
    made = {instant(at) for at in starts}
    named = [*series.cancelled, *(override.original_start for override in series.overrides)]
    for at in named:
        if instant(at) not in made:
            raise ValueError(f"{_when(at.astimezone(series.zone))} is not a visit of series {uid}")
    return starts


def _series(series: Series, stamp: datetime) -> tuple[list[VEvent], list[datetime]]:
    """The series' event (RRULE, EXDATE) and one event per override, and the times they reach."""
    starts = occurrences(series)
    zone, first = series.zone, series.first
    main = _vevent(first, stamp, local(first.start, zone), local(first.end, zone))
    main.add("rrule", vRecur.from_ical(series.rule))
    if series.cancelled:
        main.add("exdate", [local(at, zone) for at in sorted(series.cancelled, key=instant)])
    events = [main]
    reach = [first.start, starts[-1] + (first.end - first.start)]
    for override in sorted(series.overrides, key=lambda o: instant(o.original_start)):
        changed = override.event
        events.append(
            _vevent(
                changed,
                stamp,
                local(changed.start, zone),
                local(changed.end, zone),
                recurrence_id=local(override.original_start, zone),
            )
        )
        reach += [changed.start, changed.end]
    return events, reach


def _vevent(
    event: Event,
    stamp: datetime,
    start: datetime,
    end: datetime,
    recurrence_id: datetime | None = None,
) -> VEvent:
    return VEvent.new(
        uid=event.uid,
        stamp=stamp.astimezone(UTC),
        start=start,
        end=end,
        recurrence_id=recurrence_id,
        summary=writable(event.summary),
        location=writable(event.location or "") or None,
        status=STATUS(event.status.value),
    )


def _in_second_hour(at: datetime, zone: ZoneInfo) -> bool:
    """Whether `at` is, on `zone`'s clock, a time the clock shows twice, and the second time."""
    moment = at.astimezone(UTC)
    return moment.astimezone(zone).replace(fold=0).astimezone(UTC) != moment


def _when(at: datetime) -> str:
    return at.strftime("%a %Y-%m-%d %H:%M %Z")
