"""Appointments: A-refs, the conflict check and its locks, and lists by time window."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select
from sqlalchemy.orm import Session, joinedload

from bot.appointments.rules import appointment as core
from storage.models import AppointmentRow, ListedPatient, PatientRow
from storage.refs import next_number, parse_ref
from storage.sql import advisory_lock, read
from storage.stamp import utc_now

PREFIX = "A"
# The core's FHIR R4 statuses as stored strings: one list, so the two cannot drift apart.
HOLDS_SLOT = tuple(sorted(status.value for status in core.HOLDS_SLOT))
FHIR_STATUSES = frozenset(status.value for status in core.Status)
_LOCATION_WIDTH = 80
# Many-to-one and never NULL: an inner join adds the patient without multiplying rows.
_WITH_PATIENT = joinedload(AppointmentRow.patient, innerjoin=True)


def location_key(location: str | None) -> str | None:
    """A location folded for matching ("OR  4" is "or 4"); None when there is none."""
    spaced = _spaced(location)
    return spaced.casefold()[:_LOCATION_WIDTH] if spaced else None


def lock_for_booking(
    session: Session,
    team_id: str,
    *,
    patient_id: int | None,
    clinician_id: str | None,
    location_key: str | None,
) -> None:
    """Make concurrent bookings of the same patient, clinician or room take turns.

    Call it in a write session (db.session(), not read_only) before `conflicts`, then
    `add`: the lock holds until that session commits or rolls back.
    PostgreSQL: one transaction-scoped advisory lock per resource, taken in sorted order
    so two bookings sharing two resources cannot deadlock; the conflict query that
    follows runs after the lock and, under READ COMMITTED, sees the previous holder's row.
    SQLite: nothing to do; the write session's BEGIN IMMEDIATE already lets one writer in.
    """
    advisory_lock(session, *_resources(team_id, patient_id, clinician_id, location_key))


def conflicts(
    session: Session,
    team_id: str,
    start: datetime,
    end: datetime,
    *,
    patient_id: int | None,
    clinician_id: str | None,
    location_key: str | None,
    exclude_id: int | None = None,
) -> list[AppointmentRow]:
    """Slot-holding appointments overlapping [start, end) that share the patient, clinician or room.

    Touching ends (one ends at 10:00, the next starts at 10:00) do not overlap.
    """
    shape = (patient_id is not None, clinician_id is not None, location_key is not None)
    if not any(shape):
        return []
    values = {
        "team_id": team_id, "start": start, "end": end, "patient_id": patient_id,
        "clinician_id": clinician_id, "location_key": location_key, "exclude_id": exclude_id,
    }  # fmt: skip
    # Most bookings clash with nothing: their check is one prebuilt read of ids.
    found = read(session, _conflicts_query(shape, exclude_id is not None), values).scalars()
    ids = list(found)
    if not ids:
        return []
    query = (
        select(AppointmentRow)
        .options(_WITH_PATIENT)
        .where(AppointmentRow.id.in_(ids))
        .order_by(AppointmentRow.start_at, AppointmentRow.number)
    )
    return list(session.execute(query).scalars())


@cache
def _conflicts_query(shape: tuple[bool, bool, bool], excluding: bool) -> Select[int]:
    """The ids of slot-holding visits in a window sharing the given resources."""
    patient, clinician, room = shape
    same = [
        *([AppointmentRow.patient_id == bindparam("patient_id")] if patient else []),
        *([AppointmentRow.clinician_id == bindparam("clinician_id")] if clinician else []),
        *([AppointmentRow.location_key == bindparam("location_key")] if room else []),
    ]
    criteria = [
        AppointmentRow.team_id == bindparam("team_id"),
        AppointmentRow.status.in_(HOLDS_SLOT),
        AppointmentRow.start_at < bindparam("end"),
        AppointmentRow.end_at > bindparam("start"),
        or_(*same),
    ]
    if excluding:
        criteria.append(AppointmentRow.id != bindparam("exclude_id"))
    return select(AppointmentRow.id).where(*criteria)


def busy_between(
    session: Session,
    team_id: str,
    start: datetime,
    end: datetime,
    *,
    patient_id: int | None,
    clinician_id: str | None,
    location_key: str | None,
    exclude_id: int | None = None,
) -> list[tuple[datetime, datetime]]:
    """The spans in [start, end) when the patient, clinician or room is already taken."""
    same = _same_resources(patient_id, clinician_id, location_key)
    if same is None:
        return []
    rows = session.execute(
        select(AppointmentRow.start_at, AppointmentRow.end_at)
        .where(*_holding(team_id, start, end, exclude_id), same)
        .order_by(AppointmentRow.start_at, AppointmentRow.end_at)
    )
    return [(row.start_at, row.end_at) for row in rows]


def add(
    session: Session,
    team_id: str,
    *,
    patient_id: int,
    kind: str,
    label: str,
    start_at: datetime,
    end_at: datetime,
    clinician_id: str | None,
    location: str | None,
    notes: str | None,
    booked_by: str,
    channel_id: str | None,
    now: datetime,
    series_id: int | None = None,
    series_start: datetime | None = None,
) -> AppointmentRow:
    """Book a new appointment with the next A-ref; its patient is loaded on the row."""
    if end_at <= start_at:
        raise ValueError("an appointment must end after it starts, e.g. 09:30-10:15")
    if series_start is not None and series_id is None:
        raise ValueError("only a visit of a series has a rule date (series_start)")
    _check_width("kind", kind, 32, "follow-up")
    _check_width("label", label, 60, "MRI knee")
    location = _spaced(location)
    if location is not None:
        _check_width("location", location, _LOCATION_WIDTH, "Radiology 2")
    patient = session.get(PatientRow, patient_id)
    if patient is None or patient.team_id != team_id:
        raise ValueError(f"no patient with id {patient_id} in workspace {team_id}")
    stamp = utc_now(now)
    appointment = AppointmentRow(
        team_id=team_id,
        number=next_number(session, team_id, PREFIX),
        patient=patient,
        kind=kind,
        label=label,
        status="booked",
        start_at=start_at,
        end_at=end_at,
        clinician_id=clinician_id,
        location=location,
        location_key=location_key(location),
        notes=notes,
        booked_by=booked_by,
        channel_id=channel_id,
        series_id=series_id,
        series_start=series_start,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(appointment)
    session.flush()
    return appointment


def get_many_by_refs(
    session: Session, team_id: str, refs: Collection[str]
) -> dict[str, AppointmentRow]:
    """The appointments with these refs, by ref, patients loaded: one query for a whole batch."""
    numbers = sorted({n for n in (parse_ref(r, PREFIX) for r in refs) if n is not None})
    if not numbers:
        return {}
    rows = session.scalars(
        select(AppointmentRow)
        .options(_WITH_PATIENT)
        .where(AppointmentRow.team_id == team_id, AppointmentRow.number.in_(numbers))
    )
    return {row.ref: row for row in rows}


def get_by_ref(
    session: Session, team_id: str, ref: str, *, for_update: bool = False
) -> AppointmentRow | None:
    """The appointment a typed ref ("A-12", "a12") points at in this workspace, or None.

    for_update=True also locks the row on PostgreSQL until commit, for a status change
    that must not race another one (SQLite's write session already serializes).
    """
    number = parse_ref(ref, PREFIX)
    if number is None:
        return None
    query = (
        select(AppointmentRow)
        .options(_WITH_PATIENT)
        .where(AppointmentRow.team_id == team_id, AppointmentRow.number == number)
    )
    if for_update:
        query = query.with_for_update(of=AppointmentRow)
    return session.execute(query).scalar_one_or_none()


class Listed(NamedTuple):
    """An appointment as lists, the Home tab and exports read it: plain values from one
    Core select (no ORM instances to build and track), its patient attached."""

    patient: ListedPatient
    id: int
    number: int
    kind: str
    label: str
    status: str
    start_at: datetime
    end_at: datetime
    clinician_id: str | None
    location: str | None
    notes: str | None
    booked_by: str
    channel_id: str | None
    message_channel: str | None
    message_ts: str | None
    moved_from: datetime | None
    changed_by: str | None
    copy_channel: str | None
    copy_ts: str | None
    series_id: int | None
    series_start: datetime | None

    @property
    def ref(self) -> str:
        return f"{PREFIX}-{self.number}"


_LISTED_COLUMNS = tuple(
    getattr(AppointmentRow, name) for name in Listed._fields if name != "patient"
)
_PATIENT_COLUMNS = (PatientRow.number, PatientRow.display_name, PatientRow.mrn)


def between(
    session: Session,
    team_id: str,
    start: datetime,
    end: datetime,
    *,
    clinician_id: str | None = None,
    patient_id: int | None = None,
    booked_by: str | None = None,
    involving: str | None = None,
    statuses: Collection[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Listed]:
    """Appointments starting in [start, end), by start time then ref, with their patients."""
    given = _Filters(team_id, start, end, clinician_id, patient_id, booked_by, involving, statuses)
    query = _window_query(given.shape, counted=False, paged=limit is not None)
    values = given.values(offset=offset, limit=limit)
    width = len(_LISTED_COLUMNS)
    return [
        Listed(ListedPatient(*row[width:]), *row[:width]) for row in read(session, query, values)
    ]


def of_series(session: Session, team_id: str, series_ids: Collection[int]) -> list[Listed]:
    """Every visit of these series, whatever its state or time, by start time then ref."""
    if not series_ids:
        return []
    query = _select_listed(
        AppointmentRow.team_id == team_id, AppointmentRow.series_id.in_(sorted(series_ids))
    )
    return _read_listed(session, query)


def _select_listed(*criteria: ColumnElement[bool]) -> Select[Any]:
    return (
        select(*_LISTED_COLUMNS, *_PATIENT_COLUMNS)
        .join(PatientRow, PatientRow.id == AppointmentRow.patient_id)
        .where(*criteria)
        .order_by(AppointmentRow.start_at, AppointmentRow.number)
    )


def _read_listed(session: Session, query: Select[Any]) -> list[Listed]:
    width = len(_LISTED_COLUMNS)
    return [
        Listed(ListedPatient(*row[width:]), *row[:width]) for row in session.execute(query).all()
    ]


def count_between(
    session: Session,
    team_id: str,
    start: datetime,
    end: datetime,
    *,
    clinician_id: str | None = None,
    patient_id: int | None = None,
    booked_by: str | None = None,
    involving: str | None = None,
    statuses: Collection[str] | None = None,
) -> int:
    """How many appointments `between` would list without a limit."""
    given = _Filters(team_id, start, end, clinician_id, patient_id, booked_by, involving, statuses)
    query = _window_query(given.shape, counted=True, paged=False)
    return int(read(session, query, given.values()).scalar_one())


def set_status(
    session: Session,
    row: AppointmentRow,
    status: str,
    *,
    now: datetime,
    reason: str | None = None,
    by: str | None = None,
) -> None:
    """Store a FHIR status and why (cut to 200 characters, None clears an earlier reason).

    Whether the change is allowed is the core's rule; this only stores it.
    """
    if status not in FHIR_STATUSES:
        raise ValueError(f"{status!r} is not a FHIR appointment status, like booked or cancelled")
    if reason is not None:
        reason = reason.strip()[:200] or None
    session.add(row)
    row.status = status
    row.changed_by = by or row.changed_by
    row.cancel_reason = reason
    row.updated_at = utc_now(now)
    session.flush()


def reschedule(
    session: Session,
    row: AppointmentRow,
    start_at: datetime,
    end_at: datetime,
    *,
    now: datetime,
    by: str | None = None,
) -> None:
    """Move the appointment; check `conflicts` with exclude_id=row.id under the lock first."""
    if end_at <= start_at:
        raise ValueError("an appointment must end after it starts, e.g. 09:30-10:15")
    session.add(row)
    row.moved_from, row.changed_by = row.start_at, by or row.changed_by
    row.start_at = start_at
    row.end_at = end_at
    row.updated_at = utc_now(now)
    session.flush()


def set_copy(session: Session, row: AppointmentRow, channel: str, ts: str) -> None:
    """Remember the clinician's copy, so later changes update it in place too."""
    session.add(row)
    row.copy_channel, row.copy_ts = channel, ts
    session.flush()


def set_message(
    session: Session, row: AppointmentRow, channel: str, ts: str, *, now: datetime
) -> None:
    """Remember the confirmation message, so later changes update it in place."""
    session.add(row)
    row.message_channel = channel
    row.message_ts = ts
    row.updated_at = utc_now(now)
    session.flush()


def _resources(
    team_id: str, patient_id: int | None, clinician_id: str | None, location_key: str | None
) -> list[str]:
    names = []
    if patient_id is not None:
        names.append(f"{team_id}:patient:{patient_id}")
    if clinician_id is not None:
        names.append(f"{team_id}:clinician:{clinician_id}")
    if location_key is not None:
        names.append(f"{team_id}:location:{location_key}")
    return names


def _same_resources(
    patient_id: int | None, clinician_id: str | None, location_key: str | None
) -> ColumnElement[bool] | None:
    same: list[ColumnElement[bool]] = []
    if patient_id is not None:
        same.append(AppointmentRow.patient_id == patient_id)
    if clinician_id is not None:
        same.append(AppointmentRow.clinician_id == clinician_id)
    if location_key is not None:
        same.append(AppointmentRow.location_key == location_key)
    return or_(*same) if same else None


def _holding(
    team_id: str, start: datetime, end: datetime, exclude_id: int | None
) -> list[ColumnElement[bool]]:
    criteria = [
        AppointmentRow.team_id == team_id,
        AppointmentRow.status.in_(HOLDS_SLOT),
        AppointmentRow.start_at < end,
        AppointmentRow.end_at > start,
    ]
    if exclude_id is not None:
        criteria.append(AppointmentRow.id != exclude_id)
    return criteria


@dataclass(frozen=True, slots=True)
class _Filters:
    """What a time-window list is narrowed by; its shape picks one of a few built queries."""

    team_id: str
    start: datetime
    end: datetime
    clinician_id: str | None
    patient_id: int | None
    booked_by: str | None
    involving: str | None
    statuses: Collection[str] | None

    @property
    def shape(self) -> tuple[bool, ...]:
        optional = (self.clinician_id, self.patient_id, self.booked_by, self.involving)
        return (*(value is not None for value in optional), self.statuses is not None)

    def values(self, **paging: int | None) -> dict[str, Any]:
        found: dict[str, Any] = {
            "team_id": self.team_id,
            "start": self.start,
            "end": self.end,
            "clinician_id": self.clinician_id,
            "patient_id": self.patient_id,
            "booked_by": self.booked_by,
            "involving": self.involving,
            "statuses": list(self.statuses) if self.statuses is not None else None,
        }
        found.update(paging)
        return found


@cache
def _window_query(shape: tuple[bool, ...], *, counted: bool, paged: bool) -> Select[Any]:
    """Built once per shape with bound parameters, so a list builds no SQL expression and
    finds its compiled form at once: the hot read path of /appt list and the Home tab."""
    clinician, patient, booked, involving, statuses = shape
    criteria: list[ColumnElement[bool]] = [
        AppointmentRow.team_id == bindparam("team_id"),
        AppointmentRow.start_at >= bindparam("start"),
        AppointmentRow.start_at < bindparam("end"),
    ]
    if clinician:
        criteria.append(AppointmentRow.clinician_id == bindparam("clinician_id"))
    if patient:
        criteria.append(AppointmentRow.patient_id == bindparam("patient_id"))
    if booked:
        criteria.append(AppointmentRow.booked_by == bindparam("booked_by"))
    if involving:  # "mine": as the clinician or as the one who booked it
        criteria.append(
            or_(
                AppointmentRow.clinician_id == bindparam("involving"),
                AppointmentRow.booked_by == bindparam("involving"),
            )
        )
    if statuses:
        criteria.append(AppointmentRow.status.in_(bindparam("statuses", expanding=True)))
    if counted:
        return select(func.count()).select_from(AppointmentRow).where(*criteria)
    query = _select_listed(*criteria).offset(bindparam("offset"))
    return query.limit(bindparam("limit")) if paged else query


def _spaced(text: str | None) -> str | None:
    """Runs of whitespace made one space, ends trimmed; None when nothing is left."""
    if text is None:
        return None
    return re.sub(r"\s+", " ", text).strip() or None


def _check_width(field: str, value: str, width: int, example: str) -> None:
    if not value or len(value) > width:
        raise ValueError(f"a {field} must be 1-{width} characters, like {example}")
