"""The daily digest in Slack: one post per care-team channel at the channel's digest time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.digest import schedule
from bot.digest.daily import DailyDigest
from bot.shared.hooks import ChannelSettingsSaved, RecordInChannel
from handlers.digest import post

if TYPE_CHECKING:
    from slack_bolt import App
    from sqlalchemy.orm import Session

    from bot.runtime.shared import Shared


def register(app: App, shared: Shared) -> None:
    """The digest has no listener: it is a reminder kind the sweep fires, posting `post.render`;
    it hears of the channels to post in, and of their settings, through the hooks."""
    shared.reminder_kinds.add(
        DailyDigest(shared.records, slack=shared.slack, once=shared.once, render=post.render)
    )
    in_force = shared.in_force

    def join(session: Session, found: RecordInChannel) -> None:
        schedule.plan(session, in_force, found.team_id, found.channel_id, found.at)

    def move(session: Session, saved: ChannelSettingsSaved) -> None:
        schedule.replan(session, saved.team_id, saved.channel_id, saved.in_force, saved.at)

    shared.hooks.subscribe(RecordInChannel, join)
    shared.hooks.subscribe(ChannelSettingsSaved, move)
