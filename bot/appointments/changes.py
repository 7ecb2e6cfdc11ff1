"""After booking: moving, cancelling, checking in and closing visits, and ticking checklists."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from bot.appointments import reminders as appointment_reminders
from bot.appointments.outbox import tell_clinician
from bot.appointments.rules.appointment import (
    HOLDS_SLOT,
    Action,
    Status,
    TransitionRefused,
    transition,
)
from bot.appointments.rules.reminders import CHECKLIST_ITEMS
from bot.appointments.rules.slots import next_free_slots
from bot.shared.audit_trail import parse_ref
from bot.shared.hooks import AppointmentChanged
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.clinic_hours import Span
from bot.shared.rules.display import PatientDisplay, patient_label
from bot.shared.rules.refusals import Refused
from bot.shared.rules.timeparse import TimeParseError, format_span
from storage import SqlAuditLog
from storage.appointments import queries as appointments
from storage.appointments import series as stored_series

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.shared.access import Actor
    from bot.shared.home import HomeTab
    from bot.shared.hooks import Hooks
    from bot.shared.rules.channel_settings import ChannelSettings
    from storage.models import AppointmentRow

LIST_USAGE = "/appt list [today|tomorrow|week|this week|next week|<date>] [mine|@clinician|P-4]"
_REF = re.compile(r"^[Aa]-?\d{1,9}$")
TICK = "tick pre-procedure checklists"
# The changes its clinician hears of (besides a move); closing a visit is theirs to do.
TOLD = frozenset({Action.CANCEL, Action.NOSHOW, Action.CHECKIN})


class AppointmentRefused(Refused):
    """The request about a visit cannot be done; the message says why and what to type."""


class Appointment(NamedTuple):
    """One appointment as a reader sees it (a named tuple: lists build dozens)."""

    ref: str
    start: datetime
    end: datetime
    status: Status
    kind: str
    label: str
    patient: str  # already shaped by the display policy and escaped
    clinician: str | None
    location: str | None
    message: tuple[str, str] | None = None  # the confirmation post, to update in place
    booked_by: str | None = None
    channel: str | None = None  # where it was booked, and its card goes
    moved_from: datetime | None = None  # the start before its last move
    changed_by: str | None = None  # who made its last change
    copy: tuple[str, str] | None = None  # the clinician's copy (DM), to update in place
    series: str | None = None  # the S-ref of the series it is a visit of


def appointment_of(
    row: Any, policy: PatientDisplay, series: Mapping[int, str] | None = None
) -> Appointment:
    message = (row.message_channel, row.message_ts) if row.message_ts else None
    return Appointment(
        ref=row.ref,
        start=row.start_at,
        end=row.end_at,
        status=Status(row.status),
        kind=row.kind,
        label=row.label if policy is not PatientDisplay.ID else row.kind,
        patient=patient_label(policy, row.patient.ref, row.patient.display_name),
        clinician=row.clinician_id,
        location=row.location,
        message=message,
        booked_by=row.booked_by,
        channel=row.channel_id,
        moved_from=row.moved_from,
        changed_by=row.changed_by,
        copy=(row.copy_channel, row.copy_ts) if row.copy_ts else None,
        series=(series or {}).get(row.series_id) if row.series_id is not None else None,
    )


def _series_of(session: Session, row: AppointmentRow) -> dict[int, str]:
    """The S-ref of the visit's series, if it has one, for what the reader is told."""
    if row.series_id is None:
        return {}
    return stored_series.refs_of(session, row.team_id, {row.series_id})


def _row(session: Any, team_id: str, ref: str, *, for_update: bool = False) -> Any:
    if not _REF.match(ref.strip()):
        raise AppointmentRefused(f'"{ref}" is not a visit ref; refs look like A-12. {LIST_USAGE}')
    row = appointments.get_by_ref(session, team_id, ref.strip(), for_update=for_update)
    if row is None:
        raise AppointmentRefused(
            f"There is no visit {ref.strip().upper()} in this workspace. "
            "`/appt list week` shows the coming week."
        )
    return row


