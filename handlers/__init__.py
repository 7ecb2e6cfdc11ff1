"""Slack in and out: a package per feature, each with register(app, care)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers import appointments, digest, handoffs, preapprovals, shared
from handlers.kit import dedup, dispatch, errors

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.services import Care

# Each feature registers its command, listeners and reminder kinds; order sets /carebot help.
FEATURES = (
    shared.register_carebot,
    appointments.register,
    handoffs.register,
    preapprovals.register,
    digest.register,
    shared.register_home,
)
# What app.yaml must subscribe to for the listeners to hear anything.
BOT_EVENTS = dispatch.BOT_EVENTS + shared.BOT_EVENTS


def register_all(app: App, care: Care) -> None:
    """Wire every feature into the Bolt app, then the paths that reach their commands."""
    errors.register(app)
    dedup.register(app, lambda team, key: care.first_time(team, key))
    for register in FEATURES:
        register(app, care)
    dispatch.register(app, shared.help.Menu(care.commands, care.carebot_commands))
    errors.guard_listeners(app)
