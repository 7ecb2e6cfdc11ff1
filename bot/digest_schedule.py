"""Which channels get the daily digest, and when: kept apart so any feature can add a channel."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.core.business_days import daily_at_after
from storage import reminders

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DIGEST = "digest"  # subject: the channel id


def plan(
    session: Session, settings: Settings, team_id: str, channel_id: str | None, now: datetime
) -> None:
    """Make sure this care-team channel gets its daily digest (once scheduled, it repeats)."""
    if settings.digest_time is None or not channel_id or channel_id[:1] not in ("C", "G"):
        return
    current = reminders.get(session, team_id, DIGEST, channel_id)
    if current is not None and current.next_at is not None:
        return
    at = daily_at_after(now, settings.timezone, settings.digest_time)
    reminders.schedule(session, team_id, DIGEST, channel_id, at, now=now)
