"""What was sent about pre-approvals: the messages that show them, and the rounds already sent."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from storage.preapprovals.models import PreapprovalMessageRow, PreapprovalRoundRow, PreapprovalRow
from storage.preapprovals.queries import by_ids
from storage.sql import insert, rowcount
from storage.stamp import utc_now

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
    if values:  # executemany on the connection: one statement, no ORM bulk bookkeeping
        statement = insert(session, PreapprovalMessageRow.__table__).on_conflict_do_nothing()
        session.connection().execute(statement, values)


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


def purge_rounds(session: Session, team_id: str, before: datetime) -> int:
    """Forget rounds claimed before `before`: their keys can never come round again."""
    result = session.execute(
        delete(PreapprovalRoundRow).where(
            PreapprovalRoundRow.team_id == team_id, PreapprovalRoundRow.claimed_at < before
        )
    )
    return rowcount(result)


def purge_messages(session: Session, team_id: str, before: datetime) -> int:
    """Forget which requests messages older than `before` showed: they are redrawn no more."""
    result = session.execute(
        delete(PreapprovalMessageRow).where(
            PreapprovalMessageRow.team_id == team_id, PreapprovalMessageRow.created_at < before
        )
    )
    return rowcount(result)
