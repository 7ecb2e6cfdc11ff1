"""Opening a pre-approval: from the quick form, from the modal, as PA-n.

How readers see one (`Item`, `item_of`) lives in bot.preapprovals.items and is named here too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.preapprovals.handed import OPENED, tell_new_owner
from bot.preapprovals.items import (
    Item,
    NewRequest,
    Note,
    PreapprovalRefused,
    add_note_line,
    item_in,
)
from bot.preapprovals.items import item_of as item_of
from bot.preapprovals.plan import channels_of, plan
from bot.preapprovals.rules.coverage import SeriesVisit, needed_from
from bot.preapprovals.rules.preapproval import Status, Urgency
from bot.preapprovals.rules.quickform import (
    check_diagnosis_codes,
    check_payer,
    check_payer_ref,
    check_service,
    link_ref,
    parse_quick_request,
    service_codes,
)
from bot.shared import patients as typed_patients
from bot.shared.access import Actor
from bot.shared.audit_trail import parse_ref
from bot.shared.patients import WhichPatient
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.patients import (
    PatientSpec,
    QuickFormError,
    read_patient,
)
from bot.shared.rules.people import UnknownPerson
from bot.shared.rules.timeparse import TimeParseError
from storage import SqlAuditLog, patients
from storage.preapprovals import queries as preapprovals

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session

    from bot.shared.access import Access
    from bot.shared.directory import Directory
    from bot.shared.home import HomeTab
    from storage.models import PatientRow, SeriesRow

__all__ = ["Item", "NewRequest", "Note", "Opening", "PreapprovalRefused", "check_owner", "item_of"]

log = logging.getLogger(__name__)

# A care-team channel joins its daily digest when a request is opened there.
JoinDigest = Callable[["Session", str, "str | None", datetime], None]
EXISTING = "open a pre-approval for an existing patient"


def check_owner(people: Directory, access: Access, team_id: str, user_id: str) -> None:
    """Refuse an owner Slack does not know, a bot, someone who has left, or someone in no
    care team (they could not act on it: every change is for care-team members)."""
    try:
        person = people.person(team_id, user_id)
    except UnknownPerson:
        raise PreapprovalRefused(
            "I couldn't find that person in this workspace. Mention a current member, "
            "e.g. owner @dana."
        ) from None
    if not person.can_be_assigned:
        raise PreapprovalRefused(
            "That person can't own a pre-approval (a bot, or no longer in this workspace). "
            "Mention a current member, e.g. owner @dana."
        )
    if not access.in_care_team(Actor(team_id, user_id)):
        raise PreapprovalRefused(
            "That person is in no care-team channel, so they could not work on a "
            "pre-approval. Name someone on the team, e.g. owner @dana."
        )


class Opening(RecordsUseCase):
    """Opening requests: what was typed or filled in becomes PA-n, planned and audited."""

    def __init__(self, records: Records, *, home: HomeTab, join_digest: JoinDigest) -> None:
        super().__init__(records)
        self.home, self.join_digest = home, join_digest

    def quick(self, actor: Actor, text: str) -> Item:
        """`/preauth new Jane Doe, Aetna, MRI, needed by friday`: opened at once."""
        typed = parse_quick_request(text)
        needed_by = None
        if typed.needed_by:
            zone = self.people.timezone(actor.team_id, actor.user_id)
            try:
                needed_by = self.times.parse(typed.needed_by, self.clock.now(), zone).at
            except TimeParseError as error:
                raise PreapprovalRefused(f"Needed by: {error}") from None
        owner = typed.owner
        if typed.owner_typed:  # "owner sam.nurse", or a mistyped "owner @sam"
            # A name that is no one for sure is asked back (NobodyByThatName).
            owner = self.people.named(
                actor.team_id,
                typed.owner_typed,
                what="owner",
                example="`/preauth new Jane Doe, Aetna, MRI, owner {mention}`",
            ).id
        request = NewRequest(
            patient=typed.patient,
            payer=typed.payer,
            service=typed.service,
            service_codes=typed.service_codes,
            diagnosis_codes=typed.diagnosis_codes,
            appointment_ref=typed.appointment_ref,
            series_ref=typed.series_ref,
            owner=owner,
            needed_by=needed_by,
            urgency=typed.urgency,
            payer_ref=typed.payer_ref,
        )
        return self.create(actor, request)

    def read_form(self, actor: Actor, typed: dict[str, str]) -> NewRequest | dict[str, str]:
        """The modal's fields (by block id) as a NewRequest, or the errors to show under them."""
        team, user = actor.team_id, actor.user_id
        errors: dict[str, str] = {}

        def check(block: str, read: Any) -> Any:
            try:
                return read(typed.get(block, ""))
            except (QuickFormError, ValueError) as error:
                errors[block] = str(error)[:150]
                return None

        patient = check("patient", read_patient)
        payer = check("payer", check_payer)
        service = check("service", check_service)
        codes = typed.get("codes") or None
        if service and not codes:
            service, codes = service_codes(service)
        diagnosis = check("diagnosis", check_diagnosis_codes)
        payer_ref = check("payer_ref", check_payer_ref)
        appointment = typed.get("appointment")
        if (patient is not None and patient.ref) or appointment:
            # Whether a P-n or A-n exists is itself something only a care team may learn.
            named = parse_ref(patient.ref or "") if patient is not None else None
            self.access.require_care_team(actor, EXISTING, named)
        if patient is not None and not patient.ref:
            self._ask_which(actor, patient, errors)
        link = link_ref(appointment or "")
        series = None
        with self.db.session(read_only=True) as session:
            if (
                patient is not None
                and patient.ref
                and not patients.get_by_ref(session, team, patient.ref)
            ):
                errors["patient"] = f"No patient {patient.ref} here; give a name, e.g. Jane Doe."
            if appointment and link is None:
                errors["appointment"] = (
                    f'"{appointment[:12]}" is no visit or series; refs look like A-12 or S-2.'
                )
            elif link is not None and link.startswith("S-"):
                if preapprovals.series_by_ref(session, team, link) is None:
                    errors["appointment"] = f"No series {link} here; refs look like S-2."
                series = link
            elif link is not None and preapprovals.appointment_by_ref(session, team, link) is None:
                errors["appointment"] = f"No visit {link} here; refs look like A-12."
        appointment = link if link is not None and link.startswith("A-") else None
        owner = typed.get("owner") or user
        try:
            check_owner(self.people, self.access, team, owner)
        except PreapprovalRefused:  # its reply mentions them, which a form error cannot show
            errors["owner"] = (
                "They can't own a pre-approval (a bot, or gone): pick a current member."
            )
        needed_by = None
        if typed.get("needed_by"):
            zone = self.people.timezone(team, user)
            try:
                needed_by = self.times.parse(typed["needed_by"], self.clock.now(), zone).at
            except TimeParseError as error:
                errors["needed_by"] = error.problem[:150]
        if errors:
            return errors
        return NewRequest(
            patient=patient,
            payer=payer,
            service=service,
            service_codes=codes,
            diagnosis_codes=diagnosis,
            appointment_ref=appointment,
            series_ref=series,
            owner=owner,
            needed_by=needed_by,
            urgency=Urgency(typed.get("urgency", Urgency.STANDARD.value)),
            payer_ref=payer_ref,
            notes=typed.get("notes"),
        )

    def _ask_which(self, actor: Actor, spec: PatientSpec, errors: dict[str, str]) -> None:
        """A typed name that is not one patient for sure is asked about under its field, to
        care-team members only (the question names patients on file)."""
        zone = self.people.timezone(actor.team_id, actor.user_id)
        try:
            with self.db.session(read_only=True) as session:
                typed_patients.find(
                    session, actor.team_id, spec, now=self.clock.now(), zone=zone, example=_example
                )
        except WhichPatient as unsure:
            self.access.require_care_team(actor, EXISTING, None)
            errors["patient"] = unsure.field_text

    def _require_access(self, actor: Actor, request: NewRequest) -> None:
        """A request for a patient on file (by ref, MRN or name) or for a visit or series shows and
        changes that patient's record: care-team members only. A new patient shows nobody."""
        spec = request.patient
        if spec.ref is not None or request.appointment_ref or request.series_ref:
            self.access.require_care_team(actor, EXISTING, parse_ref(spec.ref or ""))
            return
        zone = self.people.timezone(actor.team_id, actor.user_id)
        try:
            with self.db.session(read_only=True) as session:
                on_file = typed_patients.find(
                    session, actor.team_id, spec, now=self.clock.now(), zone=zone, example=_example
                )
                ref = on_file.ref if on_file is not None else None
        except WhichPatient:
            self.access.require_care_team(actor, EXISTING, None)  # the answer names patients
            raise
        if ref is not None:
            self.access.require_care_team(actor, EXISTING, ref)

    def create(self, actor: Actor, request: NewRequest) -> Item:
        """Store a new pre-approval as PA-n, owned by the requester unless told otherwise.

        Anyone may open one for a new patient (it shows nobody's record); one for an
        existing patient, named by ref, is for care-team members only.
        """
        team_id, user_id, channel_id = actor.team_id, actor.user_id, actor.channel_id or ""
        self._require_access(actor, request)
        now = self.clock.now()
        owner = request.owner or user_id
        check_owner(self.people, self.access, team_id, owner)
        owner_zone = self.people.timezone(team_id, owner)
        zone = self.people.timezone(team_id, user_id)  # the opener's, if asked which patient
        policy = self.in_force.patient_display(team_id)
        with self.db.session() as session:
            appointment = None
            needed_by = request.needed_by
            if request.appointment_ref:
                appointment = preapprovals.appointment_by_ref(
                    session, team_id, request.appointment_ref
                )
                if appointment is None:
                    raise PreapprovalRefused(
                        f"There is no visit {request.appointment_ref} in this workspace. "
                        "`/appt list week` shows the coming week; or leave out the `for A-n` part."
                    )
                needed_by = appointment.start_at
            series = None
            if request.series_ref:
                series, needed_by = _series(session, team_id, request.series_ref, now)
            patient = _patient(session, team_id, user_id, request.patient, now, zone)
            if appointment is not None and appointment.patient_id != patient.id:
                raise PreapprovalRefused(
                    f"{request.appointment_ref} is for another patient, not {patient.ref}. "
                    f"Check the visit ref, or give the patient as the visit has it."
                )
            if series is not None and {v.patient_id for v in series.visits} != {patient.id}:
                raise PreapprovalRefused(
                    f"{series.ref} is for another patient, not {patient.ref}. "
                    "Check the series ref, or give the patient as its visits have it. "
                    "Example: /preauth new Ana Lima, Aetna, physio, for S-2"
                )
            care_channel = channel_id if channel_id[:1] in ("C", "G") else None
            if care_channel is None and appointment is not None:
                care_channel = appointment.channel_id
            if care_channel is None and series is not None:
                care_channel = series.channel_id
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
                series_id=series.id if series is not None else None,
                needed_by=needed_by,
                owner_id=owner,
                created_by=user_id,
                channel_id=care_channel,
                urgency=request.urgency.value,
                status=Status.NOT_STARTED.value,
                payer_ref=request.payer_ref,
                notes=add_note_line(None, user_id, now, request.notes) if request.notes else None,
            )
            plan(self.in_force, session, row, now, owner_zone)
            tell_new_owner(session, team_id, row.ref, owner, user_id, OPENED, now)
            self.join_digest(session, team_id, care_channel, now)
            SqlAuditLog(session).record(
                team_id, user_id, "preapproval.create", row.ref, channel_id=actor.channel_id, at=now
            )
            channels = channels_of(self.in_force, session, team_id, [row.channel_id])
            item = item_in(row, policy, now, channels)
        log.info("pre-approval created team=%s ref=%s owner=%s", team_id, item.ref, owner)
        self.home.changed(team_id, (owner,))
        return item


