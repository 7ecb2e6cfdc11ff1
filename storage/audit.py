"""The append-only audit trail: who did what to which record, when and where; ids only."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.handoffs.models import HandoffRow
from storage.models import AppointmentRow, AuditRow, PatientRow
from storage.preapprovals.models import PreapprovalRow
from storage.stamp import utc_now

ACTION = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
REF = re.compile(r"[A-Z]{1,3}-\d{1,9}")
SLACK_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
REQUEST_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class SqlAuditLog:
    """Writes audit rows in the caller's session, so they commit with the change they describe."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        team_id: str,
        actor: str,
        action: str,
        ref: str | None = None,
        channel_id: str | None = None,
        request_id: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Append one audit row; refuses anything that is not an id (no clinical text)."""
        _check(ACTION, action, "action", "appointment.book")
        _check(SLACK_ID, actor, "actor", "U012AB3CD or carebot")
        _check(SLACK_ID, team_id, "team_id", "T012AB3CD")
        if ref is not None:
            _check(REF, ref, "ref", "A-12")
        if channel_id is not None:
            _check(SLACK_ID, channel_id, "channel_id", "C012AB3CD")
        if request_id is not None:
            _check(REQUEST_ID, request_id, "request_id", "4f1c2a9e")
        self.session.add(
            AuditRow(
                team_id=team_id,
                at=utc_now(at),
                actor=actor,
                action=action,
                ref=ref,
                channel_id=channel_id,
                request_id=request_id,
            )
        )
        self.session.flush()

    def recent(self, team_id: str, limit: int = 50) -> list[AuditRow]:
        """The workspace's latest audit rows, newest first."""
        return recent(self.session, team_id, limit)


def recent(session: Session, team_id: str, limit: int = 50) -> list[AuditRow]:
    """The workspace's latest audit rows, newest first."""
    return list(
        session.execute(
            select(AuditRow)
            .where(AuditRow.team_id == team_id)
            .order_by(AuditRow.at.desc(), AuditRow.id.desc())
            .limit(limit)
        ).scalars()
    )


def trail(
    session: Session, team_id: str, refs: Collection[str], limit: int = 50
) -> tuple[list[AuditRow], int]:
    """This workspace's rows about these records, newest first, at most `limit`; and how many."""
    about = (AuditRow.team_id == team_id, AuditRow.ref.in_(list(refs)))
    rows = session.execute(
        select(AuditRow).where(*about).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
    ).scalars()
    total = session.scalar(select(func.count()).select_from(AuditRow).where(*about))
    return list(rows), int(total or 0)


def records_of_patient(session: Session, team_id: str, number: int) -> list[str]:
    """The refs of a patient's visits, handoffs and pre-approvals, so P-12's trail covers them."""
    patient = select(PatientRow.id).where(
        PatientRow.team_id == team_id, PatientRow.number == number
    )
    visits = session.scalars(
        select(AppointmentRow.number).where(
            AppointmentRow.team_id == team_id, AppointmentRow.patient_id.in_(patient)
        )
    )
    handed_off = session.scalars(
        select(HandoffRow.number).where(
            HandoffRow.team_id == team_id, HandoffRow.patient_id.in_(patient)
        )
    )
    requests = session.scalars(
        select(PreapprovalRow.number).where(
            PreapprovalRow.team_id == team_id, PreapprovalRow.patient_id.in_(patient)
        )
    )
    return (
        [f"A-{n}" for n in visits] + [f"H-{n}" for n in handed_off] + [f"PA-{n}" for n in requests]
    )


def stream(
    session: Session,
    since: datetime,
    until: datetime | None = None,
    teams: Collection[str] = (),
    batch: int = 1000,
) -> Iterator[AuditRow]:
    """Every row from `since` up to (not including) `until`, oldest first, `batch` at a time.

    yield_per fetches in batches (a server-side cursor on PostgreSQL), so a million rows
    never sit in memory at once.
    """
    query = select(AuditRow).where(AuditRow.at >= since)
    if until is not None:
        query = query.where(AuditRow.at < until)
    if teams:
        query = query.where(AuditRow.team_id.in_(list(teams)))
    query = query.order_by(AuditRow.at, AuditRow.id).execution_options(yield_per=batch)
    # The session's identity map holds rows weakly, so written rows are freed as we go.
    yield from session.execute(query).scalars()


def _check(pattern: re.Pattern[str], value: str, field: str, example: str) -> None:
    if not pattern.fullmatch(value):
        # The value itself stays out of the message: it may be the clinical text being refused.
        raise ValueError(f"audit {field} must be a short id, like {example}")
