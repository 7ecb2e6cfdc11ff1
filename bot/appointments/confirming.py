"""Confirming a preview: the one step that writes a booking, under a lock, checked again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.appointments import clashes
from bot.appointments import reminders as appointment_reminders
from bot.appointments.booking import AlreadyBooked, Booked, Booking, BookingRefused, Preview
from bot.appointments.outbox import announce_booking
from bot.appointments.proposal import Proposal
from bot.appointments.rules.appointment import Status
from bot.appointments.series import SeriesBooked, SeriesBooking, SeriesPreview
from bot.shared.records import Records, RecordsUseCase
from storage import SqlAuditLog, drafts
from storage.appointments import queries as appointments

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session

    from bot.shared.access import Actor
    from bot.shared.home import HomeTab

# A preview older than this is checked and shown again rather than booked.
FRESH_FOR = timedelta(minutes=15)
# Makes sure a channel with visits gets its daily digest: (session, team, channel, now).
PlanDigest = Callable[["Session", str, "str | None", datetime], None]


class Confirming(RecordsUseCase):
    """Books a previewed draft for the person who previewed it."""

    def __init__(
        self,
        records: Records,
        *,
        booking: Booking,
        home: HomeTab,
        plan_digest: PlanDigest,
        leads: Sequence[timedelta],
        series: SeriesBooking,
    ) -> None:
        super().__init__(records)
        self.booking, self.home, self.plan_digest, self.leads = booking, home, plan_digest, leads
        self.series = series

    def confirm(
        self, actor: Actor, draft_id: str, *, shift: bool = False
    ) -> Booked | AlreadyBooked | Preview | SeriesBooked | SeriesPreview:
        """Book a previewed proposal; one gone stale or clashing now is previewed again, and
        one its booker confirmed before answers with the visit it booked."""
        team_id, user_id = actor.team_id, actor.user_id
        booked_before = self.booking.booked_from(actor, draft_id)
        if booked_before is not None:
            return self._already(team_id, booked_before)
        now = self.clock.now()
        zone = self.people.timezone(team_id, user_id)
        proposal = self.booking.draft(actor, draft_id)  # its booker's, and access checked
        if proposal.kind_unsure:  # the preview asks first; a Confirm sent anyway books nothing
            raise BookingRefused(
                f'Pick what kind of visit "{proposal.label}" is first: the preview has a list.'
            )
        made = self.booking.made_at(actor, draft_id)
        if proposal.start <= now:
            self.booking.discard(actor, draft_id)
            example = (
                "/appt book Ana Lima, physio, every tuesday and thursday 10am for 6 weeks"
                if proposal.repeat is not None
                else "/appt book Jane Doe, MRI, tomorrow 3pm"
            )
            raise BookingRefused(
                "That preview's time has passed, so nothing was booked. Book it again with a "
                f"time from now on, e.g. {example}"
            )
        if now - made > FRESH_FOR:
            self.booking.discard(actor, draft_id)
            return self.booking.preview_of(actor, proposal, zone, rechecked=True)
        if proposal.repeat is not None:
            return self._confirm_series(actor, draft_id, proposal, now, zone, shift=shift)
        with self.db.session() as session:
            # The patient first (find_or_create holds a lock on the name or MRN until commit), so
            # two bookings of one new patient lock the same patient and the second sees the first.
            patient = clashes.patient_to_book(session, proposal, user_id, now, zone)
            appointments.lock_for_booking(
                session,
                team_id,
                patient_id=patient.id,
                clinician_id=proposal.clinician,
                location_key=appointments.location_key(proposal.location),
            )
            # A second Confirm that waited on the locks above sees the first one's booking here.
            draft = drafts.get(session, team_id, draft_id)
            booked_before = drafts.made_from(draft) if draft is not None else None
            in_force = self.in_force.in_session(session, team_id, [proposal.channel_id])
            in_force_here = in_force[proposal.channel_id]
            found, _ = clashes.check(session, proposal, patient.id, in_force_here.clinic_hours, now)
            if booked_before is not None:
                session.rollback()
                booked: Booked | None = None
            elif found:
                session.rollback()  # nothing booked, and no new patient left behind
                booked = None
            else:
                row = appointments.add(
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
                # Reminders keep the clock of the channel the visit was booked in.
                appointment_reminders.plan(
                    session, row, now, in_force_here.timezone, leads=self.leads
                )
                # Its card and the clinician's copy, committed with it: sent at once by the
                # listener, by the sweep if Slack fails or the process dies first.
                announce_booking(session, row, now)
                self.plan_digest(session, team_id, proposal.channel_id, now)
                SqlAuditLog(session).record(
                    team_id, user_id, "appointment.book", row.ref, proposal.channel_id, at=now
                )
                drafts.mark_used(session, team_id, draft_id, row.ref)
                booked = Booked(row.ref, proposal, patient.ref, patient.display_name)
        if booked_before is not None:
            return self._already(team_id, booked_before)
        if booked is None:
            self.booking.discard(actor, draft_id)
            return self.booking.preview_of(actor, proposal, zone, rechecked=True)
        self.home.changed(team_id, (user_id, proposal.clinician))
        return booked

    def _confirm_series(
        self,
        actor: Actor,
        draft_id: str,
        proposal: Proposal,
        now: datetime,
        zone: ZoneInfo,
        *,
        shift: bool,
    ) -> SeriesBooked | AlreadyBooked | Preview | SeriesPreview:
        """Book the free dates of a previewed series in one transaction, under the same locks
        as one visit; fewer free dates than shown, and it is shown again instead."""
        shown = self.booking.shown(actor, draft_id)
        with self.db.session() as session:
            patient = clashes.patient_to_book(session, proposal, actor.user_id, now, zone)
            appointments.lock_for_booking(
                session,
                actor.team_id,
                patient_id=patient.id,
                clinician_id=proposal.clinician,
                location_key=appointments.location_key(proposal.location),
            )
            draft = drafts.get(session, actor.team_id, draft_id)
            booked_before = drafts.made_from(draft) if draft is not None else None
            booked = None
            if booked_before is None:
                booked = self.series.book(
                    session, actor, proposal, draft_id, now, patient, shown, shift=shift
                )
            if booked is None:
                session.rollback()  # nothing booked, and no new patient left behind
        if booked_before is not None:
            return self._already(actor.team_id, booked_before)
        if booked is None:
            self.booking.discard(actor, draft_id)
            return self.booking.preview_of(actor, proposal, zone, rechecked=True)
        self.plan_after_series(actor, proposal, now)
        self.home.changed(actor.team_id, (actor.user_id, proposal.clinician))
        return booked

    def plan_after_series(self, actor: Actor, proposal: Proposal, now: datetime) -> None:
        """The booking channel's digest, planned as for one visit."""
        with self.db.session() as session:
            self.plan_digest(session, actor.team_id, proposal.channel_id, now)

    def _already(self, team_id: str, ref: str) -> AlreadyBooked:
        """The visit a preview booked, as it stands now, for the booker who made it."""
        with self.db.session(read_only=True) as session:
            row = appointments.get_by_ref(session, team_id, ref)
            if row is None:  # erased since (retention): say so rather than book again
                raise BookingRefused(f"That preview already booked {ref}; nothing more was done.")
            return AlreadyBooked(
                ref=row.ref,
                patient_ref=row.patient.ref,
                patient_name=row.patient.display_name,
                kind=row.kind,
                label=row.label,
                start=row.start_at,
                end=row.end_at,
                status=Status(row.status),
            )
