"""Pre-approvals: opening one, and how readers see one; bot.preapprovals.plan plans reminders."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.digest import schedule as digest_schedule
from bot.preapprovals.plan import chase_of, plan, rounds_of
from bot.preapprovals.rules.preapproval import Status, Urgency, past_payer_clock, payer_deadline
from bot.preapprovals.rules.timing import Risk, Rounds, expires_too_soon, risk
from bot.shared.rules.display import PatientDisplay, patient_label
from bot.shared.rules.patients import PatientSpec
from bot.shared.rules.people import UnknownPerson
from bot.shared.rules.refusals import Refused
from storage import SqlAuditLog, patients
from storage.preapprovals import queries as preapprovals

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.runtime.services import Care
    from storage.models import PatientRow
    from storage.preapprovals.models import PreapprovalRow

log = logging.getLogger(__name__)


class PreauthRefused(Refused):
    """The request cannot be done; the message says why and what to type instead."""


@dataclass(frozen=True)
class Note:
    author: str
    at: datetime
    text: str  # as typed


@dataclass(frozen=True)
class Item:
    """One pre-approval as a reader sees it: plain values, patient shaped by the policy."""

    id: int
    ref: str
    status: Status
    urgency: Urgency
    patient: str  # escaped mrkdwn
    payer: str  # as typed
    service: str  # as typed
    service_codes: str | None
    diagnosis_codes: str | None
    appointment: str | None  # A-ref
    needed_by: datetime | None
    owner: str
    created_by: str
    channel_id: str | None
    payer_ref: str | None
    auth_number: str | None
    approved_units: int | None
    valid_from: date | None
    valid_to: date | None
    denial_reason: str | None
    notes: tuple[Note, ...]
    submitted_at: datetime | None
    snoozed_until: datetime | None
    resolved_by: str | None
    risk: Risk
    late: bool  # past the payer's decision clock
    deadline: datetime | None
    expires_too_soon: bool


@dataclass(frozen=True)
class NewRequest:
    """A pre-approval as the coordinator described it, checked for shape, not yet stored."""

    patient: PatientSpec
    payer: str
    service: str
    service_codes: str | None = None
    diagnosis_codes: str | None = None
    appointment_ref: str | None = None
    owner: str | None = None
    needed_by: datetime | None = None
    urgency: Urgency = Urgency.STANDARD
    payer_ref: str | None = None
    notes: str | None = None


def item_of(
    row: PreapprovalRow, policy: PatientDisplay, now: datetime, zone: ZoneInfo, rounds: Rounds
) -> Item:
    chase = chase_of(row)
    return Item(
        id=row.id,
        ref=row.ref,
        status=chase.status,
        urgency=chase.urgency,
        patient=patient_label(policy, row.patient.ref, row.patient.display_name),
        payer=row.payer,
        service=row.service,
        service_codes=row.service_codes,
        diagnosis_codes=row.diagnosis_codes,
        appointment=row.appointment.ref if row.appointment is not None else None,
        needed_by=row.needed_by,
        owner=row.owner_id,
        created_by=row.created_by,
        channel_id=row.channel_id,
        payer_ref=row.payer_ref,
        auth_number=row.auth_number,
        approved_units=row.approved_units,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        denial_reason=row.denial_reason,
        notes=read_notes(row.notes),
        submitted_at=row.submitted_at,
        snoozed_until=row.snoozed_until if row.snoozed_until and row.snoozed_until > now else None,
        resolved_by=row.resolved_by,
        risk=risk(chase, now, zone, rounds),
        late=past_payer_clock(chase.status, chase.submitted_at, chase.urgency, now),
        deadline=payer_deadline(chase.submitted_at, chase.urgency),
        expires_too_soon=expires_too_soon(chase, zone),
    )


def read_notes(stored: str | None) -> tuple[Note, ...]:
    """Notes are stored one a line as "<user>|<ISO instant>|<text>"."""
    notes = []
    for line in (stored or "").splitlines():
        author, _, rest = line.partition("|")
        at, _, text = rest.partition("|")
        try:
            notes.append(Note(author, datetime.fromisoformat(at), text))
        except ValueError:
            continue
    return tuple(notes)


def add_note_line(stored: str | None, author: str, at: datetime, text: str) -> str:
    line = f"{author}|{at.isoformat()}|{' '.join(text.split())}"
    return f"{stored}\n{line}" if stored else line


def check_owner(care: Care, team_id: str, user_id: str) -> None:
    """Refuse an owner Slack does not know, a bot, or someone who has left."""
    try:
        person = care.people.person(team_id, user_id)
    except UnknownPerson:
        raise PreauthRefused(
            "I couldn't find that person in this workspace. Mention a current member, "
            "e.g. owner @dana."
        ) from None
    if not person.can_be_assigned:
        raise PreauthRefused(
            "That person can't own a pre-approval (a bot, or no longer in this workspace). "
            "Mention a current member, e.g. owner @dana."
        )


def create(care: Care, team_id: str, user_id: str, channel_id: str, request: NewRequest) -> Item:
    """Store a new pre-approval as PA-n, owned by the requester unless told otherwise."""
    now = care.clock.now()
    owner = request.owner or user_id
    check_owner(care, team_id, owner)
    owner_zone = care.people.timezone(team_id, owner)
    policy = care.patient_display(team_id)
    rounds = rounds_of(care)
    with care.db.session() as session:
        appointment = None
        needed_by = request.needed_by
        if request.appointment_ref:
            appointment = preapprovals.appointment_by_ref(session, team_id, request.appointment_ref)
            if appointment is None:
                raise PreauthRefused(
                    f"There is no visit {request.appointment_ref} in this workspace. "
                    "`/appt list week` shows the coming week; or leave out the `for A-n` part."
                )
            needed_by = appointment.start_at
        patient = _patient(session, team_id, user_id, request.patient, now)
        if appointment is not None and appointment.patient_id != patient.id:
            raise PreauthRefused(
                f"{request.appointment_ref} is for another patient, not {patient.ref}. "
                f"Check the visit ref, or give the patient as the visit has it."
            )
        care_channel = channel_id if channel_id[:1] in ("C", "G") else None
        if care_channel is None and appointment is not None:
            care_channel = appointment.channel_id
        row = preapprovals.add(
            session,
            team_id,
            now=now,
            patient_id=patient.id,
            payer=request.payer,
            service=request.service,
            service_codes=request.service_codes,
            diagnosis_codes=request.diagnosis_codes,
            appointment_id=appointment.id if appointment is not None else None,
            needed_by=needed_by,
            owner_id=owner,
            created_by=user_id,
            channel_id=care_channel,
            urgency=request.urgency.value,
            status=Status.NOT_STARTED.value,
            payer_ref=request.payer_ref,
            notes=add_note_line(None, user_id, now, request.notes) if request.notes else None,
        )
        plan(care, session, row, now, owner_zone)
        digest_schedule.plan(session, care.settings, team_id, care_channel, now)
        SqlAuditLog(session).record(
            team_id, user_id, "preapproval.create", row.ref, channel_id=channel_id, at=now
        )
        item = item_of(row, policy, now, care.settings.timezone, rounds)
    log.info("pre-approval created team=%s ref=%s owner=%s", team_id, item.ref, owner)
    care.home.changed(team_id, (owner,))
    return item


def _patient(
    session: Session, team_id: str, user_id: str, spec: PatientSpec, now: datetime
) -> PatientRow:
    if spec.ref is not None:
        found = patients.get_by_ref(session, team_id, spec.ref)
        if found is None:
            raise PreauthRefused(
                f"There is no patient {spec.ref} in this workspace. Give a name instead, "
                "e.g. Jane Doe or Jane Doe MRN 88123."
            )
        return found
    try:
        return patients.find_or_create(
            session, team_id, spec.name or "", spec.mrn, user_id, now=now
        )
    except ValueError as error:
        raise PreauthRefused(str(error)) from None