def _patient(
    session: Session, team_id: str, user_id: str, spec: PatientSpec, now: datetime, zone: ZoneInfo
) -> PatientRow:
    if spec.ref is not None:
        found = patients.get_by_ref(session, team_id, spec.ref)
        if found is None:
            raise PreapprovalRefused(
                f"There is no patient {spec.ref} in this workspace. Give a name instead, "
                "e.g. Jane Doe or Jane Doe MRN 88123."
            )
        return found
    try:
        return typed_patients.find_or_create(
            session, team_id, spec, user_id, now=now, zone=zone, example=_example
        )
    except WhichPatient:  # a ValueError too, but a question to ask back, not a bad name
        raise
    except ValueError as error:
        raise PreapprovalRefused(str(error)) from None


def _series(session: Session, team_id: str, ref: str, now: datetime) -> tuple[SeriesRow, datetime]:
    """The series a request is for, and when it is needed: its first booked visit ahead."""
    series = preapprovals.series_by_ref(session, team_id, ref)
    if series is None:
        raise PreapprovalRefused(
            f"There is no series {ref} in this workspace. A series' ref looks like S-3; "
            "`/appt list week` shows each visit's series. Example: "
            "/preauth new Ana Lima, Aetna, physio, for S-2"
        )
    visits = [SeriesVisit(v.ref, v.start_at, v.status) for v in series.visits]
    needed_by = needed_from(visits, now)
    if needed_by is None:
        raise PreapprovalRefused(
            f"Series {series.ref} has no booked visit ahead, so nothing waits on an approval. "
            "Link a series with visits to come, or give a date instead. Example: "
            "/preauth new Ana Lima, Aetna, physio, needed by friday"
        )
    return series, needed_by


def _example(ref: str) -> str:
    return f"/preauth new {ref}, Aetna, MRI"
