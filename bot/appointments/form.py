"""The booking modal's fields, read into a checked Proposal or one message per field.

The quick form's rules, field by field: the patient as "P-4", "Jane Doe" or "Omar Haddad
MRN 88123" (plus an optional MRN field); the time on the booker's own wall clock, from
now on, never a day without a time; a duration from 5 minutes to 12 hours, else the
kind's default; a clinician who is still an active member. A typed "when" wins over
the date and time pickers, so an edited, prefilled form needs no clearing to retime.
Every field is checked, so all problems come back at once, each with an example.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.appointments.booking import EXISTING, BookingRefused, Proposal, check_clinician
from bot.appointments.proposal import RepeatPlan
from bot.appointments.rules.appointment import (
    KIND_EXAMPLE,
    KINDS,
    OTHER,
    KindChoice,
    default_length,
)
from bot.appointments.rules.quickform import MAX_LOCATION_CHARS
from bot.appointments.rules.recurrence import (
    DEFAULT_SERIES_LIMIT,
    RepeatError,
    SeriesLimit,
    read_repeat,
)
from bot.shared import patients as typed_patients
from bot.shared.access import Actor
from bot.shared.patients import WhichPatient
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.durations import EXAMPLE as DURATION_EXAMPLE
from bot.shared.rules.durations import DurationError, format_duration, parse_duration
from bot.shared.rules.patients import (
    MAX_MRN_CHARS,
    NEW_PATIENT,
    PatientSpec,
    QuickFormError,
    read_patient,
)
from bot.shared.rules.timeparse import TimeParseError, format_when
from storage import patients

if TYPE_CHECKING:
    from bot.shared.directory import Directory
    from bot.shared.rules.timeparse import TimeParser
    from storage import Database

# Field names, used as the modal's block ids, so errors land under their field.
PATIENT, MRN, KIND, DATE, TIME, WHEN = "patient", "mrn", "kind", "date", "time", "when"
DURATION, CLINICIAN, LOCATION, NOTES = "duration", "clinician", "location", "notes"
REPEATS = "repeats"
MAX_REPEATS_CHARS = 160  # what the repeat reader reads at most
MAX_PATIENT_CHARS = 150  # a name of 120 plus " MRN " and the MRN
MAX_WHEN_CHARS = 64  # what the time parser reads at most
MAX_NOTES_CHARS = 2000
PATIENT_EXAMPLE = "Jane Doe, Omar Haddad MRN 88123 or P-4"
# Before the ack: a busy database gives up quickly rather than miss Slack's 3 seconds.
LOOKUP_WAIT_S = 1.0

_MRN_ID = re.compile(rf"[A-Za-z0-9-]{{1,{MAX_MRN_CHARS}}}")

FieldErrors = dict[str, str]


@dataclass(frozen=True)
class FormFields:
    """What the modal's inputs hold, as plain values (empty text when left blank)."""

    patient: str = ""
    mrn: str = ""
    kind: str | None = None
    date: str | None = None  # "2027-03-02", as the date picker sends it
    time: str | None = None  # "09:30", as the time picker sends it
    when: str = ""
    duration: str = ""
    clinician: str | None = None  # a Slack user id
    location: str = ""
    notes: str = ""
    repeats: str = ""  # "every tuesday and thursday 10am for 6 weeks": a series


