"""Reading visits: `/appt list` pages and a person's own day for the Home tab."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.appointments.changes import LIST_USAGE, Appointment, AppointmentRefused, appointment_of
from bot.appointments.rules.appointment import Status
from bot.shared.records import RecordsUseCase
from bot.shared.rules.mrkdwn import extract_user_ids
from bot.shared.rules.timeparse import TimeParseError
from storage import patients
from storage.appointments import queries as appointments
from storage.appointments import series as stored_series

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.shared.access import Actor

PAGE = 40
_ISO_DAY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
# A day's plan keeps what happened (done, no-show) and drops what was called off.
SHOWN_IN_A_DAY = tuple(
    s.value for s in Status if s not in (Status.CANCELLED, Status.ENTERED_IN_ERROR)
)


@dataclass(frozen=True)
class AppointmentList:
    title: str
    visits: tuple[Appointment, ...]
    total: int
    offset: int
    query: str
    zone: ZoneInfo

    @property
    def next_offset(self) -> int | None:
        after = self.offset + len(self.visits)
        return after if after < self.total else None


class AppointmentLists(RecordsUseCase):
    """Pages of visits for a care-team member, in the reader's zone."""

    def list_appointments(self, actor: Actor, text: str, offset: int = 0) -> AppointmentList:
        """`/appt list ...`: one page of visits in the reader's zone, sorted by time."""
        self.access.require_care_team(actor, doing="list appointments")
        team_id, user_id = actor.team_id, actor.user_id
        zone = self.people.timezone(team_id, user_id)
        start_day, days, title, rest = self._range(text, zone)
        _check_reach(start_day, self.clock.now().astimezone(zone).date())
        start = datetime.combine(start_day, time(0), zone)
        end = datetime.combine(start_day + timedelta(days=days), time(0), zone)
        with self.db.session(read_only=True) as session:
            policy = self.in_force.patient_display_in(session, team_id)
            filters, who = _filters(session, team_id, user_id, rest)
            total = appointments.count_between(session, team_id, start, end, **filters)
            rows = appointments.between(
                session, team_id, start, end, limit=PAGE, offset=offset, **filters
            )
            series = stored_series.refs_of(
                session, team_id, {row.series_id for row in rows if row.series_id is not None}
            )
            visits = tuple(appointment_of(row, policy, series) for row in rows)
        return AppointmentList(f"{title}{who}", visits, total, offset, text, zone)

    def of_person(
        self, actor: Actor, start: datetime, end: datetime, offset: int, limit: int
    ) -> tuple[tuple[Appointment, ...], int]:
        """A page of the visits in [start, end) with the actor as clinician or booker."""
        self.access.require_care_team(actor, doing="see appointments")
        filters: dict[str, Any] = {"involving": actor.user_id, "statuses": SHOWN_IN_A_DAY}
        with self.db.session(read_only=True) as session:
            policy = self.in_force.patient_display_in(session, actor.team_id)
            total = appointments.count_between(session, actor.team_id, start, end, **filters)
            rows = appointments.between(
                session, actor.team_id, start, end, limit=limit, offset=offset, **filters
            )
            series = stored_series.refs_of(
                session, actor.team_id, {row.series_id for row in rows if row.series_id is not None}
            )
            return tuple(appointment_of(row, policy, series) for row in rows), total

    def _range(self, text: str, zone: ZoneInfo) -> tuple[date, int, str, str]:
        now = self.clock.now()
        today = now.astimezone(zone).date()
        words = text.split()
        head = words[0].lower() if words else "today"
        named = {
            "today": (today, 1, "Today"),
            "tomorrow": (today + timedelta(days=1), 1, "Tomorrow"),
        }
        if head in named:
            day, days, title = named[head]
            return day, days, title, " ".join(words[1:])
        if head == "week":
            return today, 7, "The next 7 days", " ".join(words[1:])
        # A calendar week runs Monday to Sunday: "this week" includes its days gone by.
        pair = " ".join(w.lower() for w in words[:2])
        if pair in ("this week", "next week", "last week"):
            monday = today - timedelta(days=today.weekday())
            monday += timedelta(weeks={"this week": 0, "next week": 1, "last week": -1}[pair])
            sunday = monday + timedelta(days=6)
            title = f"{pair.capitalize()}, {monday:%a %-d %b} to {sunday:%a %-d %b %Y}"
            return monday, 7, title, " ".join(words[2:])
        if _ISO_DAY.match(head):  # a day in the past too: reviewing last week's no-shows
            try:
                day = date.fromisoformat(head)
            except ValueError:
                raise AppointmentRefused(
                    f'"{head}" is not a date. Example: /appt list 2027-03-02'
                ) from None
            return day, 1, day.strftime("%a %-d %b %Y"), " ".join(words[1:])
        # The longest leading run of words read as a day, e.g. "dec 3" or "next tuesday";
        # a lone number is not a day ("30" of "30 feb" must not become the 30th of this month).
        for cut in range(min(len(words), 4), 0, -1):
            candidate = " ".join(words[:cut])
            if candidate.isdigit():
                continue
            try:
                parsed = self.times.parse(candidate, now, zone)
            except TimeParseError:
                continue
            day = parsed.at.astimezone(zone).date()
            return day, 1, day.strftime("%a %-d %b %Y"), " ".join(words[cut:])
        return today, 1, "Today", text


# How far a list may reach from today: further is surely a typo, and a day past the end of
# the calendar (9999-12-31 plus one) cannot even be counted.
REACH = timedelta(days=366 * 10)


def _check_reach(day: date, today: date) -> None:
    if abs(day - today) > REACH:
        raise AppointmentRefused(
            f"{day.isoformat()} is more than 10 years from today; lists reach from "
            f"{today - REACH:%Y} to {today + REACH:%Y}. Example: /appt list 2027-03-02"
        )


def _filters(session: Session, team_id: str, user_id: str, rest: str) -> tuple[dict[str, Any], str]:
    rest = rest.strip()
    if not rest:
        return {}, ""
    if rest.lower() == "mine":
        return {"involving": user_id}, " · mine"
    mentioned = extract_user_ids(rest)
    if mentioned:
        return {"clinician_id": mentioned[0]}, f" · <@{mentioned[0]}>"
    patient = patients.get_by_ref(session, team_id, rest)
    if patient is None:
        found = patients.find_by_name(session, team_id, rest, limit=2)
        patient = found[0] if len(found) == 1 else None
    if patient is None:
        raise AppointmentRefused(
            f'I couldn\'t read "{rest}" as a day, a patient or a filter. Try today, week, '
            f"dec 3, 2027-03-02, mine, @clinician or a P-ref: {LIST_USAGE}"
        )
    return {"patient_id": patient.id}, f" · {patient.ref}"
