"""/preauth in Slack: the command, forms, buttons, round DMs, risk posts, My day."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.preapprovals import links
from handlers.preapprovals import buttons, commands, decision, form, home

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.services import Care


def register(app: App, care: Care) -> None:
    commands.register(app, care)
    buttons.register(app, care)
    form.register(app, care)
    decision.register(app, care)
    home.register(care)
    links.subscribe(care)
