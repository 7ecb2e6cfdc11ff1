"""`/appt export`: the visits in a date range, as an iCalendar file for the reader.

A visit of a series brings its whole series, as one event with the series' rule: a calendar
shows every date of it, each later export updates the same event (its UID is the S-ref's),
and the file says what the rule is rather than a few loose visits of it. Dates of the rule
with no visit on them (skipped at booking, cancelled, past an early end) are EXDATEs, so the
rule stays as it was booked; a visit moved on its own is an override of its date.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.appointments import ical_file
from bot.appointments.rules import ical
from bot.appointments.rules.appointment import Status
from bot.appointments.rules.series_calendar import SeriesVisit, gather
from bot.shared.records import RecordsUseCase
from bot.shared.rules.display import PatientDisplay, patient_label
from bot.shared.rules.mrkdwn import plain_slack_text
from bot.shared.rules.refusals import Refused
from bot.shared.rules.timeparse import TimeParseError
from storage import SqlAuditLog
from storage.appointments import queries as appointments
from storage.appointments import series as stored_series

if TYPE_CHECKING:
    from bot.shared.access import Actor
    from storage.models import SeriesRow

log = logging.getLogger(__name__)
EXPORT_USAGE = "/appt export [week|today|tomorrow|<date>|<date> to <date>]"
MAX_DAYS = 92
WEEK = 7
_TO = re.compile(r"\s+to\s+", re.IGNORECASE)
_REQUEST_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class ExportRefused(Refused):
    """The range cannot be exported; the message says why and shows one that works."""


@dataclass(frozen=True)
class AppointmentCalendar:
    """The .ics file for one reader's range, and what to tell them about it."""

    first_day: date
    last_day: date
    count: int
    content: bytes

    @property
    def filename(self) -> str:
        if self.first_day == self.last_day:
            return f"carebot-visits-{self.first_day.isoformat()}.ics"
        return f"carebot-visits-{self.first_day.isoformat()}-to-{self.last_day.isoformat()}.ics"

    @property
    def span(self) -> str:
        """ "on Tue 2 Mar 2027" or "from Mon 1 Mar 2027 to Sun 7 Mar 2027"."""
        if self.first_day == self.last_day:
            return f"on {_day(self.first_day)}"
        return f"from {_day(self.first_day)} to {_day(self.last_day)}"


class AppointmentExport(RecordsUseCase):
    """A reader's range of visits as an .ics file, and the audit that it left carebot."""

    def build(self, actor: Actor, text: str) -> AppointmentCalendar:
        """Every visit starting in the range (the reader's days, on their clock), cancelled
        too; a visit of a series brings its whole series."""
        self.access.require_care_team(actor, doing="export appointments")
        team_id = actor.team_id
        zone = self.people.timezone(team_id, actor.user_id)
        first, last = self.date_range(text, zone)
        start = datetime.combine(first, time(0), zone)
        end = datetime.combine(last + timedelta(days=1), time(0), zone)
        policy = self.in_force.patient_display(team_id)
        with self.db.session(read_only=True) as session:
            rows = appointments.between(session, team_id, start, end)
            wanted = {row.series_id for row in rows if row.series_id is not None}
            series = stored_series.get_many(session, team_id, wanted)
            visits = appointments.of_series(session, team_id, wanted)
        items = _items(rows, series, visits, team_id, policy)
        content = ical_file.calendar(items, stamp=self.clock.now(), zone=zone)
        return AppointmentCalendar(first, last, len(rows), content)

    def record(self, actor: Actor, channel_id: str) -> None:
        """Audit that visits left carebot as a file, and where they went."""
        request_id = actor.request_id or ""
        with self.db.session() as session:
            SqlAuditLog(session).record(
                actor.team_id,
                actor.user_id,
                "appointment.export",
                channel_id=channel_id,
                request_id=request_id if _REQUEST_ID.fullmatch(request_id) else None,
                at=self.clock.now(),
            )

    def date_range(self, text: str, zone: ZoneInfo) -> tuple[date, date]:
        """The first and last day (inclusive) asked for; the next 7 days when nothing is said."""
        today = self.clock.now().astimezone(zone).date()
        words = " ".join(text.split())
        if words.lower() in ("", "week"):
            return today, today + timedelta(days=WEEK - 1)
        parts = _TO.split(words)
        if len(parts) > 2:
            raise ExportRefused(f'I read "{words}" as more than one range. {_example(today)}')
        first = self._read_day(parts[0], zone, today)
        last = self._read_day(parts[-1], zone, today)
        if last < first:
            raise ExportRefused(
                f"That range ends ({_day(last)}) before it starts ({_day(first)}). "
                f"{_example(today)}"
            )
        days = (last - first).days + 1
        if days > MAX_DAYS:
            raise ExportRefused(
                f"That is {days} days; one export covers at most {MAX_DAYS}. {_example(today)}"
            )
        return first, last

    def _read_day(self, text: str, zone: ZoneInfo, today: date) -> date:
        if text.lower() == "week":
            raise ExportRefused(f'"week" stands alone: /appt export week. {_example(today)}')
        try:
            parsed = self.times.parse(text, self.clock.now(), zone)
        except TimeParseError as error:
            raise ExportRefused(f"{error} {_example(today)}") from None
        return parsed.at.astimezone(zone).date()


