"""Pre-approvals: PA-refs, lookups, the owner's due items in batches, and the round keys."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from bot.preapprovals.rules.preapproval import OPEN
from storage.models import AppointmentRow, PersonRow, SeriesRow
from storage.preapprovals.models import PreapprovalRow
from storage.refs import next_number, parse_ref
from storage.stamp import utc_now

PREFIX = "PA"
# A series' visits come in one more query, and only when a request has a series.
WITH_SERIES = joinedload(PreapprovalRow.series).selectinload(SeriesRow.visits)
_LOADED = (
    joinedload(PreapprovalRow.patient, innerjoin=True),
    joinedload(PreapprovalRow.appointment),
    WITH_SERIES,
)


def add(session: Session, team_id: str, *, now: datetime, **fields: Any) -> PreapprovalRow:
    """Store a new request with the next PA-ref; patient and appointment loaded on the row."""
    stamp = utc_now(now)
    row = PreapprovalRow(
        team_id=team_id,
        number=next_number(session, team_id, PREFIX),
        created_at=stamp,
        updated_at=stamp,
        **fields,
    )
    session.add(row)
    session.flush()
    found = get_by_id(session, row.id)
    assert found is not None
    return found


def get_by_id(session: Session, row_id: int) -> PreapprovalRow | None:
    return session.execute(
        select(PreapprovalRow)
        .options(*_LOADED)
        .where(PreapprovalRow.id == row_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def get_by_ref(
    session: Session, team_id: str, ref: str, *, for_update: bool = False
) -> PreapprovalRow | None:
    """The request a typed ref ("PA-3", "pa3") points at, or None; locked for a change."""
    number = parse_ref(ref, PREFIX)
    if number is None:
        return None
    query = select(PreapprovalRow).where(
        PreapprovalRow.team_id == team_id, PreapprovalRow.number == number
    )
    if for_update:
        # Lock the request's own row first; the eager loads come after, without FOR UPDATE
        # on their outer join (PostgreSQL refuses that).
        locked = session.execute(query.with_for_update()).scalar_one_or_none()
        if locked is None:
            return None
        return get_by_id(session, locked.id)
    return session.execute(
        query.options(*_LOADED).execution_options(populate_existing=True)
    ).scalar_one_or_none()


def by_ids(session: Session, ids: Collection[int]) -> dict[int, PreapprovalRow]:
    if not ids:
        return {}
    rows = session.execute(
        select(PreapprovalRow).options(*_LOADED).where(PreapprovalRow.id.in_(list(ids)))
    ).scalars()
    return {row.id: row for row in rows}


def by_refs(session: Session, team_id: str, refs: Collection[str]) -> dict[str, PreapprovalRow]:
    """Many requests by PA-ref in one query, keyed by their canonical ref ("PA-3")."""
    numbers = [n for n in (parse_ref(ref, PREFIX) for ref in refs) if n is not None]
    if not numbers:
        return {}
    rows = session.execute(
        select(PreapprovalRow)
        .options(*_LOADED)
        .where(PreapprovalRow.team_id == team_id, PreapprovalRow.number.in_(numbers))
    ).scalars()
    return {row.ref: row for row in rows}


def listed(
    session: Session,
    team_id: str,
    statuses: Collection[str],
    *,
    owner_id: str | None = None,
    limit: int = 500,
) -> list[PreapprovalRow]:
    """Requests in these states (one owner's, or everyone's), oldest first."""
    query = (
        select(PreapprovalRow)
        .options(*_LOADED)
        .where(PreapprovalRow.team_id == team_id, PreapprovalRow.status.in_(list(statuses)))
        .order_by(PreapprovalRow.number)
        .limit(limit)
    )
    if owner_id is not None:
        query = query.where(PreapprovalRow.owner_id == owner_id)
    return list(session.execute(query).scalars())


def first_nudge(session: Session, team_id: str, owner_id: str) -> datetime | None:
    """When this owner's round should next fire: the earliest nudge of their items."""
    found: datetime | None = session.execute(
        select(func.min(PreapprovalRow.nudge_at)).where(
            PreapprovalRow.team_id == team_id,
            PreapprovalRow.owner_id == owner_id,
            PreapprovalRow.nudge_at.is_not(None),
        )
    ).scalar_one()
    return utc_now(found) if found is not None else None


