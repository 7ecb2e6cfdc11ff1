"""`/appt export`: the visits in a date range, as an iCalendar file for the reader."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.appointments import ical_file
from bot.appointments.rules import ical
from bot.appointments.rules.appointment import Status
from bot.shared.records import RecordsUseCase
from bot.shared.rules.display import PatientDisplay, patient_label
from bot.shared.rules.mrkdwn import plain_slack_text
from bot.shared.rules.refusals import Refused
from bot.shared.rules.timeparse import TimeParseError
from storage import SqlAuditLog
from storage.appointments import queries as appointments

if TYPE_CHECKING:
    from bot.shared.access import Actor

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
        """Every visit starting in the range (the reader's days, on their clock), cancelled too."""
        self.access.require_care_team(actor, doing="export appointments")
        team_id = actor.team_id
        zone = self.people.timezone(team_id, actor.user_id)
        first, last = self.date_range(text, zone)
        start = datetime.combine(first, time(0), zone)
        end = datetime.combine(last + timedelta(days=1), time(0), zone)
        policy = self.in_force.patient_display(team_id)
        with self.db.session(read_only=True) as session:
            rows = appointments.between(session, team_id, start, end)
            events = [_event(row, team_id, policy) for row in rows]
        content = ical_file.calendar(events, stamp=self.clock.now(), zone=zone)
        return AppointmentCalendar(first, last, len(events), content)

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


def _event(row: appointments.Listed, team_id: str, policy: PatientDisplay) -> ical.Event:
    # patient_label is where the policy lives; its mrkdwn escaping has no place in a calendar.
    patient = plain_slack_text(patient_label(policy, row.patient.ref, row.patient.display_name))
    return ical.Event(
        uid=ical.event_uid(row.ref, team_id),
        start=row.start_at,
        end=row.end_at,
        summary=f"{row.ref} {patient} · {row.kind}",  # the kind, never the label ("MRI knee")
        status=ical.EVENT_STATUS[Status(row.status)],
        location=row.location,
    )


def _day(day: date) -> str:
    return day.strftime("%a %-d %b %Y")
