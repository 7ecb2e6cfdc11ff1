"""Closed records past a retention period: found, counted and removed in small batches.

Each kind of record says what "closed" means for it. Removing a record removes its
reminders too; a patient goes once no record of theirs is left. Every record of a workspace
that uninstalled carebot before the cutoff counts as closed: nobody can reach it any more.
The audit trail is never touched: it holds ids, not clinical text, and must outlive the
records it describes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, exists, select, true, update
from sqlalchemy.orm import Session

from bot.appointments.rules.appointment import FINAL
from bot.preapprovals.rules.preapproval import RESOLVED
from storage.handoffs.models import HandoffActionRow, HandoffRow
from storage.models import AppointmentRow, PatientRow, ReminderRow, WorkspaceRow
from storage.preapprovals.models import PreapprovalMessageRow, PreapprovalRow

BATCH = 500  # rows per transaction: short locks, bounded memory, on tables of any size


@dataclass(frozen=True)
class Closed:
    """A kind of record that may go once closed: its table, ref prefix and what closed means."""

    name: str
    table: type[AppointmentRow] | type[HandoffRow] | type[PreapprovalRow]
    prefix: str
    closed_before: Callable[[datetime], ColumnElement[bool]]


APPOINTMENTS = Closed(
    "appointments",
    AppointmentRow,
    "A",
    lambda cutoff: (
        AppointmentRow.status.in_(sorted(s.value for s in FINAL)) & (AppointmentRow.end_at < cutoff)
    ),
)
HANDOFFS = Closed(
    "handoffs",
    HandoffRow,
    "H",
    # Acknowledged long ago, and no action item of it still open (its owner still has it).
    lambda cutoff: (
        HandoffRow.acknowledged_at.is_not(None)
        & (HandoffRow.acknowledged_at < cutoff)
        & ~exists().where(
            HandoffActionRow.handoff_id == HandoffRow.id, HandoffActionRow.done_at.is_(None)
        )
    ),
)
# Resolved, and any approval in it has run out too (it may still be shown to a front desk).
PREAPPROVALS = Closed(
    "pre-approvals",
    PreapprovalRow,
    "PA",
    lambda cutoff: (
        PreapprovalRow.status.in_(sorted(s.value for s in RESOLVED))
        & (PreapprovalRow.resolved_at < cutoff)
        & (PreapprovalRow.valid_to.is_(None) | (PreapprovalRow.valid_to < cutoff.date()))
    ),
)
KINDS: tuple[Closed, ...] = (APPOINTMENTS, HANDOFFS, PREAPPROVALS)


def uninstalled_before(session: Session, team_id: str, cutoff: datetime) -> bool:
    """Whether the workspace uninstalled carebot before the cutoff (and has not come back)."""
    at = session.scalar(select(WorkspaceRow.uninstalled_at).where(WorkspaceRow.team_id == team_id))
    return at is not None and at < cutoff


def teams(session: Session) -> list[str]:
    """Every workspace that has records of any kind."""
    found: set[str] = set()
    for table in (*(kind.table for kind in KINDS), PatientRow):
        found.update(session.scalars(select(table.team_id).distinct()))
    return sorted(found)


def closed_batch(
    session: Session,
    kind: Closed,
    team_id: str,
    cutoff: datetime,
    after_id: int = 0,
    *,
    gone: bool = False,
) -> list[tuple[int, int]]:
    """Up to BATCH (id, number) of this kind's closed records past the cutoff, by id; with
    `gone` (the workspace uninstalled carebot before the cutoff), every record."""
    table = kind.table
    closed = true() if gone else kind.closed_before(cutoff)
    rows = session.execute(
        select(table.id, table.number)
        .where(table.team_id == team_id, table.id > after_id, closed)
        .order_by(table.id)
        .limit(BATCH)
    )
    return [(int(row_id), int(number)) for row_id, number in rows]


def remove(session: Session, kind: Closed, team_id: str, found: Sequence[tuple[int, int]]) -> int:
    """Remove these records and every reminder about them; returns how many records went."""
    ids = [row_id for row_id, _ in found]
    subjects = [f"{kind.prefix}-{number}" for _, number in found]
    if kind is HANDOFFS:
        items = session.execute(
            select(HandoffRow.number, HandoffActionRow.position)
            .join(HandoffActionRow.handoff)
            .where(HandoffActionRow.handoff_id.in_(ids))
        )
        subjects += [f"H-{number}/{position}" for number, position in items]
        session.execute(delete(HandoffActionRow).where(HandoffActionRow.handoff_id.in_(ids)))
    if kind is PREAPPROVALS:
        session.execute(
            delete(PreapprovalMessageRow).where(PreapprovalMessageRow.preapproval_id.in_(ids))
        )
    if kind is APPOINTMENTS:  # a request still open keeps its needed-by, not the gone visit
        session.execute(
            update(PreapprovalRow)
            .where(PreapprovalRow.team_id == team_id, PreapprovalRow.appointment_id.in_(ids))
            .values(appointment_id=None)
        )
    for start in range(0, len(subjects), BATCH):
        session.execute(
            delete(ReminderRow).where(
                ReminderRow.team_id == team_id,
                ReminderRow.subject_ref.in_(subjects[start : start + BATCH]),
            )
        )
    result = session.execute(
        delete(kind.table).where(kind.table.team_id == team_id, kind.table.id.in_(ids))
    )
    return int(getattr(result, "rowcount", 0) or 0)


def orphan_patients(
    session: Session, team_id: str, cutoff: datetime, after_id: int = 0, *, gone: bool = False
) -> list[int]:
    """Up to BATCH ids of patients created before the cutoff whom no record will keep (with
    `gone`, every patient of the workspace).

    Records closed past the cutoff do not keep a patient, so a dry run counts the same
    patients a real run removes after their records.
    """
    unheld = (
        []
        if gone
        else [
            ~exists().where(kind.table.patient_id == PatientRow.id, ~kind.closed_before(cutoff))
            for kind in KINDS
        ]
    )
    return list(
        session.scalars(
            select(PatientRow.id)
            .where(
                PatientRow.team_id == team_id,
                PatientRow.id > after_id,
                PatientRow.created_at < cutoff,
                *unheld,
            )
            .order_by(PatientRow.id)
            .limit(BATCH)
        )
    )


def remove_patients(session: Session, team_id: str, ids: Sequence[int]) -> int:
    result = session.execute(
        delete(PatientRow).where(PatientRow.team_id == team_id, PatientRow.id.in_(list(ids)))
    )
    return int(getattr(result, "rowcount", 0) or 0)
