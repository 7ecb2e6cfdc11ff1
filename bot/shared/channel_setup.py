"""Saving a channel's settings from /carebot settings: stored, audited, the digest moved."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.digest import schedule as digest_schedule
from bot.shared.channel_settings import for_channels_in
from bot.shared.rules.channel_settings import ChannelSettings, Overrides
from storage import SqlAuditLog, channels

if TYPE_CHECKING:
    from bot.runtime.services import Care


def save(
    care: Care,
    team_id: str,
    channel_id: str,
    name: str,
    by: str,
    overrides: Overrides | None,
    request_id: str | None = None,
) -> ChannelSettings:
    """Store a channel's settings (None: it is no longer a care-team channel), audit the change,
    and move its digest to the new time; returns the settings now in force there."""
    now = care.clock.now()
    with care.db.session() as session:
        if overrides is None:
            channels.remove(session, team_id, channel_id)
        else:
            channels.save_settings(
                session, team_id, channel_id, name, overrides.as_dict(), by=by, now=now
            )
        SqlAuditLog(session).record(
            team_id, by, "settings.change", None, channel_id, request_id, at=now
        )
        now_in_force = for_channels_in(session, care.settings, team_id, [channel_id])[channel_id]
        digest_schedule.replan(session, team_id, channel_id, now_in_force, now)
    return now_in_force


def is_care_team(care: Care, team_id: str, channel_id: str) -> bool:
    """Whether an admin registered this channel as a care-team channel."""
    with care.db.session(read_only=True) as session:
        return channels.get(session, team_id, channel_id) is not None
