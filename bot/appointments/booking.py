"""Booking a visit: typed text becomes a checked proposal; a confirmed proposal becomes A-n.

Nothing is booked from fuzzy text without being shown back: `propose` reads and checks,
stores the proposal as a draft and returns a preview; `Confirming.confirm` books it after
checking again inside a transaction that locks the patient, clinician and room.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.appointments import clashes
from bot.appointments.proposal import (
    AlreadyBooked,
    Booked,
    BookingRefused,
    Clash,
    Preview,
    Proposal,
    RepeatPlan,
)
from bot.appointments.rules.appointment import default_length
from bot.appointments.rules.kinds import STANDARD, Vocabulary
from bot.appointments.rules.quickform import USAGE as QUICK_USAGE
from bot.appointments.rules.quickform import QuickBooking, parse_quick_booking
from bot.appointments.rules.recurrence import (
    DEFAULT_SERIES_LIMIT,
    RepeatError,
    SeriesLimit,
    read_repeat,
)
from bot.appointments.series import SeriesPreview, occurrences_of, shown_plan
from bot.shared.patients import WhichPatient
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.durations import DurationError, parse_duration
from bot.shared.rules.patients import QuickFormError
from bot.shared.rules.people import UnknownPerson
from bot.shared.rules.timeparse import ParsedTime, TimeParseError
from storage import drafts

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from bot.shared.access import Actor
    from bot.shared.directory import Directory
    from storage.models import PatientRow

__all__ = ["AlreadyBooked", "Booked", "Booking", "BookingRefused", "Clash", "Preview", "Proposal"]

PURPOSE = "appt.book"
# Read at start (`warm`): what a first booking's text has, no one's in particular.
WARM_SAMPLE = "Sam Sample MRN 0, MRI, tomorrow 3pm, with <@U0WARMUP>, at Room 1, 30 min"
EXISTING = "book for an existing patient"
REPLY_URL = "reply_url"  # kept in a draft's payload beside the proposal, never sent to Slack
SHOWN = "shown"  # kept beside a series proposal: what its preview showed, date by date
EXPIRED = (
    "That preview has expired or was already used. Book again, e.g. "
    "/appt book Jane Doe, MRI, tomorrow 3pm"
)


@dataclass(frozen=True)
class OnFile:
    """The patient on file a proposal names, as its preview shows them."""

    id: int
    ref: str
    display_name: str

    @classmethod
    def of(cls, row: PatientRow) -> OnFile:
        return cls(row.id, row.ref, row.display_name)


class Booking(RecordsUseCase):
    """From typed text or a form to a previewed draft; the preview's buttons act on the draft."""

    def __init__(
        self,
        records: Records,
        *,
        kinds: Mapping[str, timedelta],
        vocabulary: Vocabulary = STANDARD,
        series_limit: SeriesLimit = DEFAULT_SERIES_LIMIT,
    ) -> None:
        super().__init__(records)
        self.kinds, self.vocabulary = kinds, vocabulary
        self.series_limit = series_limit

    def propose(self, actor: Actor, channel_id: str, text: str) -> Preview | SeriesPreview:
        """Read `/appt book ...` text into a checked proposal and keep it as a draft."""
        zone = self.people.timezone(actor.team_id, actor.user_id)
        now = self.clock.now()
        misread: list[str] = []  # what the time parser said of parts with digits it could not read
        read: dict[str, ParsedTime] = {}  # the parts that are times, as read (read once)

        def is_time(field: str) -> bool:
            try:
                read[field] = self.times.parse(field, now, zone)
            except TimeParseError as error:
                if any(c.isdigit() for c in field) and not _is_duration(field):
                    misread.append(str(error))
                return False
            return True

        try:
            typed = parse_quick_booking(text, is_time, self.kinds, self.vocabulary)
        except ValueError as error:
            # A part with digits that is no time was most likely meant as the when: say why not.
            reason = misread[0] if misread and isinstance(error, QuickFormError) else str(error)
            if reason != str(error):
                reason += f" Example: {QUICK_USAGE}"
            raise BookingRefused(reason) from None
        proposal = self._proposal(actor, channel_id, typed, zone, read.get(typed.when))
        return self.preview_of(actor, proposal, zone)

    def warm(self) -> None:
        """Read a sample booking's text as `propose` does (the rules, the kinds, the times),
        so the first real booking after a start does not pay for their first use."""
        now, zone = self.clock.now(), self.in_force.default_zone()

        def is_time(field: str) -> bool:
            try:
                self.times.parse(field, now, zone)
            except TimeParseError:
                return False
            return True

        # A deployment whose kinds do not take the sample refuses it: warmer all the same.
        with suppress(ValueError):
            parse_quick_booking(WARM_SAMPLE, is_time, self.kinds, self.vocabulary)

    def _start(
        self, typed: QuickBooking, zone: ZoneInfo, read: ParsedTime | None = None
    ) -> tuple[datetime, RepeatPlan | None]:
        """When the visit starts, or the series' first visit and its plan; `read` is the
        when already read (as the typed parts were sorted out), not read again."""
        now = self.clock.now()
        if typed.repeat is not None:
            try:
                repeat = read_repeat(
                    typed.repeat,
                    count_field=typed.repeat_count,
                    now=now,
                    zone=zone,
                    times=self.times,
                    limit=self.series_limit,
                )
            except RepeatError as error:
                raise BookingRefused(str(error)) from None
            plan = RepeatPlan(repeat.rrule, repeat.zone, repeat.starts, repeat.said)
            return repeat.starts[0], plan
        try:
            when = read if read is not None else self.times.parse(typed.when, now, zone)
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
        return when.at, None

    def _proposal(
        self,
        actor: Actor,
        channel_id: str,
        typed: QuickBooking,
        zone: ZoneInfo,
        read: ParsedTime | None = None,
    ) -> Proposal:
        start, repeat = self._start(typed, zone, read)
        clinician = typed.clinician
        if typed.clinician_typed:  # "with dr.patel", or a mistyped "with @dr.patl"
            # A name that is no one for sure is asked back (NobodyByThatName).
            clinician = self.people.named(
                actor.team_id,
                typed.clinician_typed,
                what="clinician",
                example="`/appt book Jane Doe, MRI, tomorrow 3pm, with {mention}`",
            ).id
        check_clinician(self.people, actor.team_id, clinician)
        length = typed.duration or default_length(typed.kind.kind, self.kinds)
        return Proposal(
            team_id=actor.team_id,
            booker=actor.user_id,
            channel_id=channel_id,
            patient=typed.patient,
            kind=typed.kind.kind,
            label=typed.kind.label,
            start=start,
            end=start + length,
            clinician=clinician,
            location=typed.location,
            kind_unsure=typed.kind.unsure,
            kind_candidates=typed.kind.candidates,
            length_given=typed.duration is not None,
            repeat=repeat,
        )

    def preview_of(
        self, actor: Actor, proposal: Proposal, zone: ZoneInfo, *, rechecked: bool = False
    ) -> Preview | SeriesPreview:
        """Check a proposal against the bookings, keep it as a draft and return its preview."""
        patient = self.require_access(actor, proposal)  # the preview shows a patient on file
        now = self.clock.now()
        if proposal.repeat is not None:
            return self._series_preview(proposal, zone, now, rechecked=rechecked)
        with self.db.session() as session:
            hours = self.in_force.in_session(session, proposal.team_id, [proposal.channel_id])
            found, free = clashes.check(
                session,
                proposal,
                patient.id if patient else None,
                hours[proposal.channel_id].clinic_hours,
                now,
            )
            draft_id = drafts.save(
                session, proposal.team_id, proposal.booker, PURPOSE, proposal.payload(), now
            )
        outside = not hours[proposal.channel_id].clinic_hours.contains(proposal.span)
        return Preview(
            draft_id=draft_id,
            proposal=proposal,
            patient_ref=patient.ref if patient else None,
            patient_name=patient.display_name if patient else proposal.patient.name or "",
            clashes=found,
            free=free,
            zone=zone,
            rechecked=rechecked,
            outside_hours=outside,
            kind_options=tuple(self.kinds.items()) if proposal.kind_unsure else (),
        )

    def _series_preview(
        self, proposal: Proposal, zone: ZoneInfo, now: datetime, *, rechecked: bool
    ) -> SeriesPreview:
        """Every date of a proposed series checked at once, kept as a draft."""
        with self.db.session() as session:
            patient = clashes.existing_patient(session, proposal, now, zone)
            hours = self.in_force.in_session(session, proposal.team_id, [proposal.channel_id])
            found = occurrences_of(
                session,
                proposal,
                patient.id if patient else None,
                hours[proposal.channel_id].clinic_hours,
                now,
            )
            # What the booker saw, date by date: Confirm books it, or shows the series again.
            payload = {**proposal.payload(), SHOWN: shown_plan(found)}
            draft_id = drafts.save(
                session, proposal.team_id, proposal.booker, PURPOSE, payload, now
            )
        return SeriesPreview(
            draft_id=draft_id,
            proposal=proposal,
            patient_ref=patient.ref if patient else None,
            patient_name=patient.display_name if patient else proposal.patient.name or "",
            occurrences=found,
            zone=zone,
            rechecked=rechecked,
            kind_options=tuple(self.kinds.items()) if proposal.kind_unsure else (),
        )

    def require_access(self, actor: Actor, proposal: Proposal) -> OnFile | None:
        """A new patient shows nobody's record; booking an existing one needs a care team.
        The patient on file the proposal names comes back (None for someone new)."""
        zone = self.people.timezone(actor.team_id, actor.user_id)
        try:
            with self.db.session(read_only=True) as session:
                patient = clashes.existing_patient(session, proposal, self.clock.now(), zone)
                found = OnFile.of(patient) if patient is not None else None
        except WhichPatient:
            self.access.require_care_team(actor, doing=EXISTING)  # it names patients on file
            raise
        if found is not None:  # asked outside the unit of work: it may wait on Slack
            self.access.require_care_team(actor, doing=EXISTING, ref=found.ref)
        return found

    def draft(self, actor: Actor, draft_id: str) -> Proposal:
        """The proposal behind a preview's buttons, for the person who previewed it only."""
        proposal = self._owned(actor, draft_id)
        self.require_access(actor, proposal)
        return proposal

    def _owned(self, actor: Actor, draft_id: str) -> Proposal:
        # A draft is its booker's alone: anyone else's click on its buttons is refused, audited.
        with self.db.session(read_only=True) as session:
            row = drafts.get(session, actor.team_id, draft_id)
            found = row is not None and row.purpose == PURPOSE
            someone_elses = found and row is not None and row.user_id != actor.user_id
            payload = dict(row.payload) if found and row is not None else None
            made = drafts.made_from(row) if found and row is not None else None
        if someone_elses:
            raise self.access.refused(actor, BookingRefused(EXPIRED))
        if made is not None:
            raise BookingRefused(already_used(made))
        if payload is None:
            raise BookingRefused(EXPIRED)
        payload.pop(REPLY_URL, None)
        payload.pop(SHOWN, None)
        return Proposal.from_payload(payload)

    def shown(self, actor: Actor, draft_id: str) -> list[str]:
        """What the booker's series preview showed, date by date (empty: not a series)."""
        with self.db.session(read_only=True) as session:
            row = drafts.get(session, actor.team_id, draft_id)
            shown = row.payload.get(SHOWN) if row is not None else None
        return [str(s) for s in shown] if isinstance(shown, list) else []

    def booked_from(self, actor: Actor, draft_id: str) -> str | None:
        """The visit the clicker's own preview already booked; None if it booked none (or the
        preview is someone else's, whom the usual refusal answers)."""
        with self.db.session(read_only=True) as session:
            row = drafts.get(session, actor.team_id, draft_id)
            if row is None or row.purpose != PURPOSE or row.user_id != actor.user_id:
                return None
            return drafts.made_from(row)

    def keep_reply_url(self, actor: Actor, draft_id: str, url: str | None) -> None:
        """Keep, on the server, the response_url Slack gave with the click on Edit, so the
        edited preview can be replaced after the form; nothing a form carries is trusted."""
        self._owned(actor, draft_id)
        if not url:
            return
        with self.db.session() as session:
            row = drafts.get(session, actor.team_id, draft_id)
            if row is not None:
                row.payload = {**row.payload, REPLY_URL: url}

    def reply_url(self, actor: Actor, draft_id: str) -> str | None:
        """The response_url kept with the booker's own draft, if any."""
        with self.db.session(read_only=True) as session:
            row = drafts.get(session, actor.team_id, draft_id)
            if row is None or row.user_id != actor.user_id:
                return None
            url = row.payload.get(REPLY_URL)
        return url if isinstance(url, str) else None

    def made_at(self, actor: Actor, draft_id: str) -> datetime:
        with self.db.session(read_only=True) as session:
            row = drafts.get(session, actor.team_id, draft_id)
            return row.created_at if row is not None else self.clock.now()

    def move_proposal(
        self, actor: Actor, draft_id: str, start: datetime
    ) -> Preview | SeriesPreview:
        """The same proposal at another start (a suggested free slot), checked again."""
        proposal = self.draft(actor, draft_id)
        moved = replace(proposal, start=start, end=start + (proposal.end - proposal.start))
        self.discard(actor, draft_id)
        zone = self.people.timezone(actor.team_id, actor.user_id)
        return self.preview_of(actor, moved, zone)

    def choose_kind(self, actor: Actor, draft_id: str, kind: str) -> Preview | SeriesPreview:
        """The kind the booker picked for words that named none (or two): its length too,
        unless one was typed; checked again."""
        if kind not in self.kinds:
            raise BookingRefused(
                f"Pick one of the kinds in the list ({', '.join(self.kinds)}), or press Edit."
            )
        proposal = self.draft(actor, draft_id)
        length = proposal.end - proposal.start
        if not proposal.length_given:
            length = default_length(kind, self.kinds)
        chosen = replace(
            proposal, kind=kind, kind_unsure=False, kind_candidates=(), end=proposal.start + length
        )
        self.discard(actor, draft_id)
        zone = self.people.timezone(actor.team_id, actor.user_id)
        return self.preview_of(actor, chosen, zone)

    def discard(self, actor: Actor, draft_id: str) -> None:
        """Drop the clicker's own draft; one that is gone already is no matter."""
        with self.db.session(read_only=True) as session:
            row = drafts.get(session, actor.team_id, draft_id)
            someone_elses = row is not None and row.user_id != actor.user_id
        if someone_elses:  # a draft is its booker's alone
            raise self.access.refused(actor, BookingRefused(EXPIRED))
        made = self.booked_from(actor, draft_id)
        if made is not None:  # "Not booked." would be untrue: say what the preview did
            raise BookingRefused(already_used(made))
        with self.db.session() as session:
            drafts.discard(session, actor.team_id, draft_id)


def already_used(ref: str) -> str:
    """What a used preview's other buttons say: it booked `ref`, and how to change that."""
    return (
        f"That preview already booked {ref}; nothing more was done. To change it: "
        f"/appt move {ref} tomorrow 4pm, or /appt cancel {ref}"
    )


def _is_duration(field: str) -> bool:
    try:
        return parse_duration(field) is not None
    except DurationError:
        return True


def check_clinician(people: Directory, team_id: str, clinician: str | None) -> None:
    """Refuse a clinician Slack does not know, or one who is a bot or has left."""
    if clinician is None:
        return
    try:
        person = people.person(team_id, clinician)
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
