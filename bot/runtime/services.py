"""Everything a listener or a reminder needs, handed in rather than imported as globals."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from bot.runtime.config import Settings
from bot.shared.access import Access, Roles
from bot.shared.care_teams import CareTeams
from bot.shared.channel_settings import SettingsResolver
from bot.shared.commands import CommandRegistry
from bot.shared.directory import Directory
from bot.shared.home import HomeTab
from bot.shared.hooks import Hooks
from bot.shared.rules.channel_settings import ChannelSettings
from bot.shared.rules.clock import Clock, SystemClock
from bot.shared.rules.display import PatientDisplay
from bot.shared.rules.reminders import ReminderKind, SweepReport
from bot.shared.rules.timeparse import TimeParser
from bot.shared.sweeper import Dedup, Sweeper
from storage import Database

if TYPE_CHECKING:
    from slack_sdk import WebClient

log = logging.getLogger(__name__)


@dataclass
class Care:
    """The bot's collaborators: settings, database, clock, time parser, Slack client, features."""

    settings: Settings
    db: Database
    clock: Clock
    times: TimeParser
    slack: WebClient
    wall: Clock = field(default_factory=SystemClock)  # real time, for leases and housekeeping
    commands: CommandRegistry = field(default_factory=CommandRegistry)
    carebot_commands: CommandRegistry = field(default_factory=CommandRegistry)  # /carebot <verb>
    reminder_kinds: dict[str, ReminderKind] = field(default_factory=dict)
    home: HomeTab = field(default_factory=HomeTab)  # My day: its sections, its redraw hook
    hooks: Hooks = field(default_factory=Hooks)  # one feature's reaction to another's change

    @cached_property
    def people(self) -> Directory:
        """Names and time zones of Slack users, cached from users.info."""
        return Directory(self.db, self.slack, self.clock, self.settings.timezone)

    @cached_property
    def roles(self) -> Roles:
        """Admins (CAREBOT_ADMINS, CAREBOT_ADMIN_GROUP) and care-team members (cached briefly)."""
        care_teams = CareTeams(self.db, self.slack, self.wall)
        return Roles(self.slack, self.settings.admins, self.settings.admin_group, care_teams)

    @cached_property
    def access(self) -> Access:
        """Care-team and admin checks on each operation, with refusals audited."""
        return Access(self.db, self.clock, self.roles)

    def add_reminder_kind(self, kind: ReminderKind) -> None:
        if kind.name in self.reminder_kinds:
            raise ValueError(f"reminder kind {kind.name!r} is registered twice")
        self.reminder_kinds[kind.name] = kind

    @cached_property
    def in_force(self) -> SettingsResolver:
        """The settings in force where something happens: the channel's over the workspace's."""
        return SettingsResolver(self.db, self.settings)

    def patient_display(self, team_id: str) -> PatientDisplay:
        """How this workspace shows patients in channels: full, initials or id."""
        return self.in_force.patient_display(team_id)

    def channel_settings(self, team_id: str, channel_id: str | None) -> ChannelSettings:
        """The settings in force in a channel: workspace defaults, the channel's own over them."""
        return self.in_force.for_channel(team_id, channel_id)

    def first_time(self, team_id: str, key: str) -> bool:
        """True only the first time a request key is seen: retries and double clicks get False."""
        return Dedup(self.db, self.wall).first_time(team_id, key)

    def sweep(self, at: datetime | None = None) -> SweepReport:
        """One reminder pass as of `at` (default now); safe to run from several processes."""
        return Sweeper(self.db, self.reminder_kinds, self.clock, self.wall).sweep(at)
