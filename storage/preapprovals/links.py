"""Pre-approvals linked to a visit or a series: the ones still chased or relied on, so they can
follow it when it changes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.preapprovals.rules.preapproval import OPEN, Status
from storage.models import AppointmentRow
from storage.preapprovals.models import PreapprovalRow
from storage.preapprovals.queries import WITH_SERIES

# A series' approval is checked against its visits for as long as it stands.
_FOLLOWING_SERIES = sorted(s.value for s in OPEN | {Status.APPROVED, Status.PARTIAL})


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


def series_of_visit(session: Session, team_id: str, appointment_id: int) -> int | None:
    """The id of the series this visit is an occurrence of, if any."""
    return session.scalar(
        select(AppointmentRow.series_id).where(
            AppointmentRow.team_id == team_id, AppointmentRow.id == appointment_id
        )
    )


def following_series(session: Session, team_id: str, series_id: int) -> list[PreapprovalRow]:
    """The open or approved requests for this series, with its visits as this session has them
    (never refreshed over the visit being changed: its loaded patient stays loaded)."""
    return list(
        session.scalars(
            select(PreapprovalRow)
            .options(WITH_SERIES)
            .where(
                PreapprovalRow.team_id == team_id,
                PreapprovalRow.series_id == series_id,
                PreapprovalRow.status.in_(_FOLLOWING_SERIES),
            )
            .order_by(PreapprovalRow.number)
        )
    )
