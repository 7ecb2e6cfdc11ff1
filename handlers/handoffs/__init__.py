"""/handoff in Slack: the command, the form and its posting, cards, read-backs, escalations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.handoffs import ack, commands, escalation, home, posting

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.services import Care


def register(app: App, care: Care) -> None:
    commands.register(app, care)
    posting.register(app, care)
    ack.register(app, care)
    escalation.register(app, care)
    for section in home.sections(care):
        care.home.add_section(section)
