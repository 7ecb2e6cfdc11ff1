"""The patient a handoff is about: an existing P-ref, or a name (and MRN) typed afresh."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.handoffs.rules.handoff import QUICK_USAGE, HandoffRefused
from bot.shared import patients as typed_patients
from bot.shared.rules.mrkdwn import escape
from bot.shared.rules.patients import PatientSpec, QuickFormError, read_patient
from storage import patients

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session

    from storage import Database
    from storage.models import PatientRow


def existing_patient(db: Database, team_id: str, typed: str, now: datetime, zone: ZoneInfo) -> None:
    """Refuse a patient that can't be read or a P-ref nobody has here; ask which patient a
    name means (WhichPatient) when it is not one for sure."""
    with db.session(read_only=True) as session:
        _existing(session, team_id, typed, now, zone)


def stored_patient(
    session: Session, team_id: str, typed: str, by: str, now: datetime, zone: ZoneInfo
) -> PatientRow:
    """The patient typed: the one its P-ref names, or found or added by name."""
    spec, found = _existing(session, team_id, typed, now, zone)
    if found is not None:
        return found
    return typed_patients.find_or_create(
        session, team_id, spec, by, now=now, zone=zone, example=_handoff_example
    )


def _handoff_example(ref: str) -> str:
    return f"/handoff {ref}: stable overnight"


def _existing(
    session: Session, team_id: str, typed: str, now: datetime, zone: ZoneInfo
) -> tuple[PatientSpec, PatientRow | None]:
    """The typed patient read, and the stored one it names (None for a new name)."""
    try:
        spec = read_patient(typed)
    except QuickFormError as problem:
        raise HandoffRefused(escape(str(problem))) from None
    if not spec.ref:
        # a name several patients have is asked about before anything is checked
        found = typed_patients.find(
            session, team_id, spec, now=now, zone=zone, example=_handoff_example
        )
        return spec, found
    found = patients.get_by_ref(session, team_id, spec.ref)
    if found is None:
        raise HandoffRefused(
            f"There is no patient {spec.ref} here. Give the name instead, as in `{QUICK_USAGE}`."
        )
    return spec, found
