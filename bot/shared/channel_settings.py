"""The settings in force in a channel: workspace defaults from env, the channel's own over them.

`SettingsResolver` is the one reader of the overridable workspace settings (time zone,
holidays, digest time, escalation ladders, round time, patient display): a service asks it
for the settings where it acts, and never reads those fields from `Settings` itself.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.runtime.config import Settings
from bot.shared.rules.channel_settings import ChannelSettings, Overrides, effective
from bot.shared.rules.display import PatientDisplay
from storage import channels, workspaces

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage import Database


def workspace_defaults(settings: Settings, patient_display: str) -> ChannelSettings:
    """What a channel without its own settings follows."""
    try:
        policy = PatientDisplay.parse(patient_display)
    except ValueError:
        policy = PatientDisplay.INITIALS
    return ChannelSettings(
        timezone=settings.timezone,
        holidays=settings.holidays,
        digest_time=settings.digest_time,
        handoff_ladders=settings.handoff_ladders,
        preauth_round=settings.preauth_round,
        patient_display=policy,
    )


def overrides_of(stored: Mapping[str, str | None] | None) -> Overrides | None:
    return Overrides(**stored) if stored is not None else None


def for_channels_in(
    session: Session, settings: Settings, team_id: str, channel_ids: Collection[str]
) -> dict[str, ChannelSettings]:
    """The same inside a session the caller holds; every id asked for gets an answer."""
    display, stored = channels.in_force(session, team_id, channel_ids)
    defaults = workspace_defaults(settings, display)
    return {c: effective(defaults, overrides_of(stored.get(c))) for c in channel_ids}


class SettingsResolver:
    """Settings in force in a workspace's channels, read per call (a save shows at once)."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db, self.settings = db, settings

    def default_zone(self) -> ZoneInfo:
        """The clinic's zone from the environment: the fallback for a person Slack gives none."""
        return self.settings.timezone

    def for_channel(self, team_id: str, channel_id: str | None) -> ChannelSettings:
        """One channel's effective settings; the workspace's when there is no channel."""
        return self.for_channels(team_id, [channel_id or ""])[channel_id or ""]

    def for_workspace(self, team_id: str) -> ChannelSettings:
        """What applies where no channel is involved (a DM, an export, a person's own list)."""
        return self.for_channel(team_id, None)

    def for_channels(
        self, team_id: str, channel_ids: Collection[str]
    ) -> dict[str, ChannelSettings]:
        """Many channels' settings, read at once (for a sweep's batch)."""
        with self.db.session(read_only=True) as session:
            return self.in_session(session, team_id, channel_ids)

    def in_session(
        self, session: Session, team_id: str, channel_ids: Collection[str]
    ) -> dict[str, ChannelSettings]:
        """The same inside a session the caller holds; every id asked for gets an answer."""
        return for_channels_in(session, self.settings, team_id, channel_ids)

    def patient_display(self, team_id: str) -> PatientDisplay:
        """How this workspace shows patients where no channel says otherwise."""
        with self.db.session(read_only=True) as session:
            return self.patient_display_in(session, team_id)

    def patient_display_in(self, session: Session, team_id: str) -> PatientDisplay:
        """The same inside a session the caller holds (one unit of work for a list)."""
        return PatientDisplay.parse(workspaces.patient_display(session, team_id))
