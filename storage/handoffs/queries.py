"""Handoffs: H-refs, the one acknowledgement, action items ticked once, and the lists."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from bot.handoffs.rules.actions import ActionItem
from storage.handoffs.models import HandoffActionRow, HandoffRow
from storage.refs import next_number, parse_ref
from storage.sql import rowcount
from storage.stamp import utc_now

PREFIX = "H"
_FULL = (
    joinedload(HandoffRow.patient, innerjoin=True),
    selectinload(HandoffRow.actions),
)


def add(
    session: Session,
    team_id: str,
    *,
    patient_id: int,
    template: str,
    severity: str,
    sections: dict[str, str],
    channel_id: str,
    author_id: str,
    receiver_user: str | None,
    receiver_group: str | None,
    actions: Sequence[ActionItem],
    now: datetime,
) -> HandoffRow:
    """A new handoff with its action items, numbered H-n; posted later with `set_posted`."""
    row = HandoffRow(
        team_id=team_id,
        number=next_number(session, team_id, PREFIX),
        patient_id=patient_id,
        template=template,
        severity=severity,
        sections=dict(sections),
        channel_id=channel_id,
        author_id=author_id,
        receiver_user=receiver_user,
        receiver_group=receiver_group,
        created_at=utc_now(now),
        updated_at=utc_now(now),
    )
    row.actions = _action_rows(team_id, actions)
    session.add(row)
    session.flush()
    return get(session, team_id, row.id)


def _action_rows(team_id: str, actions: Sequence[ActionItem]) -> list[HandoffActionRow]:
    return [
        HandoffActionRow(team_id=team_id, position=i, text=a.text, owner_id=a.owner, due_at=a.due)
        for i, a in enumerate(actions, start=1)
    ]


def get(session: Session, team_id: str, handoff_id: int) -> HandoffRow:
    return session.scalars(
        select(HandoffRow)
        .where(HandoffRow.team_id == team_id, HandoffRow.id == handoff_id)
        .options(*_FULL)
        .execution_options(populate_existing=True)
    ).one()


def get_by_ref(session: Session, team_id: str, ref: str) -> HandoffRow | None:
    """The handoff with this ref (H-7, h7), patient and action items loaded; None if none."""
    number = parse_ref(ref, PREFIX)
    if number is None:
        return None
    return session.scalars(
        select(HandoffRow)
        .where(HandoffRow.team_id == team_id, HandoffRow.number == number)
        .options(*_FULL)
        .execution_options(populate_existing=True)
    ).one_or_none()


def get_many_by_refs(
    session: Session, team_id: str, refs: Collection[str]
) -> dict[str, HandoffRow]:
    """The handoffs with these refs, by ref, each with patient and items: two queries in all."""
    numbers = {n for n in (parse_ref(r, PREFIX) for r in refs) if n is not None}
    if not numbers:
        return {}
    rows = session.scalars(
        select(HandoffRow)
        .where(HandoffRow.team_id == team_id, HandoffRow.number.in_(sorted(numbers)))
        .options(*_FULL)
        .execution_options(populate_existing=True)
    )
    return {row.ref: row for row in rows}


def set_posted(
    session: Session, team_id: str, handoff_id: int, message_ts: str, now: datetime
) -> None:
    session.execute(
        update(HandoffRow)
        .where(HandoffRow.team_id == team_id, HandoffRow.id == handoff_id)
        .values(message_ts=message_ts, posted_at=utc_now(now), updated_at=utc_now(now))
    )


def set_escalated(session: Session, team_id: str, handoff_id: int, rungs: int) -> None:
    """Record how many rungs of the escalation ladder have been sent."""
    session.execute(
        update(HandoffRow)
        .where(HandoffRow.team_id == team_id, HandoffRow.id == handoff_id)
        .values(escalated=rungs)
    )


def add_asks(
    session: Session, team_id: str, handoff_id: int, asks: Sequence[tuple[str, str]]
) -> None:
    """Keep where messages asked for the read-back; the row is locked, so none is lost."""
    if not asks:
        return
    row = session.execute(
        select(HandoffRow)
        .where(HandoffRow.team_id == team_id, HandoffRow.id == handoff_id)
        .with_for_update()
    ).scalar_one_or_none()
    if row is not None:
        row.asks = [*(row.asks or []), *([c, t] for c, t in asks)]


def asks_of(session: Session, team_id: str, handoff_id: int) -> list[tuple[str, str]]:
    """Where messages asked for this handoff's read-back, oldest first."""
    found = session.execute(
        select(HandoffRow.asks).where(HandoffRow.team_id == team_id, HandoffRow.id == handoff_id)
    ).scalar_one_or_none()
    return [(str(c), str(t)) for c, t in (found or [])]