@dataclass(frozen=True)
class Changed:
    visit: Appointment
    action: Action
    zone: ZoneInfo  # the reader's
    card_zone: ZoneInfo  # the zone of the channel its card was posted in


class AppointmentChanges(RecordsUseCase):
    """Changes to booked visits, each checked against who is acting."""

    def __init__(
        self, records: Records, *, hooks: Hooks, home: HomeTab, leads: Sequence[timedelta]
    ) -> None:
        super().__init__(records)
        self.hooks, self.home, self.leads = hooks, home, leads

    def act(self, actor: Actor, ref: str, action: Action, reason: str | None = None) -> Changed:
        """Check in, close, mark a no-show or cancel a visit, if its state allows it."""
        self._require_named_or_team(actor, ref, action.doing)
        team_id, user_id = actor.team_id, actor.user_id
        now = self.clock.now()
        with self.db.session() as session:
            row = _row(session, team_id, ref, for_update=True)
            try:
                status = transition(Status(row.status), action, row.ref, patient=row.patient.ref)
            except TransitionRefused as refused:
                raise AppointmentRefused(str(refused)) from None
            appointments.set_status(session, row, status.value, now=now, reason=reason, by=user_id)
            if status is not Status.BOOKED:  # here, done, gone or cancelled: nothing to remind
                appointment_reminders.forget(session, team_id, row.ref, now=now)
            if action in TOLD:
                tell_clinician(session, row, action.value, user_id, now)
            self._announce(session, row, now)
            SqlAuditLog(session).record(
                team_id, user_id, f"appointment.{action.value}", row.ref, at=now
            )
            where = self._card_channel(session, row)
            series = _series_of(session, row)
            visit, booker = appointment_of(row, where.patient_display, series), row.booked_by
        self.home.changed(team_id, (user_id, booker, visit.clinician))
        zone = self.people.timezone(team_id, user_id)
        return Changed(visit, action, zone, where.timezone)

    def move(self, actor: Actor, ref: str, when_text: str) -> Changed:
        """Move a visit to a new start, keeping its length, if nothing else holds that slot."""
        self.access.require_care_team(actor, doing="move visits", ref=parse_ref(ref))
        team_id, user_id = actor.team_id, actor.user_id
        zone = self.people.timezone(team_id, user_id)
        now = self.clock.now()
        # "move A-1 to thursday 2pm" reads as people say it.
        when_text = re.sub(r"^\s*to\s+", "", when_text, flags=re.IGNORECASE)
        if not when_text.strip():
            raise AppointmentRefused("Say when to move it to, e.g. /appt move A-12 tomorrow 3pm")
        try:
            when = self.times.parse(when_text, now, zone)
        except TimeParseError as error:
            raise AppointmentRefused(str(error)) from None
        if not when.has_time or when.at <= now:
            raise AppointmentRefused(
                f'"{when_text}" is not a time from now on. Example: /appt move A-12 tomorrow 3pm'
            )
        with self.db.session() as session:
            row = _row(session, team_id, ref, for_update=True)
            try:
                transition(Status(row.status), Action.MOVE, row.ref, patient=row.patient.ref)
            except TransitionRefused as refused:
                raise AppointmentRefused(str(refused)) from None
            start, end = when.at, when.at + (row.end_at - row.start_at)
            resources = {
                "patient_id": row.patient_id,
                "clinician_id": row.clinician_id,
                "location_key": row.location_key,
            }
            appointments.lock_for_booking(session, team_id, **resources)
            booked_in = self._in_force(session, row, row.channel_id)
            clashes = appointments.conflicts(
                session, team_id, start, end, exclude_id=row.id, **resources
            )
            if clashes:
                busy = appointments.busy_between(
                    session,
                    team_id,
                    start,
                    start + timedelta(days=14),
                    exclude_id=row.id,
                    **resources,
                )
                free = next_free_slots(
                    [Span(a, b) for a, b in busy], end - start, start, booked_in.clinic_hours
                )
                options = (
                    ", ".join(format_span(s.start, s.end, zone) for s in free) or "none in 14 days"
                )
                taken = ", ".join(c.ref for c in clashes)
                raise AppointmentRefused(
                    f"{row.ref} was not moved: {format_span(start, end, zone)} collides with "
                    f"{taken}. Free slots: {options}."
                )
            was = row.start_at
            appointments.reschedule(session, row, start, end, now=now, by=user_id)
            tell_clinician(session, row, Action.MOVE.value, user_id, now, was)
            # Reminders keep the clock of the channel the visit was booked in.
            appointment_reminders.plan(session, row, now, booked_in.timezone, leads=self.leads)
            self._announce(session, row, now)
            SqlAuditLog(session).record(team_id, user_id, "appointment.move", row.ref, at=now)
            where = self._card_channel(session, row)
            series = _series_of(session, row)
            visit, booker = appointment_of(row, where.patient_display, series), row.booked_by
        self.home.changed(team_id, (user_id, booker, visit.clinician))
        return Changed(visit, Action.MOVE, zone, where.timezone)

    def tick(self, actor: Actor, ref: str, item: str) -> None:
        """Keep who ticked an item of a visit's pre-procedure checklist, and when."""
        self._require_named_or_team(actor, ref, TICK)
        if item not in CHECKLIST_ITEMS:
            raise AppointmentRefused(f'"{item[:20]}" is not on the pre-procedure checklist.')
        now = self.clock.now()
        with self.db.session(read_only=True) as session:
            _row(session, actor.team_id, ref)  # it exists in this workspace
        with self.db.session() as session:
            SqlAuditLog(session).record(
                actor.team_id, actor.user_id, f"appointment.checklist.{item}", ref, at=now
            )

    def _require_named_or_team(self, actor: Actor, ref: str, doing: str) -> None:
        """Its booker and its clinician act on a visit even outside any care team (its
        checklist and no-show DMs go to them); anyone else must be in a care team."""
        with self.db.session(read_only=True) as session:
            found = appointments.get_by_ref(session, actor.team_id, ref.strip())
            named = (found.booked_by, found.clinician_id) if found is not None else ()
        if actor.user_id not in named:
            self.access.require_care_team(actor, doing=doing, ref=parse_ref(ref))

    def remember_copy(self, team_id: str, ref: str, channel: str, ts: str) -> None:
        """Keep where the clinician's copy is, so later changes redraw it in place."""
        with self.db.session() as session:
            row = appointments.get_by_ref(session, team_id, ref)
            if row is not None:
                appointments.set_copy(session, row, channel, ts)

    def remember_message(self, team_id: str, ref: str, channel: str, ts: str) -> None:
        """Keep where the confirmation was posted, so later changes update it in place."""
        with self.db.session() as session:
            row = appointments.get_by_ref(session, team_id, ref)
            if row is not None:
                appointments.set_message(session, row, channel, ts, now=self.clock.now())

    def _in_force(
        self, session: Session, row: AppointmentRow, channel: str | None
    ) -> ChannelSettings:
        return self.in_force.in_session(session, row.team_id, [channel or ""])[channel or ""]

    def _card_channel(self, session: Session, row: AppointmentRow) -> ChannelSettings:
        """The settings where the visit's card is: it is redrawn there after a change."""
        return self._in_force(session, row, row.message_channel or row.channel_id)

    def _announce(self, session: Session, row: AppointmentRow, now: datetime) -> None:
        """Tell the features that follow a visit (its pre-approvals) that it moved or changed."""
        on_schedule = Status(row.status) in HOLDS_SLOT
        self.hooks.publish(
            session, AppointmentChanged(row.team_id, row.id, row.start_at, on_schedule, at=now)
        )
