"""The patient a typed name means, asked back rather than guessed.

Every feature finds (or adds) a typed patient here: a name several patients share, one whose
MRN was not given, or one spelled nearly like a patient on file is a `WhichPatient` that
names the candidates (with their next or last visit) and offers a choice per patient and
one for someone new. An MRN of another patient is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.shared.rules.mrkdwn import escape
from bot.shared.rules.patients import (
    OnFile,
    PatientSpec,
    mrn_of_another,
    patient_choices,
    which_patient,
)
from bot.shared.rules.refusals import AskedBack, Choice
from storage import patients

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import PatientRow

# The command as typed with a ref for the patient: "/handoff P-1: stable overnight".
Example = Callable[[str], str]


class WhichPatient(AskedBack):
    """The typed patient is not one patient for sure. str() is the question as mrkdwn, for a
    reply; `field_text` is the same as plain text, for under a form's patient field. It
    names patients on file, so only care-team members may be shown it."""

    def __init__(
        self, text: str, field_text: str, asked: str, choices: tuple[Choice, ...] = ()
    ) -> None:
        super().__init__(text, asked, choices)
        self.field_text = field_text


def find(
    session: Session,
    team_id: str,
    spec: PatientSpec,
    *,
    now: datetime,
    zone: ZoneInfo,
    example: Example,
) -> PatientRow | None:
    """The patient on file a typed name (and MRN) means; None for someone new."""
    try:
        return patients.find(session, team_id, spec.name or "", spec.mrn, new=spec.new)
    except (patients.UnclearPatient, patients.MrnOfAnother) as unsure:
        raise _asked(session, team_id, spec, unsure, now, zone, example) from None


def find_or_create(
    session: Session,
    team_id: str,
    spec: PatientSpec,
    by: str,
    *,
    now: datetime,
    zone: ZoneInfo,
    example: Example,
) -> PatientRow:
    """The patient on file a typed name (and MRN) means, or a new one added for it."""
    try:
        return patients.find_or_create(
            session, team_id, spec.name or "", spec.mrn, by, now=now, new=spec.new
        )
    except (patients.UnclearPatient, patients.MrnOfAnother) as unsure:
        raise _asked(session, team_id, spec, unsure, now, zone, example) from None


def _asked(
    session: Session,
    team_id: str,
    spec: PatientSpec,
    unsure: patients.UnclearPatient | patients.MrnOfAnother,
    now: datetime,
    zone: ZoneInfo,
    example: Example,
) -> WhichPatient:
    if isinstance(unsure, patients.MrnOfAnother):
        refused = mrn_of_another(unsure.name, unsure.mrn, unsure.owner)
        return WhichPatient(escape(refused), refused, asked=unsure.name)
    visits = patients.visits_of(session, team_id, [c.id for c in unsure.candidates], now)
    on_file = [
        OnFile(c.ref, c.name, c.mrn, *visits.get(c.id, (None, None))) for c in unsure.candidates
    ]
    name, close = unsure.name, unsure.close
    return WhichPatient(
        escape(which_patient(name, on_file, zone, example, close=close)),
        which_patient(name, on_file, zone, None, close=close),
        asked=spec.name or name,
        choices=patient_choices(name, on_file, zone, close=close),
    )