def acknowledge(
    session: Session, team_id: str, handoff_id: int, by: str, synthesis: str, now: datetime
) -> bool:
    """Record the read-back; False when someone acknowledged it first (theirs stands)."""
    changed = session.execute(
        update(HandoffRow)
        .where(
            HandoffRow.team_id == team_id,
            HandoffRow.id == handoff_id,
            HandoffRow.acknowledged_at.is_(None),
        )
        .values(
            acknowledged_by=by,
            acknowledged_at=utc_now(now),
            synthesis=synthesis,
            updated_at=utc_now(now),
        )
    )
    return rowcount(changed) == 1


def mark_done(
    session: Session, team_id: str, handoff_id: int, position: int, by: str, now: datetime
) -> bool:
    """Tick an action item off; False when it was already done (the first tick stands)."""
    changed = session.execute(
        update(HandoffActionRow)
        .where(
            HandoffActionRow.team_id == team_id,
            HandoffActionRow.handoff_id == handoff_id,
            HandoffActionRow.position == position,
            HandoffActionRow.done_at.is_(None),
        )
        .values(done_by=by, done_at=utc_now(now))
    )
    return rowcount(changed) == 1


def replace_content(
    session: Session,
    row: HandoffRow,
    *,
    severity: str,
    sections: dict[str, str],
    receiver_user: str | None,
    receiver_group: str | None,
    actions: Sequence[ActionItem],
    now: datetime,
) -> None:
    """An edit by the author: new sections and items; an item typed again keeps its tick."""
    ticked = {a.text: a for a in row.actions if a.done_at is not None}
    row.severity, row.sections = severity, dict(sections)
    row.receiver_user, row.receiver_group = receiver_user, receiver_group
    row.updated_at = utc_now(now)
    fresh = _action_rows(row.team_id, actions)
    for item in fresh:
        if (before := ticked.get(item.text)) is not None:
            item.done_by, item.done_at = before.done_by, before.done_at
    row.actions.clear()
    session.flush()  # the old positions go before the new ones take them
    row.actions.extend(fresh)
    session.flush()


def waiting_for(
    session: Session, team_id: str, user_id: str, groups: Collection[str], limit: int = 20
) -> list[HandoffRow]:
    """Posted, unacknowledged handoffs addressed to this user or to one of their groups.

    A handoff to a group its author belongs to waits for the other members, not the author.
    """
    addressed = [HandoffRow.receiver_user == user_id]
    if groups:
        addressed.append(
            and_(HandoffRow.receiver_group.in_(list(groups)), HandoffRow.author_id != user_id)
        )
    return _open(session, team_id, or_(*addressed), limit)


def sent_by(session: Session, team_id: str, user_id: str, limit: int = 20) -> list[HandoffRow]:
    """This author's handoffs nobody has acknowledged yet; any Slack refused to post first."""
    return _open(session, team_id, HandoffRow.author_id == user_id, limit, posted_only=False)


def open_groups(session: Session, team_id: str) -> list[str]:
    """The user groups that have unacknowledged handoffs waiting, so membership is asked once."""
    return list(
        session.scalars(
            select(HandoffRow.receiver_group)
            .where(
                HandoffRow.team_id == team_id,
                HandoffRow.receiver_group.is_not(None),
                HandoffRow.acknowledged_at.is_(None),
                HandoffRow.posted_at.is_not(None),
            )
            .distinct()
        )
    )


def _open(
    session: Session, team_id: str, who: object, limit: int, *, posted_only: bool = True
) -> list[HandoffRow]:
    posted = [HandoffRow.posted_at.is_not(None)] if posted_only else []
    return list(
        session.scalars(
            select(HandoffRow)
            .where(
                HandoffRow.team_id == team_id,
                who,  # type: ignore[arg-type]
                HandoffRow.acknowledged_at.is_(None),
                *posted,
            )
            .options(*_FULL)
            .order_by(HandoffRow.posted_at.is_not(None), HandoffRow.posted_at, HandoffRow.id)
            .limit(limit)
        )
    )


def open_actions_of(
    session: Session, team_id: str, owner_id: str, limit: int = 20
) -> list[HandoffActionRow]:
    """This owner's action items not yet done, soonest due first, with their handoffs."""
    return list(
        session.scalars(
            select(HandoffActionRow)
            .join(HandoffActionRow.handoff)
            .where(
                HandoffActionRow.team_id == team_id,
                HandoffActionRow.owner_id == owner_id,
                HandoffActionRow.done_at.is_(None),
                HandoffRow.posted_at.is_not(None),
            )
            .options(
                joinedload(HandoffActionRow.handoff).joinedload(HandoffRow.patient, innerjoin=True)
            )
            .order_by(HandoffActionRow.due_at.is_(None), HandoffActionRow.due_at, HandoffRow.id)
            .limit(limit)
        )
    )
