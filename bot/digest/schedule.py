"""Which channels get the daily digest, and when: kept apart so any feature can add a channel.

The time and zone are the channel's own settings (workspace defaults from env otherwise);
a channel whose digest is off gets none.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.digest.rules.day import next_due
from bot.shared.channel_settings import SettingsResolver
from bot.shared.rules.channel_settings import ChannelSettings
from storage import reminders

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DIGEST = "digest"  # subject: the channel id


def plan(
    session: Session,
    in_force: SettingsResolver,
    team_id: str,
    channel_id: str | None,
    now: datetime,
) -> None:
    """Make sure this care-team channel gets its daily digest (once scheduled, it repeats)."""
    if not channel_id or channel_id[:1] not in ("C", "G"):
        return
    current = reminders.get(session, team_id, DIGEST, channel_id)
    if current is not None and current.next_at is not None:
        return
    at = next_due(now, in_force.in_session(session, team_id, [channel_id])[channel_id])
    if at is None:
        return
    reminders.schedule(session, team_id, DIGEST, channel_id, at, now=now)


def replan(
    session: Session, team_id: str, channel_id: str, in_force: ChannelSettings, now: datetime
) -> None:
    """After a settings change: a scheduled digest moves to the new time, or stops when off."""
    current = reminders.get(session, team_id, DIGEST, channel_id)
    if current is None or current.next_at is None:
        return
    at = next_due(now, in_force)
    if at is None:
        reminders.cancel(session, team_id, DIGEST, channel_id, now=now)
        return
    reminders.schedule(session, team_id, DIGEST, channel_id, at, now=now)
