"""What the features share in Slack: /carebot (help, audit, settings) and the Home tab."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.shared.audit_trail import AuditTrail
from bot.shared.channel_setup import ChannelSetup
from handlers.shared import audit, help, home, settings

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.services import Care

BOT_EVENTS = home.BOT_EVENTS


def register_carebot(app: App, care: Care) -> None:
    """/carebot and its verbs; the order here is the order /carebot help lists them in."""
    help.register(help.Menu(care.commands, care.carebot_commands))
    audit.register(
        care.carebot_commands, AuditTrail(db=care.db, clock=care.clock, access=care.access)
    )
    setup = ChannelSetup(db=care.db, clock=care.clock, access=care.access, in_force=care.in_force)
    settings.register(app, care.carebot_commands, setup, care.slack)


def home_screen(care: Care) -> home.HomeScreen:
    """The Home tab's drawing, with what it reads: people, access, the features' sections."""
    return home.HomeScreen(
        db=care.db,
        clock=care.clock,
        wall=care.wall,
        slack=care.slack,
        people=care.people,
        access=care.access,
        tab=care.home,
        commands=care.commands,
    )


def register_home(app: App, care: Care) -> None:
    home.register(app, home_screen(care))
