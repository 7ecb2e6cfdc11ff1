"""Slack in and out: one module per feature, each with register(app, care)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers import appointments, dedup, dispatch, errors, handoffs, help, home, preapprovals

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Care

# Each feature registers its command, listeners and reminder kinds; order sets /carebot help.
FEATURES = (help, appointments, handoffs, preapprovals, home)
# What app.yaml must subscribe to for the listeners to hear anything.
BOT_EVENTS = dispatch.BOT_EVENTS + home.BOT_EVENTS


def register_all(app: App, care: Care) -> None:
    """Wire every feature into the Bolt app, then the paths that reach their commands."""
    errors.register(app, care)
    dedup.register(app, care)
    for feature in FEATURES:
        feature.register(app, care)
    dispatch.register(app, care)
    errors.guard_listeners(app)