class BookingForm(RecordsUseCase):
    """Reads the booking modal's fields before the ack: a proposal, or what to fix where."""

    def __init__(
        self,
        records: Records,
        *,
        kinds: Mapping[str, timedelta],
        series_limit: SeriesLimit = DEFAULT_SERIES_LIMIT,
    ) -> None:
        super().__init__(records)
        self.kinds, self.series_limit = kinds, series_limit

    def read(
        self,
        team_id: str,
        user_id: str,
        channel_id: str,
        fields: FormFields,
        *,
        kept: KindChoice | None = None,
    ) -> Proposal | FieldErrors:
        """A Proposal booked by user_id, or a message per field; `kept`: an edited draft's kind."""
        errors: FieldErrors = {}
        zone = self.people.timezone(team_id, user_id)
        patient = _patient(self.db, team_id, fields, errors)
        if patient is not None and patient.ref is None and PATIENT not in errors:
            self._ask_which(Actor(team_id, user_id, channel_id), patient, zone, errors)
        kinds = self.kinds
        choice = _kind(fields.kind, kept, kinds, errors)
        repeat = self._repeat(fields, zone, errors)
        start = (
            repeat.starts[0]
            if repeat is not None
            else _start(self.times, self.clock.now(), fields, zone, errors)
            if REPEATS not in errors
            else None
        )
        length = _length(fields.duration, fields.kind, kinds, errors)
        clinician = _clinician(self.people, team_id, fields.clinician, errors)
        location = _location(fields.location, errors)
        notes = _notes(fields.notes, errors)
        if errors:
            return errors
        if patient is None or choice is None or start is None or length is None:
            raise AssertionError("each field either reads or leaves a message")
        return Proposal(
            team_id=team_id,
            booker=user_id,
            channel_id=channel_id,
            patient=patient,
            kind=choice.kind,
            label=choice.label,
            start=start,
            end=start + length,
            clinician=clinician,
            location=location,
            notes=notes,
            repeat=repeat,
        )

    def _repeat(self, fields: FormFields, zone: ZoneInfo, errors: FieldErrors) -> RepeatPlan | None:
        """The Repeats part read into a series plan; it says its own days and time, so a date,
        time or when filled in too is one too many (never guessed between)."""
        typed = _words(fields.repeats)
        if not typed:
            return None
        if fields.date or fields.time or _words(fields.when):
            errors[REPEATS] = (
                "A series says its own days and time here: clear the date, time and when above, "
                "or clear this to book one visit."
            )
            return None
        try:
            repeat = read_repeat(
                typed,
                count_field=None,
                now=self.clock.now(),
                zone=zone,
                times=self.times,
                limit=self.series_limit,
            )
        except RepeatError as error:
            errors[REPEATS] = str(error)
            return None
        return RepeatPlan(repeat.rrule, repeat.zone, repeat.starts, repeat.said)

    def _ask_which(
        self, actor: Actor, spec: PatientSpec, zone: ZoneInfo, errors: FieldErrors
    ) -> None:
        """A typed name that is not one patient for sure is asked about under its field, to
        care-team members only (the question names patients on file)."""
        try:
            with self.db.session(read_only=True, max_wait_s=LOOKUP_WAIT_S) as session:
                typed_patients.find(
                    session,
                    actor.team_id,
                    spec,
                    now=self.clock.now(),
                    zone=zone,
                    example=lambda ref: f"/appt book {ref}, ...",
                )
        except WhichPatient as unsure:
            self.access.require_care_team(actor, doing=EXISTING)
            errors[PATIENT] = unsure.field_text


def prefill_of(
    proposal: Proposal, zone: ZoneInfo, kinds: Mapping[str, timedelta] = KINDS
) -> FormFields:
    """The fields that would give this proposal again, on the editor's wall clock."""
    local = proposal.start.astimezone(zone)
    length = proposal.end - proposal.start
    spec = proposal.patient
    return FormFields(
        patient=spec.ref or (f"{spec.name} {NEW_PATIENT}" if spec.new else spec.name or ""),
        mrn="" if spec.ref else spec.mrn or "",
        kind=proposal.kind,
        date=local.date().isoformat(),
        time=local.strftime("%H:%M"),
        # Left empty at the kind's default, so picking another kind takes its default.
        duration="" if length == kinds.get(proposal.kind) else format_duration(length),
        clinician=proposal.clinician,
        location=proposal.location or "",
        notes=proposal.notes or "",
    )


def _words(text: str) -> str:
    return " ".join(text.split())


def _patient(
    db: Database, team_id: str, fields: FormFields, errors: FieldErrors
) -> PatientSpec | None:
    typed, mrn = _words(fields.patient), fields.mrn.strip()
    if mrn and not _MRN_ID.fullmatch(mrn):
        errors[MRN] = (
            f'"{mrn}" is not an MRN: use 1 to {MAX_MRN_CHARS} letters, digits or dashes, '
            "e.g. 88123."
        )
        mrn = ""
    if not typed:
        errors[PATIENT] = (
            "Who is the visit for? Give a name, a name with an MRN, or a patient ref, "
            f"e.g. {PATIENT_EXAMPLE}."
        )
        return None
    try:
        spec = read_patient(typed)
    except QuickFormError as refused:
        errors[PATIENT] = str(refused)
        return None
    if spec.ref is not None and not _patient_exists(db, team_id, spec.ref):
        errors[PATIENT] = (
            f"There is no patient {spec.ref} in this workspace. Give a name (and MRN) "
            "instead, e.g. Jane Doe MRN 88123."
        )
    if mrn and spec.ref is not None:
        errors[MRN] = (
            f"{spec.ref} already names the patient: leave the MRN empty, or give the "
            "patient's name instead, e.g. Omar Haddad with MRN 88123."
        )
    elif mrn and spec.mrn not in (None, mrn):
        errors[MRN] = (
            f"The patient field says MRN {spec.mrn} and this field says {mrn}: give it "
            "once, e.g. Omar Haddad as the patient and 88123 here."
        )
    return replace(spec, mrn=mrn or spec.mrn)


