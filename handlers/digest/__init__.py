"""The daily digest in Slack: one post per care-team channel at the channel's digest time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.digest.daily import DailyDigest
from handlers.digest import post

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.services import Care


def register(app: App, care: Care) -> None:
    """The digest has no listener: it is a reminder kind the sweep fires, posting `post.render`."""
    care.add_reminder_kind(
        DailyDigest(db=care.db, slack=care.slack, in_force=care.in_force, render=post.render)
    )
