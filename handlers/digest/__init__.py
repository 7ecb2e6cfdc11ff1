"""The daily digest in Slack: one post per care-team channel at the channel's digest time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.digest.daily import DailyDigest
from handlers.digest import post

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.shared import Shared


def register(app: App, shared: Shared) -> None:
    """The digest has no listener: it is a reminder kind the sweep fires, posting `post.render`."""
    shared.reminder_kinds.add(DailyDigest(shared.records, slack=shared.slack, render=post.render))
