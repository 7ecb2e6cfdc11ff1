"""After booking: listing visits, and moving, cancelling, checking in and closing them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.appointments import reminders as visit_reminders
from bot.appointments.rules.appointment import (
    HOLDS_SLOT,
    Action,
    Status,
    TransitionRefused,
    transition,
)
from bot.appointments.rules.slots import next_free_slots
from bot.shared import channel_settings
from bot.shared.hooks import AppointmentChanged
from bot.shared.rules.clinic_hours import Span
from bot.shared.rules.display import PatientDisplay, patient_label
from bot.shared.rules.mrkdwn import extract_user_ids
from bot.shared.rules.refusals import Refused
from bot.shared.rules.timeparse import TimeParseError, format_span
from storage import SqlAuditLog, patients
from storage.appointments import queries as appointments

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.runtime.services import Care
    from storage.models import AppointmentRow

PAGE = 40
LIST_USAGE = "/appt list [today|tomorrow|week|<date>] [mine|@clinician|P-4]"
_REF = re.compile(r"^[Aa]-?\d{1,9}$")
_ISO_DAY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
# A day's plan keeps what happened (done, no-show) and drops what was called off.
SHOWN_IN_A_DAY = tuple(
    s.value for s in Status if s not in (Status.CANCELLED, Status.ENTERED_IN_ERROR)
)


class VisitRefused(Refused):
    """The request about a visit cannot be done; the message says why and what to type."""


@dataclass(frozen=True)
class Visit:
    """One appointment as a reader sees it."""

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


@dataclass(frozen=True)
class VisitList:
    title: str
    visits: tuple[Visit, ...]
    total: int
    offset: int
    query: str
    zone: ZoneInfo

    @property
    def next_offset(self) -> int | None:
        after = self.offset + len(self.visits)
        return after if after < self.total else None


def visit_of(row: Any, policy: PatientDisplay) -> Visit:
    message = (row.message_channel, row.message_ts) if row.message_ts else None
    return Visit(
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
    )


def _row(session: Any, team_id: str, ref: str, *, for_update: bool = False) -> Any:
    if not _REF.match(ref.strip()):
        raise VisitRefused(f'"{ref}" is not a visit ref; refs look like A-12. {LIST_USAGE}')
    row = appointments.get_by_ref(session, team_id, ref.strip(), for_update=for_update)
    if row is None:
        raise VisitRefused(
            f"There is no visit {ref.strip().upper()} in this workspace. "
            "`/appt list week` shows the coming week."
        )
    return row


def list_visits(care: Care, team_id: str, user_id: str, text: str, offset: int = 0) -> VisitList:
    """`/appt list ...`: one page of visits in the reader's zone, sorted by time."""
    zone = care.people.timezone(team_id, user_id)
    start_day, days, title, rest = _range(care, text, zone)
    start = datetime.combine(start_day, time(0), zone)
    end = datetime.combine(start_day + timedelta(days=days), time(0), zone)
    policy = care.patient_display(team_id)
    with care.db.session(read_only=True) as session:
        filters, who = _filters(session, team_id, user_id, rest)
        total = appointments.count_between(session, team_id, start, end, **filters)
        rows = appointments.between(
            session, team_id, start, end, limit=PAGE, offset=offset, **filters
        )
        visits = tuple(visit_of(row, policy) for row in rows)
    return VisitList(f"{title}{who}", visits, total, offset, text, zone)


def of_person(
    care: Care, team_id: str, user_id: str, start: datetime, end: datetime, offset: int, limit: int
) -> tuple[tuple[Visit, ...], int]:
    """A page of the visits in [start, end) with this clinician or booker, and how many."""
    policy = care.patient_display(team_id)
    filters: dict[str, Any] = {"involving": user_id, "statuses": SHOWN_IN_A_DAY}
    with care.db.session(read_only=True) as session:
        total = appointments.count_between(session, team_id, start, end, **filters)
        rows = appointments.between(
            session, team_id, start, end, limit=limit, offset=offset, **filters
        )
        return tuple(visit_of(row, policy) for row in rows), total


def _range(care: Care, text: str, zone: ZoneInfo) -> tuple[date, int, str, str]:
    today = care.clock.now().astimezone(zone).date()
    words = text.split()
    head = words[0].lower() if words else "today"
    named = {"today": (today, 1, "Today"), "tomorrow": (today + timedelta(days=1), 1, "Tomorrow")}
    if head in named:
        day, days, title = named[head]
        return day, days, title, " ".join(words[1:])
    if head == "week":
        return today, 7, "The next 7 days", " ".join(words[1:])
    if _ISO_DAY.match(head):  # a day in the past too: reviewing last week's no-shows
        try:
            day = date.fromisoformat(head)
        except ValueError:
            raise VisitRefused(f'"{head}" is not a date. Example: /appt list 2027-03-02') from None
        return day, 1, day.strftime("%a %-d %b %Y"), " ".join(words[1:])
    # The longest leading run of words read as a day, e.g. "dec 3" or "next tuesday";
    # a lone number is not a day ("30" of "30 feb" must not become the 30th of this month).
    for cut in range(min(len(words), 4), 0, -1):
        candidate = " ".join(words[:cut])
        if candidate.isdigit():
            continue
        try:
            parsed = care.times.parse(candidate, care.clock.now(), zone)
        except TimeParseError:
            continue
        day = parsed.at.astimezone(zone).date()
        return day, 1, day.strftime("%a %-d %b %Y"), " ".join(words[cut:])
    return today, 1, "Today", text


