"""Pre-approvals as `/preauth list` reads them: plain values (named tuples) from one Core
select with their patients, visits and series, read the same way as a loaded PreapprovalRow."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from storage.models import AppointmentRow, ListedPatient, PatientRow, SeriesRow
from storage.preapprovals.models import PreapprovalRow
from storage.preapprovals.queries import PREFIX
from storage.sql import read


class ListedAppointment(NamedTuple):
    """A listed request's visit, by its ref."""

    number: int

    @property
    def ref(self) -> str:
        return f"A-{self.number}"


class ListedVisit(NamedTuple):
    """One visit of a listed request's series, as its coverage is checked."""

    number: int
    start_at: datetime
    status: str

    @property
    def ref(self) -> str:
        return f"A-{self.number}"


class ListedSeries(NamedTuple):
    """A listed request's series, its visits by start time then ref."""

    number: int
    visits: tuple[ListedVisit, ...]

    @property
    def ref(self) -> str:
        return f"S-{self.number}"


class Listed(NamedTuple):
    """A request as `/preauth list` reads it: plain values from one Core select with its
    patient, visit and series (no ORM instances to build and track), read the same way
    as a loaded PreapprovalRow."""

    patient: ListedPatient
    appointment: ListedAppointment | None
    series: ListedSeries | None
    id: int
    number: int
    status: str
    urgency: str
    payer: str
    service: str
    service_codes: str | None
    diagnosis_codes: str | None
    series_id: int | None
    needed_by: datetime | None
    owner_id: str
    created_by: str
    channel_id: str | None
    payer_ref: str | None
    auth_number: str | None
    approved_units: int | None
    valid_from: date | None
    valid_to: date | None
    denial_reason: str | None
    notes: str | None
    submitted_at: datetime | None
    snoozed_until: datetime | None
    resolved_by: str | None

    @property
    def ref(self) -> str:
        return f"{PREFIX}-{self.number}"


_OWN = ("patient", "appointment", "series")
_LISTED_COLUMNS = tuple(
    getattr(PreapprovalRow, name) for name in Listed._fields if name not in _OWN
)


def listed_values(
    session: Session,
    team_id: str,
    statuses: Collection[str],
    *,
    owner_id: str | None = None,
    limit: int = 500,
) -> list[Listed]:
    """What `listed` finds, as plain values: the read path of `/preauth list`."""
    values: dict[str, Any] = {"team_id": team_id, "statuses": list(statuses), "limit": limit}
    if owner_id is not None:
        values["owner_id"] = owner_id
    width = len(_LISTED_COLUMNS)
    rows = read(session, _list_query(owner_id is not None), values).all()
    series_ids = sorted({row.series_id for row in rows if row.series_id is not None})
    visits: dict[int, list[ListedVisit]] = defaultdict(list)
    if series_ids:
        for series_id, number, start_at, status in read(
            session, _visits_query(), {"ids": series_ids}
        ):
            if series_id is not None:  # as the where says; for the type checker
                visits[series_id].append(ListedVisit(number, start_at, status))
    found = []
    for row in rows:
        patient_number, name, mrn, appointment, series = row[width:]
        found.append(
            Listed(
                ListedPatient(patient_number, name, mrn),
                ListedAppointment(appointment) if appointment is not None else None,
                ListedSeries(series, tuple(visits[row.series_id])) if series is not None else None,
                *row[:width],
            )
        )
    return found


@cache
def _list_query(one_owner: bool) -> Select[Any]:
    """Built once with bound parameters, so a list builds no SQL and finds it compiled."""
    query = (
        select(
            *_LISTED_COLUMNS,
            PatientRow.number,
            PatientRow.display_name,
            PatientRow.mrn,
            AppointmentRow.number,
            SeriesRow.number,
        )
        .join(PatientRow, PatientRow.id == PreapprovalRow.patient_id)
        .outerjoin(AppointmentRow, AppointmentRow.id == PreapprovalRow.appointment_id)
        .outerjoin(SeriesRow, SeriesRow.id == PreapprovalRow.series_id)
        .where(
            PreapprovalRow.team_id == bindparam("team_id"),
            PreapprovalRow.status.in_(bindparam("statuses", expanding=True)),
        )
        .order_by(PreapprovalRow.number)
        .limit(bindparam("limit"))
    )
    if one_owner:
        query = query.where(PreapprovalRow.owner_id == bindparam("owner_id"))
    return query


@cache
def _visits_query() -> Select[int | None, int, datetime, str]:
    """The visits of some series, in the order SeriesRow.visits loads them."""
    return (
        select(
            AppointmentRow.series_id,
            AppointmentRow.number,
            AppointmentRow.start_at,
            AppointmentRow.status,
        )
        .where(AppointmentRow.series_id.in_(bindparam("ids", expanding=True)))
        .order_by(AppointmentRow.start_at, AppointmentRow.id)
    )