@dataclass(frozen=True, slots=True)
class Due:
    """A request due a nudge, as a round plans it: plain values from one Core select, so
    ten thousand of them cost no ORM instances (only the ones a DM shows are loaded)."""

    id: int
    number: int
    owner_id: str
    channel_id: str | None
    nudge_at: datetime | None
    status: str
    urgency: str
    submitted_at: datetime | None
    snoozed_until: datetime | None
    needed_by: datetime | None
    valid_to: datetime | None


_DUE_COLUMNS = tuple(getattr(PreapprovalRow, name) for name in Due.__dataclass_fields__)


def due_for_owners(
    session: Session, team_id: str, owners: Collection[str], now: datetime
) -> list[Due]:
    """Every item of these owners that is due a nudge, in one query."""
    if not owners:
        return []
    rows = session.execute(
        select(*_DUE_COLUMNS)
        .where(
            PreapprovalRow.team_id == team_id,
            PreapprovalRow.owner_id.in_(list(owners)),
            PreapprovalRow.nudge_at.is_not(None),
            PreapprovalRow.nudge_at <= now,
            PreapprovalRow.status.in_([s.value for s in OPEN]),
        )
        .order_by(PreapprovalRow.owner_id, PreapprovalRow.number)
    ).all()
    return [Due(*row) for row in rows]


def later_nudges(
    session: Session, team_id: str, owners: Collection[str], now: datetime
) -> dict[str, datetime]:
    """Each owner's earliest nudge after `now`, in one grouped query."""
    if not owners:
        return {}
    rows = session.execute(
        select(PreapprovalRow.owner_id, func.min(PreapprovalRow.nudge_at))
        .where(
            PreapprovalRow.team_id == team_id,
            PreapprovalRow.owner_id.in_(list(owners)),
            PreapprovalRow.nudge_at > now,
        )
        .group_by(PreapprovalRow.owner_id)
    ).all()
    return {owner: utc_now(at) for owner, at in rows if at is not None}


def set_nudges(
    session: Session, nudges: Sequence[tuple[int, datetime | None, datetime | None]]
) -> None:
    """Move many items' next nudge at once: (id, was, next), in one executemany.

    Only items whose nudge is still what the round read move on: one snoozed, resolved or
    reassigned meanwhile keeps what that change planned.
    """
    if not nudges:
        return
    table: Any = PreapprovalRow.__table__
    session.connection().execute(
        table.update()
        .where(table.c.id == bindparam("b_id"), table.c.nudge_at == bindparam("b_was"))
        .values(nudge_at=bindparam("b_at")),
        [{"b_id": item_id, "b_was": was, "b_at": at} for item_id, was, at in nudges],
    )


def set_risk_posted(session: Session, levels: Sequence[tuple[int, int]]) -> None:
    """Remember how far up the risk ladder each request's channel post went."""
    if not levels:
        return
    table: Any = PreapprovalRow.__table__
    session.connection().execute(
        table.update()
        .where(table.c.id == bindparam("b_id"))
        .values(risk_posted=bindparam("b_level")),
        [{"b_id": item_id, "b_level": level} for item_id, level in levels],
    )


def zones(session: Session, team_id: str, users: Collection[str]) -> dict[str, str | None]:
    """The cached Slack time zones of many people at once (missing ones are absent)."""
    if not users:
        return {}
    rows = session.execute(
        select(PersonRow.user_id, PersonRow.timezone).where(
            PersonRow.team_id == team_id, PersonRow.user_id.in_(list(users))
        )
    ).all()
    return dict(rows)


def appointment_by_ref(session: Session, team_id: str, ref: str) -> AppointmentRow | None:
    number = parse_ref(ref, "A")
    if number is None:
        return None
    return session.execute(
        select(AppointmentRow).where(
            AppointmentRow.team_id == team_id, AppointmentRow.number == number
        )
    ).scalar_one_or_none()


def series_by_ref(session: Session, team_id: str, ref: str) -> SeriesRow | None:
    """The series a typed ref ("S-3") names in this workspace, its visits loaded; or None."""
    number = parse_ref(ref, "S")
    if number is None:
        return None
    return session.execute(
        select(SeriesRow)
        .options(selectinload(SeriesRow.visits))
        .where(SeriesRow.team_id == team_id, SeriesRow.number == number)
    ).scalar_one_or_none()
