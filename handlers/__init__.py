"""Slack in and out: a package per feature, each with register(app, shared)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.shared.questions import Questions
from handlers import appointments, digest, handoffs, preapprovals
from handlers.kit import dedup, dispatch, errors
from handlers.shared import BOT_EVENTS as HOME_EVENTS
from handlers.shared import help, installs, membership, register_carebot, register_home

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.shared import Services, Shared

# What app.yaml must subscribe to for the listeners to hear anything.
BOT_EVENTS = dispatch.BOT_EVENTS + HOME_EVENTS + installs.BOT_EVENTS + membership.BOT_EVENTS


def register_all(app: App, shared: Shared, services: Services) -> None:
    """Wire the paths that reach commands, then every feature, into the Bolt app.

    Each feature registers its command, listeners, Home sections and reminder kinds; the
    order here is the order /carebot help lists them in.
    """
    errors.register(app, shared.metrics.listener_failed)
    dedup.register(app, shared.dedup.first_time)
    # First, so a slash command or a DM meets its listener first: Bolt tries each listener's
    # matchers in the order they were registered, and there are a hundred buttons and forms.
    questions = Questions(shared.db, shared.clock, shared.dedup)
    dispatch.register(app, help.Menu(shared.commands, shared.carebot_commands), questions)
    register_carebot(app, shared, services.audit_trail, services.channel_setup)
    appointments.register(app, shared, services.appointments)
    handoffs.register(app, shared, services.handoffs)
    preapprovals.register(app, shared, services.preapprovals)
    digest.register(app, shared)
    register_home(app, shared)
    membership.register(app, shared.care_teams)
    errors.guard_listeners(app, shared.metrics.listener_failed)
