"""Booking a series: every date previewed with what it collides with, nothing booked until
Confirm, then every free date booked in one transaction as visits of one series (S-n).

Each occurrence is a visit of its own (its A-ref, its state, its reminders); the series
keeps the rule it was booked by. What collides is skipped and said so; the channel and the
clinician hear of the series once, not once per visit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.appointments import clashes
from bot.appointments import reminders as appointment_reminders
from bot.appointments.proposal import BookingRefused, Clash, Proposal
from bot.appointments.rules.slots import nearest_free_same_day
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.clinic_hours import ClinicHours, Span
from storage import SqlAuditLog, drafts, reminders
from storage.appointments import queries as appointments
from storage.appointments import series as stored_series

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.shared.access import Actor
    from storage.models import AppointmentRow, PatientRow

SERIES_CARD = "appt-series-card"  # subject: the S-ref; the series' card in its channel
SERIES_COPY = "appt-series-copy"  # subject: the S-ref; the same to its clinician


@dataclass(frozen=True)
class Occurrence:
    """One date of a proposed series, and why it cannot be booked as it is (if it cannot)."""

    start: datetime
    end: datetime
    clashes: tuple[Clash, ...] = ()
    closed: bool = False  # outside clinic hours, or a holiday: booked all the same, but said
    holiday: bool = False  # the clinic's holiday, of its channel's settings
    shift: Span | None = None  # colliding: the nearest free time that day, if there is one

    @property
    def free(self) -> bool:
        return not self.clashes


def shown_plan(found: Sequence[Occurrence]) -> list[str]:
    """What a preview offered, date by date, as text kept with its draft: Confirm books
    exactly this or shows the series again ("free", "<shift start>" or "skip" per date)."""
    return [
        "free" if o.free else o.shift.start.isoformat() if o.shift is not None else "skip"
        for o in found
    ]


@dataclass(frozen=True)
class SeriesPreview:
    """What the coordinator is shown before a series is booked."""

    draft_id: str
    proposal: Proposal
    patient_ref: str | None
    patient_name: str
    occurrences: tuple[Occurrence, ...]
    zone: ZoneInfo
    rechecked: bool = False
    # When the typed words named no kind (or two): the kinds to pick from, with their lengths.
    kind_options: tuple[tuple[str, timedelta], ...] = ()

    @property
    def free(self) -> tuple[Occurrence, ...]:
        return tuple(o for o in self.occurrences if o.free)


@dataclass(frozen=True)
class SeriesBooked:
    """A booked series: its ref, the visits booked and the dates skipped for collisions."""

    ref: str
    proposal: Proposal
    patient_ref: str
    patient_name: str
    visits: tuple[tuple[str, datetime], ...]  # (A-ref, start)
    skipped: tuple[Occurrence, ...]
    shifted: tuple[tuple[str, datetime], ...] = ()  # (A-ref, start) booked at another time


def occurrences_of(
    session: Session,
    proposal: Proposal,
    patient_id: int | None,
    hours: ClinicHours,
    now: datetime,
) -> tuple[Occurrence, ...]:
    """Every date of the series with what holds its patient, clinician or room then, and
    for a colliding one the nearest free time that day: one query over the whole series
    (its first to its last day), not one per date."""
    assert proposal.repeat is not None
    starts = proposal.repeat.starts
    length = proposal.length
    key = appointments.location_key(proposal.location)
    first_day = datetime.combine(starts[0].astimezone(hours.tz).date(), time(0), hours.tz)
    last_day = datetime.combine(starts[-1].astimezone(hours.tz).date(), time(0), hours.tz)
    holding = appointments.conflicts(
        session,
        proposal.team_id,
        first_day,
        # The last visit may run past midnight: what holds its tail collides too.
        max(last_day + timedelta(days=1), starts[-1] + length),
        patient_id=patient_id,
        clinician_id=proposal.clinician,
        location_key=key,
    )
    busy = [Span(row.start_at, row.end_at) for row in holding]
    found = []
    for start in starts:
        end = start + length
        here = [row for row in holding if row.start_at < end and start < row.end_at]
        shift = nearest_free_same_day(busy, Span(start, end), hours, now) if here else None
        found.append(
            Occurrence(
                start,
                end,
                tuple(clashes.clash_of(row, proposal, patient_id, key) for row in here),
                closed=not hours.contains(Span(start, end)),
                holiday=start.astimezone(hours.tz).date() in hours.holidays,
                shift=shift,
            )
        )
    return tuple(found)


class SeriesBooking(RecordsUseCase):
    """Previews a proposed series and books its free dates on Confirm."""

    def __init__(self, records: Records, *, leads: Sequence[timedelta]) -> None:
        super().__init__(records)
        self.leads = leads

    def book(
        self,
        session: Session,
        actor: Actor,
        proposal: Proposal,
        draft_id: str,
        now: datetime,
        patient: PatientRow,
        shown: Sequence[str],
        *,
        shift: bool = False,
    ) -> SeriesBooked | None:
        """Inside the confirming transaction (patient and resources locked): book every free
        date (and with `shift`, each colliding one at the nearest free time that day), or
        None when anything differs from what the preview showed (show it again)."""
        repeat = proposal.repeat
        assert repeat is not None
        in_force = self.in_force.in_session(session, actor.team_id, [proposal.channel_id])
        here = in_force[proposal.channel_id]
        found = occurrences_of(session, proposal, patient.id, here.clinic_hours, now)
        if shown_plan(found) != list(shown):
            return None  # a date taken or freed, or a free time gone, since the preview
        moved = [o for o in found if shift and not o.free and o.shift is not None]
        # (start, end, the rule's date it stands for): a shifted visit keeps its rule date.
        free = sorted(
            [(o.start, o.end, o.start) for o in found if o.free]
            + [(o.shift.start, o.shift.end, o.start) for o in moved if o.shift is not None]
        )
        if not free:
            return None
        if len(free) < 2:
            raise BookingRefused(
                "Only one date of that series is free, so no series was booked. Book that one "
                "visit on its own, or choose other days, e.g. /appt book Jane Doe, physio, "
                "every tuesday and thursday 10am for 6 weeks"
            )
        series = stored_series.add(
            session,
            actor.team_id,
            rule=repeat.rule,
            zone=repeat.zone,
            first_start=repeat.starts[0],  # the rule's own first date, even when skipped
            booked_by=actor.user_id,
            channel_id=proposal.channel_id,
            now=now,
        )
        visits: list[AppointmentRow] = []
        for start, end, rule_date in free:
            row = appointments.add(
                session,
                actor.team_id,
                patient_id=patient.id,
                kind=proposal.kind,
                label=proposal.label,
                start_at=start,
                end_at=end,
                clinician_id=proposal.clinician,
                location=proposal.location,
                notes=proposal.notes,
                booked_by=actor.user_id,
                channel_id=proposal.channel_id,
                now=now,
                series_id=series.id,
                series_start=rule_date,
            )
            # Each visit is reminded of on its own, on the booking channel's clock.
            appointment_reminders.plan(session, row, now, here.timezone, leads=self.leads)
            visits.append(row)
        # The channel and the clinician hear of the series once, not once per visit.
        reminders.schedule(session, actor.team_id, SERIES_CARD, series.ref, now, now=now)
        if proposal.clinician and proposal.clinician != actor.user_id:
            reminders.schedule(session, actor.team_id, SERIES_COPY, series.ref, now, now=now)
        audit = SqlAuditLog(session)
        audit.record(
            actor.team_id, actor.user_id, "series.book", series.ref, proposal.channel_id, at=now
        )
        for row in visits:
            audit.record(
                actor.team_id,
                actor.user_id,
                "appointment.book",
                row.ref,
                proposal.channel_id,
                at=now,
            )
        drafts.mark_used(session, actor.team_id, draft_id, series.ref)
        shifted_starts = {o.shift.start for o in moved if o.shift is not None}
        return SeriesBooked(
            ref=series.ref,
            proposal=replace(proposal, start=free[0][0], end=free[0][1]),
            patient_ref=patient.ref,
            patient_name=patient.display_name,
            visits=tuple((row.ref, row.start_at) for row in visits),
            skipped=tuple(o for o in found if not o.free and o not in moved),
            shifted=tuple((r.ref, r.start_at) for r in visits if r.start_at in shifted_starts),
        )
