"""Slack's word that someone joined or left a channel carebot is in.

Care-team membership is read from Slack and kept a minute per channel (bot/shared/
care_teams.py). These events make a change count at once in the process that receives
them: someone removed from a care-team channel loses patient lookups now, not within the
minute. Slack sends them only for channels the bot is in, and carebot can read the members
of no other channel anyway. Other replicas keep their minute.
"""

from __future__ import annotations

from typing import Any, Protocol

from slack_bolt import App

BOT_EVENTS = ("member_joined_channel", "member_left_channel")


class Membership(Protocol):
    def members_changed(self, channel_id: str) -> None: ...


def register(app: App, membership: Membership) -> None:
    @app.event("member_joined_channel")
    @app.event("member_left_channel")
    def on_member_changed(event: dict[str, Any]) -> None:
        channel = event.get("channel")
        # Channel ids are unique across Slack: a shared channel's event, which comes
        # through one of its workspaces, is forgotten in each that keeps its members.
        if isinstance(channel, str) and channel:
            membership.members_changed(channel)