def _filters(session: Any, team_id: str, user_id: str, rest: str) -> tuple[dict[str, Any], str]:
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
        raise VisitRefused(
            f'I couldn\'t read "{rest}" as a day, a patient or a filter. Try today, week, '
            f"dec 3, 2027-03-02, mine, @clinician or a P-ref: {LIST_USAGE}"
        )
    return {"patient_id": patient.id}, f" · {patient.ref}"


@dataclass(frozen=True)
class Changed:
    visit: Visit
    action: Action
    zone: ZoneInfo


def act(
    care: Care, team_id: str, user_id: str, ref: str, action: Action, reason: str | None = None
) -> Changed:
    """Check in, close, mark a no-show or cancel a visit, if its state allows it."""
    now = care.clock.now()
    with care.db.session() as session:
        row = _row(session, team_id, ref, for_update=True)
        try:
            status = transition(Status(row.status), action, row.ref, patient=row.patient.ref)
        except TransitionRefused as refused:
            raise VisitRefused(str(refused)) from None
        appointments.set_status(session, row, status.value, now=now, reason=reason)
        if status is not Status.BOOKED:  # here, done, gone or cancelled: nothing to remind
            visit_reminders.forget(session, team_id, row.ref, now=now)
        _announce(care, session, row, now)
        SqlAuditLog(session).record(
            team_id, user_id, f"appointment.{action.value}", row.ref, at=now
        )
        visit, booker = visit_of(row, _channel_policy(care, session, row)), row.booked_by
    care.home.changed(team_id, (user_id, booker, visit.clinician))
    return Changed(visit, action, care.people.timezone(team_id, user_id))


def move(care: Care, team_id: str, user_id: str, ref: str, when_text: str) -> Changed:
    """Move a visit to a new start, keeping its length, if nothing else holds that slot."""
    zone = care.people.timezone(team_id, user_id)
    now = care.clock.now()
    if not when_text.strip():
        raise VisitRefused("Say when to move it to, e.g. /appt move A-12 tomorrow 3pm")
    try:
        when = care.times.parse(when_text, now, zone)
    except TimeParseError as error:
        raise VisitRefused(str(error)) from None
    if not when.has_time or when.at <= now:
        raise VisitRefused(
            f'"{when_text}" is not a time from now on. Example: /appt move A-12 tomorrow 3pm'
        )
    with care.db.session() as session:
        row = _row(session, team_id, ref, for_update=True)
        try:
            transition(Status(row.status), Action.MOVE, row.ref, patient=row.patient.ref)
        except TransitionRefused as refused:
            raise VisitRefused(str(refused)) from None
        start, end = when.at, when.at + (row.end_at - row.start_at)
        resources = {
            "patient_id": row.patient_id,
            "clinician_id": row.clinician_id,
            "location_key": row.location_key,
        }
        appointments.lock_for_booking(session, team_id, **resources)
        clashes = appointments.conflicts(
            session, team_id, start, end, exclude_id=row.id, **resources
        )
        if clashes:
            busy = appointments.busy_between(
                session, team_id, start, start + timedelta(days=14), exclude_id=row.id, **resources
            )
            free = next_free_slots(
                [Span(a, b) for a, b in busy],
                end - start,
                start,
                channel_settings.for_channels_in(
                    session, care.settings, team_id, [row.channel_id or ""]
                )[row.channel_id or ""].clinic_hours,
            )
            options = (
                ", ".join(format_span(s.start, s.end, zone) for s in free) or "none in 14 days"
            )
            taken = ", ".join(c.ref for c in clashes)
            raise VisitRefused(
                f"{row.ref} was not moved: {format_span(start, end, zone)} collides with {taken}. "
                f"Free slots: {options}."
            )
        appointments.reschedule(session, row, start, end, now=now)
        visit_reminders.plan(
            session, row, now, care.settings.timezone, leads=care.settings.reminder_leads
        )
        _announce(care, session, row, now)
        SqlAuditLog(session).record(team_id, user_id, "appointment.move", row.ref, at=now)
        visit, booker = visit_of(row, _channel_policy(care, session, row)), row.booked_by
    care.home.changed(team_id, (user_id, booker, visit.clinician))
    return Changed(visit, Action.MOVE, zone)


def _channel_policy(care: Care, session: Session, row: AppointmentRow) -> PatientDisplay:
    """How the visit's channel shows patients: its card there is redrawn after a change."""
    channel = row.message_channel or row.channel_id or ""
    return channel_settings.for_channels_in(session, care.settings, row.team_id, [channel])[
        channel
    ].patient_display


def remember_message(care: Care, team_id: str, ref: str, channel: str, ts: str) -> None:
    """Keep where the confirmation was posted, so later changes update it in place."""
    with care.db.session() as session:
        row = appointments.get_by_ref(session, team_id, ref)
        if row is not None:
            appointments.set_message(session, row, channel, ts, now=care.clock.now())


def _announce(care: Care, session: Session, row: AppointmentRow, now: datetime) -> None:
    """Tell the features that follow a visit (its pre-approvals) that it moved or changed."""
    on_schedule = Status(row.status) in HOLDS_SLOT
    care.hooks.publish(
        session, AppointmentChanged(row.team_id, row.id, row.start_at, on_schedule, at=now)
    )