def _patient_exists(db: Database, team_id: str, ref: str) -> bool:
    with db.session(read_only=True, max_wait_s=LOOKUP_WAIT_S) as session:
        return patients.get_by_ref(session, team_id, ref) is not None


def _kind(
    selected: str | None,
    kept: KindChoice | None,
    kinds: Mapping[str, timedelta],
    errors: FieldErrors,
) -> KindChoice | None:
    if not selected or selected not in kinds:
        errors[KIND] = f"Pick the kind of visit from the list. {KIND_EXAMPLE}"
        return None
    # An edited "MRI (imaging)" stays MRI while its kind is left as it was.
    if kept is not None and kept.kind == selected:
        return kept
    return KindChoice(kind=selected, label=selected)


def _start(
    times: TimeParser, now: datetime, fields: FormFields, zone: ZoneInfo, errors: FieldErrors
) -> datetime | None:
    typed = _words(fields.when)
    if not typed and fields.date and fields.time:
        return _picked_start(times, fields.date, fields.time, now, zone, errors)
    if not typed:
        errors.update(
            {TIME: "Pick a time too: a day without a time can't be booked, e.g. 09:30."}
            if fields.date
            else {DATE: 'Pick a date and a time, or type when below, e.g. "tomorrow 3pm".'}
        )
        return None
    try:
        when = times.parse(typed, now, zone)
    except TimeParseError as error:
        errors[WHEN] = str(error)
        return None
    if not when.has_time:
        errors[WHEN] = f'"{typed}" is a day without a time. Add the time, e.g. "{typed} 9:30am".'
    elif when.at <= now:
        errors[WHEN] = f'"{typed}" is in the past. Give a time from now on, e.g. "tomorrow 9:30am".'
    return when.at if WHEN not in errors else None


def _picked_start(
    times: TimeParser, day: str, clock: str, now: datetime, zone: ZoneInfo, errors: FieldErrors
) -> datetime | None:
    try:
        times.parse(day, now, zone)  # refuses a day gone by, or years away
    except TimeParseError as error:
        errors[DATE] = str(error)
        return None
    try:
        at = times.parse(f"{day} {clock}", now, zone).at
    except TimeParseError as error:  # a time the clocks skip the night DST starts
        errors[TIME] = str(error)
        return None
    if at <= now:
        errors[TIME] = (
            f"{format_when(at, zone)} has passed. Pick a time from now on, e.g. tomorrow at 09:30."
        )
        return None
    return at


def _length(
    typed: str, kind: str | None, kinds: Mapping[str, timedelta], errors: FieldErrors
) -> timedelta | None:
    words = _words(typed)
    if not words:
        return default_length(kind or OTHER, kinds)
    try:
        length = parse_duration(words)
    except DurationError as refused:
        errors[DURATION] = str(refused)
        return None
    if length is None:
        errors[DURATION] = (
            f'I couldn\'t read "{words}" as a length of time (it needs a unit). {DURATION_EXAMPLE}'
        )
    return length


def _clinician(
    people: Directory, team_id: str, user: str | None, errors: FieldErrors
) -> str | None:
    if not user:
        return None
    try:
        check_clinician(people, team_id, user)
    except BookingRefused as refused:
        errors[CLINICIAN] = f"{refused} Pick someone else, or leave it empty to book without one."
        return None
    return user


def _location(typed: str, errors: FieldErrors) -> str | None:
    words = _words(typed)
    if len(words) > MAX_LOCATION_CHARS:
        errors[LOCATION] = (
            f"A location is at most {MAX_LOCATION_CHARS} characters; that one has "
            f"{len(words)}. Example: Radiology 2"
        )
    return words or None


def _notes(typed: str, errors: FieldErrors) -> str | None:
    notes = typed.strip()  # kept as typed, line breaks and all; escaped wherever shown
    if len(notes) > MAX_NOTES_CHARS:
        errors[NOTES] = (
            f"Notes are at most {MAX_NOTES_CHARS:,} characters; these have {len(notes):,}. "
            "Keep what the team needs, e.g. Fasting from midnight; bring the referral."
        )
    return notes or None
