"""Visit reminders through the sweep: the clinician's heads-up, the checklist, the no-show check.

`plan` schedules a visit's reminders from its current start and end, in the session that
books or moves it; `forget` drops them when the visit leaves the schedule. Each kind reads
the visit again when it fires, so a cancelled or moved visit never gets a stale reminder:
it sends nothing and plans again from the visit as it is now.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.appointments.rules import reminders as rules
from bot.appointments.rules.appointment import PROCEDURAL, Status
from bot.appointments.rules.reminders import Due
from bot.shared.commands import Reply
from bot.shared.departures import REFUSALS
from bot.shared.messages import slack_code
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.display import PatientDisplay, initials, patient_label
from bot.shared.rules.failures import describe
from bot.shared.rules.mrkdwn import escape
from bot.shared.rules.reminders import DueReminder, Outcome, ReminderKind, by_team, unconfirmed
from storage import reminders
from storage.appointments import queries as appointments

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.shared.messages import OnceSender
    from storage.models import AppointmentRow

log = logging.getLogger(__name__)

CLINICIAN = "appt-clinician"
CHECKLIST = "appt-checklist"
NOSHOW = "appt-noshow"


@dataclass(frozen=True)
class Notice:
    """One reminder DM about a visit, as plain values for the handlers to render."""

    kind: str  # CLINICIAN, CHECKLIST or NOSHOW
    team_id: str
    to: str  # the user it is for
    zone: ZoneInfo  # the reader's, for the plain-text fallback of date tokens
    ref: str
    start: datetime
    what: tuple[str, str]  # kind and label, as typed
    location: str | None  # as typed
    patient: str  # "J.D. (P-4)": shaped by the display policy, escaped
    patient_name: str  # "J.D.": the same without the ref (the ref alone for policy id)
    lead: timedelta | None = None  # CLINICIAN: how long before the start this one is


Render = Callable[[Notice], Reply]


def plan(
    session: Session,
    row: AppointmentRow,
    now: datetime,
    zone: ZoneInfo,
    *,
    leads: Sequence[timedelta] = rules.LEADS,
) -> None:
    """Schedule the visit's reminders from its current start and end, replacing earlier plans.

    `zone` is the clock of the channel the visit was booked in: its checklist goes out at
    09:00 there the day before.
    """
    team, ref = row.team_id, row.ref
    if row.status not in appointments.HOLDS_SLOT:
        forget(session, team, ref, now=now)
        return
    first = rules.next_lead(row.start_at, now, leads) if row.clinician_id else None
    if first is None:
        reminders.cancel(session, team, CLINICIAN, ref, now=now)
    else:
        reminders.schedule(session, team, CLINICIAN, ref, first[0], now=now)
    _plan_checklist(session, row, now, zone)
    reminders.schedule(session, team, NOSHOW, ref, rules.noshow_check_at(row.end_at), now=now)


def _plan_checklist(session: Session, row: AppointmentRow, now: datetime, zone: ZoneInfo) -> None:
    team, ref = row.team_id, row.ref
    at = rules.checklist_at(row.start_at, zone, now) if row.kind in PROCEDURAL else None
    if at is None:
        reminders.cancel(session, team, CHECKLIST, ref, now=now)
        return
    day = row.start_at.astimezone(zone).date().isoformat()
    earlier = reminders.get(session, team, CHECKLIST, ref)
    if earlier is not None and earlier.next_at is None and earlier.payload.get("day") == day:
        return  # already sent for that day: a move within the day keeps the ticked checklist
    reminders.schedule(session, team, CHECKLIST, ref, at, {"day": day}, now=now)


def forget(session: Session, team_id: str, ref: str, *, now: datetime | None = None) -> int:
    """Drop every pending reminder of a visit that left the schedule; returns how many."""
    return reminders.cancel_all(session, team_id, ref, now=now)


class AppointmentReminder(RecordsUseCase):
    """What the three kinds share: read the visit again, decide (a pure rule), send, record."""

    name: str = ""

    def __init__(self, records: Records, *, once: OnceSender, render: Render) -> None:
        super().__init__(records)
        self.once, self.render = once, render

    def decide(
        self, visit: AppointmentRow, reminder: DueReminder, now: datetime, zone: ZoneInfo
    ) -> Due:
        """Whom to DM now; `zone` is that of the channel the visit was booked in."""
        raise NotImplementedError

    def fire(self, due: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        visits, zones = self._visits(due)
        policies: dict[str, PatientDisplay] = {}
        outcomes = []
        for reminder in due:
            key = (reminder.team_id, reminder.subject_ref)
            row = visits.get(key)
            try:
                outcomes.append(self._fire_one(reminder, row, zones.get(key), policies, now))
            except Exception as error:  # one broken reminder must not resend the batch's others
                log.error("%s reminder %d failed: %s", self.name, reminder.id, describe(error))
                outcomes.append(Outcome(reminder.id, error="kind_failed"))
        return outcomes

    def _fire_one(
        self,
        reminder: DueReminder,
        row: AppointmentRow | None,
        zone: ZoneInfo | None,
        policies: dict[str, PatientDisplay],
        now: datetime,
    ) -> Outcome:
        team = reminder.team_id
        if row is None or zone is None or row.status not in appointments.HOLDS_SLOT:
            return Outcome(reminder.id)  # off the schedule: nothing more to say, ever
        due = self.decide(row, reminder, now, zone)
        if due.to is None:
            return Outcome(reminder.id, next_at=due.next_at)
        if team not in policies:  # a DM is in no channel: the workspace's display applies
            policies[team] = self.in_force.patient_display(team)
        policy = policies[team]
        reader = self.people.timezone(team, due.to)
        lead = rules.time_left(due.lead, row.start_at, now) if due.lead else None
        reply = self.render(_notice(self.name, row, due.to, lead, policy, reader))
        try:
            self.once.post(
                reminder.key,
                channel=due.to,
                text=reply.text,
                blocks=reply.blocks,
                look_since=reminder.maybe_sent_since,
            )
        except Exception as error:  # the row stays due and the sweep tries again
            failure = _failure(error)
            log.warning("%s reminder %d not sent: %s", self.name, reminder.id, failure)
            refusal = failure.removeprefix("slack_")
            if self.people.departures.has_left(team, due.to, refusal, now):
                return Outcome(reminder.id, next_at=due.next_at)  # skipped; the next one may go
            if refusal in REFUSALS:  # refused, yet the person is still here: try again
                return Outcome(reminder.id, error=unconfirmed(refusal))
            return Outcome(reminder.id, error=failure)
        return Outcome(reminder.id, sent=1, next_at=due.next_at)

    def _visits(
        self, due: Sequence[DueReminder]
    ) -> tuple[dict[tuple[str, str], AppointmentRow], dict[tuple[str, str], ZoneInfo]]:
        """The batch's visits and the zones they were booked in: one read per workspace."""
        visits: dict[tuple[str, str], AppointmentRow] = {}
        zones: dict[tuple[str, str], ZoneInfo] = {}
        with self.db.session(read_only=True) as session:
            for team, found in by_team(due).items():
                rows = appointments.get_many_by_refs(session, team, {r.subject_ref for r in found})
                channels = {row.channel_id or "" for row in rows.values()}
                in_force = self.in_force.in_session(session, team, channels)
                for ref, row in rows.items():
                    visits[(team, ref)] = row
                    zones[(team, ref)] = in_force[row.channel_id or ""].timezone
        return visits, zones


