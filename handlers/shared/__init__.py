"""What the features share in Slack: /carebot (help, audit, settings) and the Home tab."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.shared.home import HomeVisits
from handlers.shared import audit, help, home, settings

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.shared import Shared
    from bot.shared.audit_trail import AuditTrail
    from bot.shared.channel_setup import ChannelSetup

BOT_EVENTS = home.BOT_EVENTS


def register_carebot(
    app: App, shared: Shared, audit_trail: AuditTrail, channel_setup: ChannelSetup
) -> None:
    """/carebot and its verbs; the order here is the order /carebot help lists them in."""
    help.register(help.Menu(shared.commands, shared.carebot_commands))
    audit.register(shared.carebot_commands, audit_trail)
    settings.register(app, shared.carebot_commands, channel_setup, shared.slack)


def home_screen(shared: Shared) -> home.HomeScreen:
    """The Home tab's drawing, with what it reads: people, access, the features' sections."""
    return home.HomeScreen(
        clock=shared.clock,
        visits=HomeVisits(shared.db, shared.wall),
        slack=shared.slack,
        people=shared.people,
        access=shared.access,
        tab=shared.home,
        commands=shared.commands,
    )


def register_home(app: App, shared: Shared) -> None:
    home.register(app, home_screen(shared))
