"""Pre-approvals: PA-refs, lookups, the owner's due items in batches, and the round keys."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session, joinedload

from storage.models import AppointmentRow, PersonRow
from storage.preapproval_models import PreapprovalMessageRow, PreapprovalRoundRow, PreapprovalRow
from storage.refs import next_number, parse_ref
from storage.sql import insert
from storage.stamp import utc_now

PREFIX = "PA"
_LOADED = (
    joinedload(PreapprovalRow.patient, innerjoin=True),
    joinedload(PreapprovalRow.appointment),
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


def needed_between(
    session: Session,
    team_id: str,
    start: datetime,
    end: datetime,
    statuses: Collection[str],
    *,
    channel_id: str | None = None,
) -> list[PreapprovalRow]:
    """Requests needed by a time in [start, end), for risk checks and the digest."""
    query = (
        select(PreapprovalRow)
        .options(*_LOADED)
        .where(
            PreapprovalRow.team_id == team_id,
            PreapprovalRow.status.in_(list(statuses)),
            PreapprovalRow.needed_by >= start,
            PreapprovalRow.needed_by < end,
        )
        .order_by(PreapprovalRow.needed_by, PreapprovalRow.number)
    )
    if channel_id is not None:
        query = query.where(PreapprovalRow.channel_id == channel_id)
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


def due_for_owners(
    session: Session, team_id: str, owners: Collection[str], now: datetime
) -> list[PreapprovalRow]:
    """Every item of these owners that is due a nudge, in one query."""
    if not owners:
        return []
    return list(
        session.execute(
            select(PreapprovalRow)
            .options(*_LOADED)
            .where(
                PreapprovalRow.team_id == team_id,
                PreapprovalRow.owner_id.in_(list(owners)),
                PreapprovalRow.nudge_at.is_not(None),
                PreapprovalRow.nudge_at <= now,
            )
            .order_by(PreapprovalRow.owner_id, PreapprovalRow.number)
        ).scalars()
    )


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


def set_nudges(session: Session, nudges: Sequence[tuple[int, datetime | None]]) -> None:
    """Move many items' next nudge at once (one executemany)."""
    if not nudges:
        return
    table: Any = PreapprovalRow.__table__
    session.connection().execute(
        table.update().where(table.c.id == bindparam("b_id")).values(nudge_at=bindparam("b_at")),
        [{"b_id": item_id, "b_at": at} for item_id, at in nudges],
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


# -- messages that show requests ----------------------------------------------------


def remember_messages(
    session: Session,
    team_id: str,
    shown: Sequence[tuple[str, str, str, Sequence[int]]],
    *,
    now: datetime,
) -> None:
    """Note which requests each posted message shows: (channel, ts, kind, item ids in order)."""
    values = [
        {
            "team_id": team_id,
            "channel_id": channel,
            "ts": ts,
            "preapproval_id": item_id,
            "position": position,
            "kind": kind,
            "created_at": utc_now(now),
        }
        for channel, ts, kind, item_ids in shown
        for position, item_id in enumerate(item_ids)
    ]
    if values:
        session.execute(
            insert(session, PreapprovalMessageRow).values(values).on_conflict_do_nothing()
        )


def messages_showing(session: Session, item_id: int) -> list[tuple[str, str, str]]:
    """(channel, ts, kind) of every message that shows this request."""
    rows = session.execute(
        select(
            PreapprovalMessageRow.channel_id, PreapprovalMessageRow.ts, PreapprovalMessageRow.kind
        )
        .where(PreapprovalMessageRow.preapproval_id == item_id)
        .distinct()
    ).all()
    return [(c, t, k) for c, t, k in rows]


def items_in_message(
    session: Session, team_id: str, channel_id: str, ts: str
) -> list[PreapprovalRow]:
    """The requests one message shows, in its order."""
    ids = list(
        session.execute(
            select(PreapprovalMessageRow.preapproval_id)
            .where(
                PreapprovalMessageRow.team_id == team_id,
                PreapprovalMessageRow.channel_id == channel_id,
                PreapprovalMessageRow.ts == ts,
            )
            .order_by(PreapprovalMessageRow.position)
        ).scalars()
    )
    found = by_ids(session, ids)
    return [found[i] for i in ids if i in found]


# -- rounds: one DM per owner per round, kept by the primary key --------------------


def claim_rounds(
    session: Session,
    team_id: str,
    wanted: Collection[tuple[str, str]],
    *,
    now: datetime,
    stale_before: datetime,
) -> set[str]:
    """Claim the right to send each (owner, round key) DM; returns the owners who got theirs.

    The primary key makes a second claim of the same round fail, whichever process or
    batch tries it. A claim whose DM never went out (its sender died) is taken over
    once it is older than `stale_before`.
    """
    if not wanted:
        return set()
    table: Any = PreapprovalRoundRow.__table__
    inserted = session.execute(
        insert(session, PreapprovalRoundRow)
        .values(
            [
                {"team_id": team_id, "owner_id": owner, "round_key": key, "claimed_at": now}
                for owner, key in wanted
            ]
        )
        .on_conflict_do_nothing()
        .returning(table.c.owner_id)
    )
    claimed = set(inserted.scalars())
    rest = [(owner, key) for owner, key in wanted if owner not in claimed]
    if rest:
        taken = session.execute(
            update(PreapprovalRoundRow)
            .where(
                PreapprovalRoundRow.team_id == team_id,
                _pairs(rest),
                PreapprovalRoundRow.ts.is_(None),
                PreapprovalRoundRow.claimed_at < stale_before,
            )
            .values(claimed_at=now)
            .returning(PreapprovalRoundRow.owner_id)
        )
        claimed |= set(taken.scalars())
    return claimed


def sent_rounds(session: Session, team_id: str, sent: Sequence[tuple[str, str, str, str]]) -> None:
    """Record where each (owner, round key) DM went: (owner, key, channel, ts)."""
    if not sent:
        return
    table: Any = PreapprovalRoundRow.__table__
    session.connection().execute(
        table.update()
        .where(
            table.c.team_id == team_id,
            table.c.owner_id == bindparam("b_owner"),
            table.c.round_key == bindparam("b_key"),
        )
        .values(channel_id=bindparam("b_channel"), ts=bindparam("b_ts")),
        [
            {"b_owner": owner, "b_key": key, "b_channel": channel, "b_ts": ts}
            for owner, key, channel, ts in sent
        ],
    )


def _pairs(pairs: Sequence[tuple[str, str]]) -> Any:
    return or_(
        *(
            (PreapprovalRoundRow.owner_id == owner) & (PreapprovalRoundRow.round_key == key)
            for owner, key in pairs
        )
    )


def release_rounds(session: Session, team_id: str, keys: Iterable[tuple[str, str]]) -> None:
    """Give back claims whose DM failed, so the next sweep may try again."""
    pairs = list(keys)
    if not pairs:
        return
    session.execute(
        delete(PreapprovalRoundRow).where(
            PreapprovalRoundRow.team_id == team_id,
            PreapprovalRoundRow.ts.is_(None),
            _pairs(pairs),
        )
    )


def rounds_sent(session: Session, team_id: str, owner_id: str) -> list[PreapprovalRoundRow]:
    return list(
        session.execute(
            select(PreapprovalRoundRow)
            .where(PreapprovalRoundRow.team_id == team_id, PreapprovalRoundRow.owner_id == owner_id)
            .order_by(PreapprovalRoundRow.round_key)
        ).scalars()
    )
