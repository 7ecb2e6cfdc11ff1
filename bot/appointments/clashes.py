"""What a proposal collides with, and the free slots of the same length around it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.appointments.proposal import BookingRefused, Clash, Proposal
from bot.appointments.rules.slots import next_free_slots
from bot.shared import patients as typed_patients
from bot.shared.rules.clinic_hours import ClinicHours, Span
from storage import patients
from storage.appointments import queries as appointments

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session

    from storage.models import AppointmentRow, PatientRow

SEARCH_AHEAD = timedelta(days=14)


def existing_patient(
    session: Session, proposal: Proposal, now: datetime, zone: ZoneInfo
) -> PatientRow | None:
    """The patient the proposal names, if they are on file; a P-ref that is not is refused,
    and a name that is not one patient for sure is asked about (WhichPatient)."""
    spec = proposal.patient
    if spec.ref:
        found = patients.get_by_ref(session, proposal.team_id, spec.ref)
        if found is None:
            raise BookingRefused(
                f"There is no patient {spec.ref} in this workspace. "
                "Give a name (and MRN) instead, e.g. "
                "/appt book Jane Doe MRN 88123, MRI, tomorrow 3pm"
            )
        return found
    return typed_patients.find(
        session, proposal.team_id, spec, now=now, zone=zone, example=_book_example(proposal)
    )


def patient_to_book(
    session: Session, proposal: Proposal, by: str, now: datetime, zone: ZoneInfo
) -> PatientRow:
    """The patient the proposal names, added if new (holding a lock on the name or MRN
    until commit, so two bookings of one new patient make one patient)."""
    found = existing_patient(session, proposal, now, zone)
    if found is not None:
        return found
    return typed_patients.find_or_create(
        session,
        proposal.team_id,
        proposal.patient,
        by,
        now=now,
        zone=zone,
        example=_book_example(proposal),
    )


def _book_example(proposal: Proposal) -> Callable[[str], str]:
    """The booking as typed, with a patient's ref for its name."""
    return lambda ref: f"/appt book {ref}, {proposal.label}, ..."


def clash_of(
    row: AppointmentRow, proposal: Proposal, patient_id: int | None, key: str | None
) -> Clash:
    """A visit in the proposal's way, and what it shares with it: patient, clinician, room."""
    shared = (
        ("patient", patient_id is not None and row.patient_id == patient_id),
        ("clinician", proposal.clinician is not None and row.clinician_id == proposal.clinician),
        ("room", key is not None and row.location_key == key),
    )
    return Clash(row.ref, row.start_at, row.end_at, tuple(name for name, same in shared if same))


def check(
    session: Session,
    proposal: Proposal,
    patient_id: int | None,
    hours: ClinicHours,
    now: datetime,
    exclude: int | None = None,
) -> tuple[tuple[Clash, ...], tuple[Span, ...]]:
    """The visits holding the proposal's patient, clinician or room, and free slots if any do."""
    key = appointments.location_key(proposal.location)
    found = appointments.conflicts(
        session,
        proposal.team_id,
        proposal.start,
        proposal.end,
        patient_id=patient_id,
        clinician_id=proposal.clinician,
        location_key=key,
        exclude_id=exclude,
    )
    if not found:
        return (), ()
    clashes = tuple(clash_of(row, proposal, patient_id, key) for row in found)
    busy = appointments.busy_between(
        session,
        proposal.team_id,
        proposal.start,
        proposal.start + SEARCH_AHEAD,
        patient_id=patient_id,
        clinician_id=proposal.clinician,
        location_key=key,
        exclude_id=exclude,
    )
    free = next_free_slots(
        [Span(start, end) for start, end in busy],
        proposal.end - proposal.start,
        max(proposal.start, now),
        hours,
    )
    return clashes, tuple(free)
