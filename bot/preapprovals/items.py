"""A pre-approval as readers see it: plain values, the patient shaped by the display policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from bot.preapprovals.plan import chase_of, rounds_in
from bot.preapprovals.rules.coverage import Coverage, SeriesVisit
from bot.preapprovals.rules.preapproval import Status, Urgency, past_payer_clock, payer_deadline
from bot.preapprovals.rules.timing import APPROVED, Risk, Rounds, coverage, expires_too_soon, risk
from bot.shared.rules.display import PatientDisplay, patient_label
from bot.shared.rules.patients import PatientSpec
from bot.shared.rules.refusals import Refused

if TYPE_CHECKING:
    from bot.shared.rules.channel_settings import ChannelSettings
    from storage.preapprovals.listed import Listed
    from storage.preapprovals.models import PreapprovalRow


class PreapprovalRefused(Refused):
    """The request cannot be done; the message says why and what to type instead."""


@dataclass(frozen=True)
class Note:
    author: str
    at: datetime
    text: str  # as typed


class Item(NamedTuple):
    """One pre-approval as a reader sees it: plain values, patient shaped by the policy.
    (A named tuple: a list builds dozens, and a frozen dataclass's init costs ten times.)"""

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
    series: str | None  # S-ref, when it is for a whole series
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
    coverage: Coverage | None = None  # its series' visits against the approval's terms
    # Approved for a series: its visits still to come that the approval does not cover.
    uncovered: tuple[SeriesVisit, ...] = ()

    @property
    def falls_short(self) -> bool:
        """Approved, but not for all it is needed for: it still needs the team's eyes."""
        return self.expires_too_soon or bool(self.uncovered)


@dataclass(frozen=True)
class NewRequest:
    """A pre-approval as the coordinator described it, checked for shape, not yet stored."""

    patient: PatientSpec
    payer: str
    service: str
    service_codes: str | None = None
    diagnosis_codes: str | None = None
    appointment_ref: str | None = None
    series_ref: str | None = None
    owner: str | None = None
    needed_by: datetime | None = None
    urgency: Urgency = Urgency.STANDARD
    payer_ref: str | None = None
    notes: str | None = None


def item_of(
    row: PreapprovalRow | Listed,
    policy: PatientDisplay,
    now: datetime,
    zone: ZoneInfo,
    rounds: Rounds,
) -> Item:
    chase = chase_of(row)
    cover = coverage(chase, zone)
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
        series=row.series.ref if row.series_id is not None and row.series is not None else None,
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
        coverage=cover,
        uncovered=cover.at_risk(now) if cover is not None and chase.status in APPROVED else (),
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


def item_in(
    row: PreapprovalRow,
    policy: PatientDisplay,
    now: datetime,
    channels: Mapping[str, ChannelSettings],
) -> Item:
    """The request as seen in the zone and rounds of the channel it was opened in."""
    own = channels[row.channel_id or ""]
    return item_of(row, policy, now, own.timezone, rounds_in(own))
