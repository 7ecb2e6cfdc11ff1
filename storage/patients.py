"""Patients as a workspace refers to them: P-refs, names as typed, optional MRNs."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import PatientRow
from storage.refs import next_number, parse_ref
from storage.sql import advisory_lock
from storage.stamp import utc_now

PREFIX = "P"


def name_key(name: str) -> str:
    """A name folded for matching: case-insensitive, spaces collapsed."""
    return re.sub(r"\s+", " ", name).strip().casefold()


def find_or_create(
    session: Session,
    team_id: str,
    name: str,
    mrn: str | None,
    by: str,
    *,
    now: datetime | None = None,
) -> PatientRow:
    """The patient with this MRN, else the one MRN-less patient of this name, else a new one."""
    display_name = re.sub(r"\s+", " ", name).strip()
    if not display_name or len(display_name) > 200:
        raise ValueError("a patient name must be 1-200 characters, like Jane Doe")
    mrn = mrn.strip() if mrn else None
    if mrn is not None and len(mrn) > 64:
        raise ValueError("an MRN must be at most 64 characters, like 00123456")
    # Creators of the same patient take turns, so the loser's lookup finds the winner's row.
    advisory_lock(session, _lock_name(team_id, display_name, mrn))
    existing = find(session, team_id, display_name, mrn)
    if existing is not None:
        return existing
    try:
        # A savepoint, so a concurrent insert of the same MRN leaves our transaction usable.
        with session.begin_nested():
            patient = PatientRow(
                team_id=team_id,
                number=next_number(session, team_id, PREFIX),
                display_name=display_name,
                name_key=name_key(display_name),
                mrn=mrn,
                created_at=utc_now(now),
                created_by=by,
            )
            session.add(patient)
    except IntegrityError:
        # Someone else stored this MRN without the lock (e.g. a script): theirs is the patient.
        found = get_by_mrn(session, team_id, mrn) if mrn is not None else None
        if found is None:
            raise
        return found
    return patient


def get_by_ref(session: Session, team_id: str, ref: str) -> PatientRow | None:
    """The patient a typed ref ("P-12", "p12") points at, or None."""
    number = parse_ref(ref, PREFIX)
    if number is None:
        return None
    return session.execute(
        select(PatientRow).where(PatientRow.team_id == team_id, PatientRow.number == number)
    ).scalar_one_or_none()


def get_by_mrn(session: Session, team_id: str, mrn: str) -> PatientRow | None:
    """The patient with this MRN in this workspace, or None."""
    return session.execute(
        select(PatientRow).where(PatientRow.team_id == team_id, PatientRow.mrn == mrn.strip())
    ).scalar_one_or_none()


def find_by_name(session: Session, team_id: str, name: str, limit: int = 20) -> list[PatientRow]:
    """Patients whose name matches, ignoring case and spacing, oldest first."""
    return list(
        session.execute(
            select(PatientRow)
            .where(PatientRow.team_id == team_id, PatientRow.name_key == name_key(name))
            .order_by(PatientRow.number)
            .limit(limit)
        ).scalars()
    )


class UnclearPatient(ValueError):
    """A name that is not one patient for sure: several have it, or the one who has it has
    an MRN the typist did not give. Nobody is picked, or created, behind their back."""

    def __init__(self, name: str, candidates: list[PatientRow]) -> None:
        super().__init__(f"{len(candidates)} patients answer to that name")
        self.name = name
        self.candidates = [(row.ref, row.mrn) for row in candidates]


class MrnOfAnother(ValueError):
    """The MRN typed belongs to a patient of another name: one of the two is a mistake."""

    def __init__(self, name: str, mrn: str, owner: PatientRow) -> None:
        super().__init__("that MRN is another patient's")
        self.name, self.mrn = name, mrn
        self.owner = (owner.ref, owner.display_name)


def find(session: Session, team_id: str, name: str, mrn: str | None) -> PatientRow | None:
    """The patient a name (and optional MRN) already refers to, without creating one; None
    for a new patient. Raises UnclearPatient or MrnOfAnother rather than guess."""
    if mrn is not None:
        found = get_by_mrn(session, team_id, mrn)
        if found is not None and name and not _same_name(name_key(name), found.name_key):
            raise MrnOfAnother(name, mrn, found)
        return found
    named = find_by_name(session, team_id, name, limit=6)
    if not named:
        return None
    # One patient of that name and no MRN on either side: the same person. Anything else
    # (two of them, or one whose MRN was not given) is asked about, never picked.
    if len(named) == 1 and named[0].mrn is None:
        return named[0]
    raise UnclearPatient(name, named)


def _same_name(typed: str, stored: str) -> bool:
    """A name that can be the MRN's patient: the same, or the same first and last word
    ("Jane A. Doe" is "Jane Doe"); "John Smith" with Jane Doe's MRN is not."""
    a, b = typed.split(), stored.split()
    return typed == stored or (bool(a) and bool(b) and a[0] == b[0] and a[-1] == b[-1])


def _lock_name(team_id: str, name: str, mrn: str | None) -> str:
    if mrn is not None:
        return f"{team_id}:patient-mrn:{mrn}"
    return f"{team_id}:patient-name:{name_key(name)}"
