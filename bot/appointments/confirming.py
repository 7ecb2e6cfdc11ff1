"""Confirming a preview: the one step that writes a booking, under a lock, checked again."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.appointments import booking
from bot.appointments import reminders as visit_reminders
from bot.appointments.booking import Booked, BookingRefused, Preview
from bot.digest import schedule as digest_schedule
from storage import SqlAuditLog, drafts, patients
from storage.appointments import queries as appointments

if TYPE_CHECKING:
    from bot.runtime.services import Care

# A preview older than this is checked and shown again rather than booked.
FRESH_FOR = timedelta(minutes=15)


def confirm(care: Care, team_id: str, user_id: str, draft_id: str) -> Booked | Preview:
    """Book a previewed proposal, unless it went stale or a clash appeared: then preview again."""
    now = care.clock.now()
    zone = care.people.timezone(team_id, user_id)
    with care.db.session(read_only=True) as session:
        row = drafts.get(session, team_id, draft_id)
        made = row.created_at if row is not None else now
    proposal = booking.draft(care, team_id, user_id, draft_id)
    if proposal.start <= now:
        booking.discard(care, team_id, draft_id)
        raise BookingRefused(
            "That preview's time has passed, so nothing was booked. Book it again with a time "
            "from now on, e.g. /appt book Jane Doe, MRI, tomorrow 3pm"
        )
    if now - made > FRESH_FOR:
        booking.discard(care, team_id, draft_id)
        return booking.preview_of(care, proposal, zone, rechecked=True)
    with care.db.session() as session:
        # The patient first (find_or_create holds a lock on the name or MRN until commit), so
        # two bookings of one new patient lock the same patient and the second sees the first.
        patient = booking.existing_patient(session, proposal) or patients.find_or_create(
            session, team_id, proposal.patient.name or "", proposal.patient.mrn, user_id, now=now
        )
        appointments.lock_for_booking(
            session,
            team_id,
            patient_id=patient.id,
            clinician_id=proposal.clinician,
            location_key=appointments.location_key(proposal.location),
        )
        clashes, _ = booking.check(care, session, proposal, patient.id)
        if clashes:
            session.rollback()  # nothing booked, and no new patient left behind
            booked: Booked | None = None
        else:
            row_ = appointments.add(
                session,
                team_id,
                patient_id=patient.id,
                kind=proposal.kind,
                label=proposal.label,
                start_at=proposal.start,
                end_at=proposal.end,
                clinician_id=proposal.clinician,
                location=proposal.location,
                notes=proposal.notes,
                booked_by=user_id,
                channel_id=proposal.channel_id,
                now=now,
            )
            visit_reminders.plan(
                session, row_, now, care.settings.timezone, leads=care.settings.reminder_leads
            )
            digest_schedule.plan(session, care.settings, team_id, proposal.channel_id, now)
            SqlAuditLog(session).record(
                team_id, user_id, "appointment.book", row_.ref, proposal.channel_id, at=now
            )
            drafts.discard(session, team_id, draft_id)
            booked = Booked(row_.ref, proposal, patient.ref, patient.display_name)
    if booked is None:
        booking.discard(care, team_id, draft_id)
        return booking.preview_of(care, proposal, zone, rechecked=True)
    care.home.changed(team_id, (user_id, proposal.clinician))
    return booked
