"""Setting up a channel from /carebot settings, for admins: stored, audited, the digest moved."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.shared.hooks import ChannelSettingsSaved
from bot.shared.rules.channel_settings import ChannelSettings, Overrides
from storage import SqlAuditLog, channels

if TYPE_CHECKING:
    from bot.shared.access import Access, Actor
    from bot.shared.channel_settings import SettingsResolver
    from bot.shared.hooks import Hooks
    from bot.shared.rules.clock import Clock
    from storage import Database

DOING = "change a channel's settings"


class ChannelSetup:
    """Reading and saving one channel's own settings; only admins may do either."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        access: Access,
        in_force: SettingsResolver,
        hooks: Hooks,
        registered: Callable[[str], None] | None = None,
    ) -> None:
        """`registered(team_id)` is told once a save has committed: which channels are care
        teams may have changed (the care-team cache reads them again)."""
        self.db, self.clock, self.access, self.in_force = db, clock, access, in_force
        self.hooks, self.registered = hooks, registered

    def current(self, actor: Actor, channel_id: str) -> tuple[bool, ChannelSettings]:
        """Whether the channel is a care-team channel, and the settings in force there."""
        self.access.require_admin(actor, DOING)
        with self.db.session(read_only=True) as session:
            registered = channels.get(session, actor.team_id, channel_id) is not None
            in_force = self.in_force.in_session(session, actor.team_id, [channel_id])
        return registered, in_force[channel_id]

    def workspace_defaults(self, team_id: str) -> ChannelSettings:
        """What a channel without settings of its own follows: the form checks against it."""
        return self.in_force.for_workspace(team_id)

    def save(
        self, actor: Actor, channel_id: str, name: str, overrides: Overrides | None
    ) -> ChannelSettings:
        """Store a channel's settings (None: it is no longer a care-team channel), audit the
        change, and tell who follows it (the digest moves); returns what is in force there."""
        self.access.require_admin(actor, DOING)
        now = self.clock.now()
        team_id = actor.team_id
        with self.db.session() as session:
            if overrides is None:
                channels.remove(session, team_id, channel_id)
            else:
                channels.save_settings(
                    session,
                    team_id,
                    channel_id,
                    name,
                    overrides.as_dict(),
                    by=actor.user_id,
                    now=now,
                )
            SqlAuditLog(session).record(
                team_id,
                actor.user_id,
                "settings.change",
                None,
                channel_id,
                actor.request_id,
                at=now,
            )
            now_in_force = self.in_force.in_session(session, team_id, [channel_id])[channel_id]
            self.hooks.publish(
                session, ChannelSettingsSaved(team_id, channel_id, now_in_force, now)
            )
        if self.registered is not None:
            self.registered(team_id)
        return now_in_force