def _example(today: date) -> str:
    later = today + timedelta(days=13)
    return f"Example: /appt export {today.isoformat()} to {later.isoformat()} (or {EXPORT_USAGE})"


def _items(
    rows: list[appointments.Listed],
    series: list[SeriesRow],
    visits: list[appointments.Listed],
    team_id: str,
    policy: PatientDisplay,
) -> list[ical.Event | ical.Series]:
    """What the file holds, by start: each visit on its own, or its series where the range's
    first visit of it is."""
    by_id = {whole.id: whole for whole in series}
    of_series: dict[int, list[appointments.Listed]] = defaultdict(list)
    for visit in visits:
        if visit.series_id is not None:
            of_series[visit.series_id].append(visit)
    items: list[ical.Event | ical.Series] = []
    written: set[int] = set()
    for row in rows:
        whole = by_id.get(row.series_id) if row.series_id is not None else None
        if whole is None:
            items.append(_event(row, team_id, policy))
        elif whole.id not in written:
            written.add(whole.id)
            items += _series(whole, of_series[whole.id], team_id, policy)
    return items


def _series(
    series: SeriesRow, visits: list[appointments.Listed], team_id: str, policy: PatientDisplay
) -> list[ical.Event | ical.Series]:
    """The series as one event with its rule, and any visit of it that cannot sit on a date of
    the rule; its visits one by one if the stored rule cannot be written."""
    first = visits[0]
    events = [
        SeriesVisit(visit.series_start, _event(visit, team_id, policy, series.ref))
        for visit in visits
    ]
    head = ical.Event(
        uid=ical.event_uid(series.ref, team_id),
        start=series.first_start,
        end=series.first_start + (first.end_at - first.start_at),
        summary=f"{series.ref} {_patient(first, policy)} · {first.kind}",
        status=ical.EventStatus.CONFIRMED,
        location=first.location,
    )
    try:
        bare = ical.Series(head, series.rule, ZoneInfo(series.zone))
        dates = ical_file.occurrences(bare)
    except ValueError as error:
        log.warning("series %s written visit by visit: %s", series.ref, error)
        return [visit.event for visit in events]
    whole, alone = gather(bare, dates, events)
    return [whole, *alone]


def _event(
    row: appointments.Listed, team_id: str, policy: PatientDisplay, series_ref: str | None = None
) -> ical.Event:
    ref = row.ref if series_ref is None else f"{row.ref} ({series_ref})"
    return ical.Event(
        uid=ical.event_uid(row.ref, team_id),
        start=row.start_at,
        end=row.end_at,
        summary=f"{ref} {_patient(row, policy)} · {row.kind}",  # the kind, never the label
        status=ical.EVENT_STATUS[Status(row.status)],
        location=row.location,
    )


def _patient(row: appointments.Listed, policy: PatientDisplay) -> str:
    # patient_label is where the policy lives; its mrkdwn escaping has no place in a calendar.
    return plain_slack_text(patient_label(policy, row.patient.ref, row.patient.display_name))


def _day(day: date) -> str:
    return day.strftime("%a %-d %b %Y")
