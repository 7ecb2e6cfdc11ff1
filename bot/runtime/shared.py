"""What the composition root hands each feature's registration: the shared collaborators.

Built once, eagerly, by `bot.runtime.app.build`, with every feature's use cases
(`Services`); nothing in it is created on first use, so changing a setting means building a
new runtime. Only the composition root and the handlers' `register` functions see these
records: every use case and listener is handed the few collaborators it uses
(tests/unit/test_layers.py keeps it that way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.appointments.services import AppointmentServices
    from bot.handoffs.services import HandoffServices
    from bot.preapprovals.services import PreapprovalServices
    from bot.runtime.config import Settings
    from bot.runtime.metrics import Metrics
    from bot.shared.access import Access, Roles
    from bot.shared.audit_trail import AuditTrail
    from bot.shared.care_teams import CareTeams
    from bot.shared.channel_settings import SettingsResolver
    from bot.shared.channel_setup import ChannelSetup
    from bot.shared.commands import CommandRegistry
    from bot.shared.directory import Directory
    from bot.shared.home import HomeTab
    from bot.shared.hooks import Hooks
    from bot.shared.messages import OnceSender
    from bot.shared.records import Records
    from bot.shared.rules.clock import Clock
    from bot.shared.rules.timeparse import TimeParser
    from bot.shared.sweeper import Dedup, Outbox, ReminderKinds
    from storage import Database


@dataclass(frozen=True)
class Shared:
    """The collaborators every feature may be handed, and the registries features add to."""

    settings: Settings  # configuration; the fields a channel overrides only via in_force
    db: Database
    clock: Clock  # the bot's time (a fake one in the sandbox)
    wall: Clock  # real time, for leases and housekeeping
    times: TimeParser
    slack: WebClient
    people: Directory
    roles: Roles
    care_teams: CareTeams  # who is in a care team; told of joins and leaves
    access: Access
    in_force: SettingsResolver
    records: Records  # db, clock, times, people, access, in_force: what use cases over records take
    dedup: Dedup
    hooks: Hooks
    home: HomeTab  # My day: its sections, its redraw hook
    commands: CommandRegistry
    carebot_commands: CommandRegistry  # /carebot <verb>
    reminder_kinds: ReminderKinds
    outbox: Outbox  # sends what a write committed for Slack at once; the sweep retries it
    once: OnceSender  # posts carrying their send key, looked for before a possible resend
    metrics: Metrics  # what GET /metrics shows; listener failures are counted into it


@dataclass(frozen=True)
class Services:
    """Every feature's use cases, built by the composition root; each register takes its own."""

    appointments: AppointmentServices
    handoffs: HandoffServices
    preapprovals: PreapprovalServices
    audit_trail: AuditTrail
    channel_setup: ChannelSetup
