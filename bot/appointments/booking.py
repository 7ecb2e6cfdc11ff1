"""Booking a visit: typed text becomes a checked proposal; a confirmed proposal becomes A-n.

Nothing is booked from fuzzy text without being shown back: `propose` reads and checks,
stores the proposal as a draft and returns a preview; `confirm` books it after checking
again inside a transaction that locks the patient, clinician and room.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.appointments.rules.appointment import default_length
from bot.appointments.rules.quickform import USAGE as QUICK_USAGE
from bot.appointments.rules.quickform import QuickBooking, parse_quick_booking
from bot.appointments.rules.slots import next_free_slots
from bot.shared import channel_settings
from bot.shared.rules.clinic_hours import ClinicHours, Span
from bot.shared.rules.durations import DurationError, format_duration, parse_duration
from bot.shared.rules.patients import PatientSpec, QuickFormError
from bot.shared.rules.people import UnknownPerson
from bot.shared.rules.refusals import Refused
from bot.shared.rules.timeparse import TimeParseError, format_span
from storage import drafts, patients
from storage.appointments import queries as appointments

if TYPE_CHECKING:
    from bot.runtime.services import Care

PURPOSE = "appt.book"
SEARCH_AHEAD = timedelta(days=14)


class BookingRefused(Refused):
    """The booking cannot go ahead; the message says why and what to type instead."""


@dataclass(frozen=True)
class Proposal:
    """A visit as the coordinator described it, checked but not yet booked."""

    team_id: str
    booker: str
    channel_id: str
    patient: PatientSpec
    kind: str
    label: str
    start: datetime
    end: datetime
    clinician: str | None = None
    location: str | None = None
    notes: str | None = None

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    def payload(self) -> dict[str, Any]:
        data = asdict(self)
        data["start"], data["end"] = self.start.isoformat(), self.end.isoformat()
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Proposal:
        values = dict(data)
        values["patient"] = PatientSpec(**values["patient"])
        values["start"] = datetime.fromisoformat(values["start"])
        values["end"] = datetime.fromisoformat(values["end"])
        return cls(**values)


@dataclass(frozen=True)
class Clash:
    """An existing visit the proposal collides with, and on what."""

    ref: str
    start: datetime
    end: datetime
    on: tuple[str, ...]  # "patient", "clinician", "room"


@dataclass(frozen=True)
class Preview:
    """What the coordinator is shown before anything is booked."""

    draft_id: str
    proposal: Proposal
    patient_ref: str | None  # None: a new patient, created on confirm
    patient_name: str
    clashes: tuple[Clash, ...]
    free: tuple[Span, ...]
    zone: ZoneInfo
    rechecked: bool = False
    outside_hours: bool = False  # booked anyway, but worth a second look

    @property
    def when(self) -> str:
        return format_span(self.proposal.start, self.proposal.end, self.zone)

    @property
    def length(self) -> str:
        return format_duration(self.proposal.end - self.proposal.start)


@dataclass(frozen=True)
class Booked:
    ref: str
    proposal: Proposal
    patient_ref: str
    patient_name: str


def propose(care: Care, team_id: str, user_id: str, channel_id: str, text: str) -> Preview:
    """Read `/appt book ...` text into a checked proposal and keep it as a draft."""
    zone = care.people.timezone(team_id, user_id)
    now = care.clock.now()

    misread: list[str] = []  # what the time parser said of parts with digits it could not read

    def is_time(field: str) -> bool:
        try:
            care.times.parse(field, now, zone)
        except TimeParseError as error:
            if any(c.isdigit() for c in field) and not _is_duration(field):
                misread.append(str(error))
            return False
        return True

    try:
        typed = parse_quick_booking(text, is_time, care.settings.visit_kinds)
    except ValueError as error:
        # A part with digits that is no time was most likely meant as the when: say why not.
        reason = misread[0] if misread and isinstance(error, QuickFormError) else str(error)
        if reason != str(error):
            reason += f" Example: {QUICK_USAGE}"
        raise BookingRefused(reason) from None
    proposal = _proposal(care, team_id, user_id, channel_id, typed, zone)
    return preview_of(care, proposal, zone)


def _is_duration(field: str) -> bool:
    try:
        return parse_duration(field) is not None
    except DurationError:
        return True


def _proposal(
    care: Care, team_id: str, user_id: str, channel_id: str, typed: QuickBooking, zone: ZoneInfo
) -> Proposal:
    now = care.clock.now()
    try:
        when = care.times.parse(typed.when, now, zone)
    except TimeParseError as error:
        raise BookingRefused(str(error)) from None
    if not when.has_time:
        raise BookingRefused(
            f'"{typed.when}" is a day without a time. Add the time, e.g. "{typed.when} 9:30am".'
        )
    if when.at <= now:
        raise BookingRefused(
            f'"{typed.when}" is in the past. Give a time from now on, e.g. "tomorrow 9:30am".'
        )
    _check_clinician(care, team_id, typed)
    length = typed.duration or default_length(typed.kind.kind, care.settings.visit_kinds)
    return Proposal(
        team_id=team_id,
        booker=user_id,
        channel_id=channel_id,
        patient=typed.patient,
        kind=typed.kind.kind,
        label=typed.kind.label,
        start=when.at,
        end=when.at + length,
        clinician=typed.clinician,
        location=typed.location,
    )


def _check_clinician(care: Care, team_id: str, typed: QuickBooking) -> None:
    if typed.clinician_typed:
        raise BookingRefused(
            f"I couldn't find {typed.clinician_typed} in this workspace. "
            "Mention the clinician so Slack completes the name, e.g. with @dr.patel."
        )
    check_clinician(care, team_id, typed.clinician)


def check_clinician(care: Care, team_id: str, clinician: str | None) -> None:
    """Refuse a clinician Slack does not know, or one who is a bot or has left."""
    if clinician is None:
        return
    try:
        person = care.people.person(team_id, clinician)
    except UnknownPerson:
        raise BookingRefused(
            "I couldn't find that clinician in this workspace. "
            "Mention a current member, e.g. with @dr.patel."
        ) from None
    if person.is_bot:
        raise BookingRefused(
            "That is a bot, not a clinician. Mention a person, e.g. with @dr.patel."
        )
    if not person.can_be_assigned:
        raise BookingRefused(
            "That clinician can't be booked: they are no longer an active member of this "
            "workspace. Mention a current member, e.g. with @dr.patel."
        )


def preview_of(
    care: Care, proposal: Proposal, zone: ZoneInfo, *, rechecked: bool = False
) -> Preview:
    """Check a proposal against the bookings, keep it as a draft and return its preview."""
    now = care.clock.now()
    with care.db.session() as session:
        patient = existing_patient(session, proposal)
        clashes, free = check(care, session, proposal, patient.id if patient else None)
        draft_id = drafts.save(
            session, proposal.team_id, proposal.booker, PURPOSE, proposal.payload(), now
        )
    return Preview(
        draft_id=draft_id,
        proposal=proposal,
        patient_ref=patient.ref if patient else None,
        patient_name=patient.display_name if patient else proposal.patient.name or "",
        clashes=clashes,
        free=free,
        zone=zone,
        rechecked=rechecked,
        outside_hours=not hours_in(care, proposal).contains(proposal.span),
    )


def hours_in(care: Care, proposal: Proposal) -> ClinicHours:
    """The clinic hours, days and holidays of the channel the visit is booked from."""
    return care.channel_settings(proposal.team_id, proposal.channel_id).clinic_hours


def existing_patient(session: Any, proposal: Proposal) -> Any:
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
    return patients.find(session, proposal.team_id, spec.name or "", spec.mrn)


def check(
    care: Care, session: Any, proposal: Proposal, patient_id: int | None, exclude: int | None = None
) -> tuple[tuple[Clash, ...], tuple[Span, ...]]:
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
    clashes = tuple(
        Clash(
            row.ref,
            row.start_at,
            row.end_at,
            tuple(
                name
                for name, same in (
                    ("patient", patient_id is not None and row.patient_id == patient_id),
                    (
                        "clinician",
                        proposal.clinician is not None and row.clinician_id == proposal.clinician,
                    ),
                    ("room", key is not None and row.location_key == key),
                )
                if same
            ),
        )
        for row in found
    )
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
    hours = channel_settings.for_channels_in(
        session, care.settings, proposal.team_id, [proposal.channel_id]
    )[proposal.channel_id].clinic_hours
    free = next_free_slots(
        [Span(start, end) for start, end in busy],
        proposal.end - proposal.start,
        max(proposal.start, care.clock.now()),
        hours,
    )
    return clashes, tuple(free)


def draft(care: Care, team_id: str, user_id: str, draft_id: str) -> Proposal:
    """The proposal behind a preview's buttons; refused when it is gone or someone else's."""
    with care.db.session(read_only=True) as session:
        row = drafts.get(session, team_id, draft_id)
        if row is None or row.user_id != user_id or row.purpose != PURPOSE:
            raise BookingRefused(
                "That preview has expired or was already used. Book again, e.g. "
                "/appt book Jane Doe, MRI, tomorrow 3pm"
            )
        return Proposal.from_payload(dict(row.payload))


def move_proposal(
    care: Care, team_id: str, user_id: str, draft_id: str, start: datetime
) -> Preview:
    """The same proposal at another start (a suggested free slot), checked again."""
    proposal = draft(care, team_id, user_id, draft_id)
    moved = replace(proposal, start=start, end=start + (proposal.end - proposal.start))
    discard(care, team_id, draft_id)
    return preview_of(care, moved, care.people.timezone(team_id, user_id))


def discard(care: Care, team_id: str, draft_id: str) -> None:
    with care.db.session() as session:
        drafts.discard(session, team_id, draft_id)
