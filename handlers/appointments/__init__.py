"""/appt in Slack: the command and its buttons, the booking form, My day's section, reminder DMs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.appointments import commands, form, home, reminders

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.services import Care


def register(app: App, care: Care) -> None:
    commands.register(app, care)
    form.register(app, care)
    reminders.register(app, care)
    care.home.add_section(home.home_section(care))
