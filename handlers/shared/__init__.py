"""What the features share in Slack: /carebot (help, audit, settings) and the Home tab."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.shared import audit, help, home, settings

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.services import Care

BOT_EVENTS = home.BOT_EVENTS


def register_carebot(app: App, care: Care) -> None:
    """/carebot and its verbs; the order here is the order /carebot help lists them in."""
    help.register(app, care)
    audit.register(app, care)
    settings.register(app, care)


def register_home(app: App, care: Care) -> None:
    home.register(app, care)
