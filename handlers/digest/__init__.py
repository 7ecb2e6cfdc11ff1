"""The daily digest in Slack: one post per care-team channel at the channel's digest time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.digest import post

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.services import Care


def register(app: App, care: Care) -> None:
    post.register_kind(care)
