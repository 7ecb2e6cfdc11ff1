"""Care-team channels: the Slack channels a team works in, with their time zone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import CareChannelRow
from storage.sql import insert
from storage.stamp import utc_now


def upsert(
    session: Session,
    team_id: str,
    channel_id: str,
    name: str,
    timezone: str | None = None,
    *,
    now: datetime | None = None,
) -> CareChannelRow:
    """Store a care channel, or update its name and time zone; created_at stays the first one."""
    statement = insert(session, CareChannelRow).values(
        team_id=team_id,
        channel_id=channel_id,
        name=name[:200],
        timezone=timezone,
        created_at=utc_now(now),
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[CareChannelRow.team_id, CareChannelRow.channel_id],
            set_={"name": statement.excluded.name, "timezone": statement.excluded.timezone},
        )
    )
    channel = get(session, team_id, channel_id)
    assert channel is not None
    return channel


def get(session: Session, team_id: str, channel_id: str) -> CareChannelRow | None:
    """The care channel, or None if it is not one."""
    return session.get(CareChannelRow, (team_id, channel_id), populate_existing=True)


def list_for(session: Session, team_id: str) -> list[CareChannelRow]:
    """The workspace's care channels by name."""
    return list(
        session.execute(
            select(CareChannelRow)
            .where(CareChannelRow.team_id == team_id)
            .order_by(CareChannelRow.name, CareChannelRow.channel_id)
        ).scalars()
    )
