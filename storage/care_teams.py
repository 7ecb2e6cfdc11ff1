"""Which channels are care-team channels: the rows admins keep in care_channels, read only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import CareChannelRow


def channel_ids(session: Session, team_id: str) -> list[str]:
    """The workspace's registered care-team channels, by id."""
    return list(
        session.execute(
            select(CareChannelRow.channel_id)
            .where(CareChannelRow.team_id == team_id)
            .order_by(CareChannelRow.channel_id)
        ).scalars()
    )


def is_care_channel(session: Session, team_id: str, channel_id: str) -> bool:
    """True when an admin registered this channel as a care-team channel."""
    found = session.execute(
        select(CareChannelRow.channel_id).where(
            CareChannelRow.team_id == team_id, CareChannelRow.channel_id == channel_id
        )
    ).first()
    return found is not None