class ClinicianReminder(AppointmentReminder):
    """A DM to the clinician at each lead before the start (24 h and 1 h by default)."""

    name = CLINICIAN

    def __init__(
        self,
        records: Records,
        *,
        once: OnceSender,
        render: Render,
        leads: Sequence[timedelta] = rules.LEADS,
    ) -> None:
        super().__init__(records, once=once, render=render)
        self.leads = tuple(leads)

    def decide(
        self, visit: AppointmentRow, reminder: DueReminder, now: datetime, zone: ZoneInfo
    ) -> Due:
        return rules.clinician_due(
            visit.start_at,
            visit.clinician_id,
            reminder.next_at,
            now,
            self.leads,
            retry=reminder.attempts > 0,
        )


class ChecklistReminder(AppointmentReminder):
    """The day before a procedure or surgery, the pre-procedure checklist to who booked it."""

    name = CHECKLIST

    def decide(
        self, visit: AppointmentRow, reminder: DueReminder, now: datetime, zone: ZoneInfo
    ) -> Due:
        return rules.checklist_due(visit.kind, visit.start_at, visit.booked_by, now, zone)


class NoShowCheck(AppointmentReminder):
    """A day after a visit that is still booked, ask who booked it whether it was a no-show."""

    name = NOSHOW

    def decide(
        self, visit: AppointmentRow, reminder: DueReminder, now: datetime, zone: ZoneInfo
    ) -> Due:
        return rules.noshow_due(Status(visit.status), visit.end_at, visit.booked_by, now)


def kinds(
    records: Records,
    *,
    once: OnceSender,
    render: Render,
    leads: Sequence[timedelta] = rules.LEADS,
) -> list[ReminderKind]:
    """The three reminder kinds, ready to be added to the sweep."""
    return [
        ClinicianReminder(records, once=once, render=render, leads=leads),
        ChecklistReminder(records, once=once, render=render),
        NoShowCheck(records, once=once, render=render),
    ]


def _notice(
    kind: str,
    row: AppointmentRow,
    to: str,
    lead: timedelta | None,
    policy: PatientDisplay,
    zone: ZoneInfo,
) -> Notice:
    patient = row.patient  # loaded with the row
    return Notice(
        kind=kind,
        team_id=row.team_id,
        to=to,
        zone=zone,
        ref=row.ref,
        start=row.start_at,
        what=(row.kind, row.label if policy is not PatientDisplay.ID else row.kind),
        location=row.location,
        patient=patient_label(policy, patient.ref, patient.display_name),
        patient_name=_patient_name(policy, patient.ref, patient.display_name),
        lead=lead,
    )


def _patient_name(policy: PatientDisplay, ref: str, name: str) -> str:
    """The patient in few words: "J.D.", "Jane Doe" or "P-4", as the policy allows; escaped."""
    if policy == PatientDisplay.ID:
        return escape(ref)
    shown = " ".join(name.split()) if policy == PatientDisplay.FULL else initials(name)
    return escape(shown or ref)


def _failure(error: Exception) -> str:
    """A short code for the reminder row: Slack's error, never the message it was sending."""
    if isinstance(error, SlackApiError):
        return f"slack_{slack_code(error)}"[:64]
    return type(error).__name__[:64]
