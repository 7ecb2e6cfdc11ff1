"""Slack in and out: a package per feature, each with register(app, shared)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers import appointments, digest, handoffs, preapprovals
from handlers.kit import dedup, dispatch, errors
from handlers.shared import BOT_EVENTS as HOME_EVENTS
from handlers.shared import help, register_carebot, register_home

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.shared import Shared

# Each feature registers its command, listeners and reminder kinds; order sets /carebot help.
FEATURES = (
    register_carebot,
    appointments.register,
    handoffs.register,
    preapprovals.register,
    digest.register,
    register_home,
)
# What app.yaml must subscribe to for the listeners to hear anything.
BOT_EVENTS = dispatch.BOT_EVENTS + HOME_EVENTS


def register_all(app: App, shared: Shared) -> None:
    """Wire every feature into the Bolt app, then the paths that reach their commands."""
    errors.register(app)
    dedup.register(app, shared.dedup.first_time)
    for register in FEATURES:
        register(app, shared)
    dispatch.register(app, help.Menu(shared.commands, shared.carebot_commands))
    errors.guard_listeners(app)
