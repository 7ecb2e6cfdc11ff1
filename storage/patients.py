"""Patients as a workspace refers to them: P-refs, names as typed, optional MRNs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.appointments.queries import HOLDS_SLOT
from storage.models import AppointmentRow, PatientRow
from storage.refs import next_number, parse_ref
from storage.sql import advisory_lock
from storage.stamp import utc_now

PREFIX = "P"
# How alike two names must be to be offered as the one meant ("Jane Do" for Jane Doe).
CLOSE_ENOUGH = 0.85
MAX_CANDIDATES = 6
# Names looked at for a close spelling: those sharing the typed name's first letters.
_CLOSE_SCAN = 2000
_DIGITS = re.compile(r"\d+")
# A visit that did not happen is nobody's "last visit".
_NOT_HELD = ("cancelled", "noshow", "entered-in-error")


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
    new: bool = False,
) -> PatientRow:
    """The patient with this MRN, else the one MRN-less patient of this name, else a new one;
    `new` (the typist said so) skips the name: another patient who happens to share it."""
    display_name = re.sub(r"\s+", " ", name).strip()
    if not display_name or len(display_name) > 200:
        raise ValueError("a patient name must be 1-200 characters, like Jane Doe")
    mrn = mrn.strip() if mrn else None
    if mrn is not None and len(mrn) > 64:
        raise ValueError("an MRN must be at most 64 characters, like 00123456")
    # Creators of the same patient take turns, so the loser's lookup finds the winner's row.
    advisory_lock(session, _lock_name(team_id, display_name, mrn))
    existing = find(session, team_id, display_name, mrn, new=new)
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
    values = {"team_id": team_id, "mrn": mrn.strip()}
    return session.execute(_BY_MRN, values).scalar_one_or_none()


# Every booking by MRN reads it: built once, with bound parameters.
_BY_MRN = select(PatientRow).where(
    PatientRow.team_id == bindparam("team_id"), PatientRow.mrn == bindparam("mrn")
)


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


@dataclass(frozen=True)
class Candidate:
    """A patient on file the typist may have meant."""

    id: int
    ref: str
    name: str
    mrn: str | None


class UnclearPatient(ValueError):
    """A name that is not one patient for sure: several have it, the one who has it has an
    MRN the typist did not give, or (`close`) nobody has it but some have a name spelled
    nearly so. Nobody is picked, or created, behind their back."""

    def __init__(self, name: str, candidates: list[PatientRow], *, close: bool = False) -> None:
        super().__init__(f"{len(candidates)} patients answer to that name")
        self.name = name
        self.close = close
        self.candidates = [
            Candidate(row.id, row.ref, row.display_name, row.mrn) for row in candidates
        ]


class MrnOfAnother(ValueError):
    """The MRN typed belongs to a patient of another name: one of the two is a mistake."""

    def __init__(self, name: str, mrn: str, owner: PatientRow) -> None:
        super().__init__("that MRN is another patient's")
        self.name, self.mrn = name, mrn
        self.owner = (owner.ref, owner.display_name)


def find(
    session: Session, team_id: str, name: str, mrn: str | None, *, new: bool = False
) -> PatientRow | None:
    """The patient a name (and optional MRN) already refers to, without creating one; None
    for a new patient. Raises UnclearPatient or MrnOfAnother rather than guess. `new`: the
    typist said this is another patient, whatever the name; an MRN still picks its own."""
    if mrn is not None:
        found = get_by_mrn(session, team_id, mrn)
        if found is not None and name and not _same_name(name_key(name), found.name_key):
            raise MrnOfAnother(name, mrn, found)
        return found
    if new:
        return None
    named = find_by_name(session, team_id, name, limit=MAX_CANDIDATES)
    if not named:
        close = spelled_nearly(session, team_id, name)
        if close:
            raise UnclearPatient(name, close, close=True)
        return None
    # One patient of that name and no MRN on either side: the same person. Anything else
    # (two of them, or one whose MRN was not given) is asked about, never picked.
    if len(named) == 1 and named[0].mrn is None:
        return named[0]
    raise UnclearPatient(name, named)


def spelled_nearly(session: Session, team_id: str, name: str) -> list[PatientRow]:
    """Patients whose name is nearly the one typed ("Jane Doe" for "Jane Do"), closest
    first. Only names sharing the first two letters are looked at, so a workspace with
    many patients costs one index range, not a scan. Digits are not spelling: "Unknown Male
    12" is nowhere near "Unknown Male 13", the way trauma bays name the unidentified."""
    typed = name_key(name)
    if len(typed) < 3:
        return []
    start = typed[:2]
    end = start[:-1] + chr(ord(start[-1]) + 1)
    rows = session.execute(
        select(PatientRow)
        .where(
            PatientRow.team_id == team_id,
            PatientRow.name_key >= start,
            PatientRow.name_key < end,
        )
        .limit(_CLOSE_SCAN)
    ).scalars()
    digits = _DIGITS.findall(typed)
    scored = [
        (ratio, row.number, row)
        for row in rows
        if _DIGITS.findall(row.name_key) == digits
        and (ratio := SequenceMatcher(None, typed, row.name_key).ratio()) >= CLOSE_ENOUGH
    ]
    scored.sort(key=lambda found: (-found[0], found[1]))
    return [row for _, _, row in scored[:MAX_CANDIDATES]]


def visits_of(
    session: Session, team_id: str, patient_ids: list[int], now: datetime
) -> dict[int, tuple[datetime | None, datetime | None]]:
    """Each patient's next booked visit and last visit that took place, (next, last), in two
    grouped queries whatever the number of patients; a patient with neither is left out."""
    if not patient_ids:
        return {}
    at = utc_now(now)
    mine = (AppointmentRow.team_id == team_id, AppointmentRow.patient_id.in_(patient_ids))
    nexts = session.execute(
        select(AppointmentRow.patient_id, func.min(AppointmentRow.start_at))
        .where(*mine, AppointmentRow.status.in_(HOLDS_SLOT), AppointmentRow.start_at >= at)
        .group_by(AppointmentRow.patient_id)
    ).all()
    lasts = session.execute(
        select(AppointmentRow.patient_id, func.max(AppointmentRow.start_at))
        .where(*mine, AppointmentRow.status.not_in(_NOT_HELD), AppointmentRow.start_at < at)
        .group_by(AppointmentRow.patient_id)
    ).all()
    found: dict[int, tuple[datetime | None, datetime | None]] = {}
    for patient_id, start in nexts:
        found[patient_id] = (start, None)
    for patient_id, start in lasts:
        found[patient_id] = (found.get(patient_id, (None, None))[0], start)
    return found


def _same_name(typed: str, stored: str) -> bool:
    """A name that can be the MRN's patient: the same, or the same first and last word
    ("Jane A. Doe" is "Jane Doe"); "John Smith" with Jane Doe's MRN is not."""
    a, b = typed.split(), stored.split()
    return typed == stored or (bool(a) and bool(b) and a[0] == b[0] and a[-1] == b[-1])


def _lock_name(team_id: str, name: str, mrn: str | None) -> str:
    if mrn is not None:
        return f"{team_id}:patient-mrn:{mrn}"
    return f"{team_id}:patient-name:{name_key(name)}"
