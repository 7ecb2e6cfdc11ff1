"""What the daily digest reads: a day's visits and the requests needed soon, for many channels."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from storage.handoffs.models import HandoffRow
from storage.models import AppointmentRow, SeriesRow
from storage.preapprovals.models import PreapprovalRow


def appointments_between(
    session: Session,
    team_id: str,
    channels: Collection[str],
    start: datetime,
    end: datetime,
    statuses: Collection[str],
) -> list[AppointmentRow]:
    """Visits booked from these channels starting in [start, end), patients loaded."""
    if not channels:
        return []
    return list(
        session.execute(
            select(AppointmentRow)
            .options(joinedload(AppointmentRow.patient, innerjoin=True))
            .where(
                AppointmentRow.team_id == team_id,
                AppointmentRow.channel_id.in_(list(channels)),
                AppointmentRow.start_at >= start,
                AppointmentRow.start_at < end,
                AppointmentRow.status.in_(list(statuses)),
            )
            .order_by(AppointmentRow.start_at, AppointmentRow.number)
        ).scalars()
    )


def requests_needed_between(
    session: Session,
    team_id: str,
    channels: Collection[str],
    start: datetime,
    end: datetime,
    still_open: Collection[str] = (),
) -> list[PreapprovalRow]:
    """Pre-approvals of these channels needed in [start, end), whatever their state, and
    those needed before `start` still in one of the `still_open` states (past due)."""
    if not channels:
        return []
    return list(
        session.execute(
            select(PreapprovalRow)
            .options(
                joinedload(PreapprovalRow.patient, innerjoin=True),
                joinedload(PreapprovalRow.appointment),
                joinedload(PreapprovalRow.series).selectinload(SeriesRow.visits),
            )
            .where(
                PreapprovalRow.team_id == team_id,
                PreapprovalRow.channel_id.in_(list(channels)),
                or_(
                    PreapprovalRow.needed_by >= start,
                    PreapprovalRow.status.in_(list(still_open)),
                ),
                PreapprovalRow.needed_by < end,
            )
            .order_by(PreapprovalRow.needed_by, PreapprovalRow.number)
        ).scalars()
    )


def handoffs_awaiting(
    session: Session, team_id: str, channels: Collection[str]
) -> list[HandoffRow]:
    """Handoffs posted in these channels that nobody has acknowledged yet, oldest first."""
    if not channels:
        return []
    return list(
        session.execute(
            select(HandoffRow)
            .options(joinedload(HandoffRow.patient, innerjoin=True))
            .where(
                HandoffRow.team_id == team_id,
                HandoffRow.channel_id.in_(list(channels)),
                HandoffRow.posted_at.is_not(None),
                HandoffRow.acknowledged_at.is_(None),
            )
            .order_by(HandoffRow.posted_at, HandoffRow.number)
        ).scalars()
    )
