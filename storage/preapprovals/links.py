"""Pre-approvals linked to a visit: the open ones, so they can follow it when it changes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.preapprovals.rules.preapproval import OPEN
from storage.preapprovals.models import PreapprovalRow


def open_linked_to(session: Session, team_id: str, appointment_id: int) -> list[PreapprovalRow]:
    """The open requests whose "needed by" comes from this visit."""
    return list(
        session.scalars(
            select(PreapprovalRow).where(
                PreapprovalRow.team_id == team_id,
                PreapprovalRow.appointment_id == appointment_id,
                PreapprovalRow.status.in_(sorted(s.value for s in OPEN)),
            )
        )
    )
