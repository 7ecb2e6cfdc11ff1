"""Who belongs to a care team: the members of the workspace's registered care-team channels.

Members are read from Slack (conversations.members) and kept for a minute per channel, so
a list command costs no API calls after the first; joining or leaving a channel counts at
once where Slack's member_joined_channel or member_left_channel event arrives, and within
that minute in other replicas. Which channels are registered is kept the same minute per
workspace: a change saved through this process (`/carebot settings`) is forgotten at once,
one saved by another replica shows within the minute.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from storage import care_teams

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.shared.rules.clock import Clock
    from storage import Database

log = logging.getLogger(__name__)

# What Slack says when a channel's members can no longer be read by the bot at all.
GONE = frozenset({"channel_not_found", "not_in_channel", "is_archived", "missing_scope"})

KEEP_MEMBERS = timedelta(seconds=60)


def channel_members(slack: WebClient, channel_id: str) -> frozenset[str]:
    """Everyone in a channel now, every page of conversations.members; Slack's errors raise."""
    members: set[str] = set()
    cursor = ""
    while True:
        page = slack.conversations_members(channel=channel_id, cursor=cursor, limit=1000)
        members.update(page.get("members") or ())
        cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            return frozenset(members)


class CareTeams:
    """Care-team channels and their members, members cached briefly per process."""

    def __init__(
        self, db: Database, slack: WebClient, wall: Clock, keep: timedelta = KEEP_MEMBERS
    ) -> None:
        self.db, self.slack, self.wall, self.keep = db, slack, wall, keep
        self._members: dict[tuple[str, str], tuple[datetime, frozenset[str]]] = {}
        self._channels: dict[str, tuple[datetime, tuple[str, ...]]] = {}
        self._changes = 0  # how many changes (channels registered, members) were heard here
        self._lock = threading.Lock()

    def channel_ids(self, team_id: str) -> tuple[str, ...]:
        """The workspace's registered care-team channels, read at most a minute ago."""
        now = self.wall.now()
        with self._lock:
            kept, changes = self._channels.get(team_id), self._changes
        if kept is not None and now - kept[0] < self.keep:
            return kept[1]
        with self.db.session(read_only=True) as session:
            found = tuple(care_teams.channel_ids(session, team_id))
        with self._lock:
            if self._changes == changes:  # not read before a change that landed meanwhile
                self._channels[team_id] = (now, found)
        return found

    def channels_changed(self, team_id: str) -> None:
        """A channel was registered or removed (committed): read them again next time."""
        with self._lock:
            self._changes += 1
            self._channels.pop(team_id, None)

    def is_care_channel(self, team_id: str, channel_id: str) -> bool:
        with self.db.session(read_only=True) as session:
            return care_teams.is_care_channel(session, team_id, channel_id)

    def in_care_team(self, team_id: str, user_id: str) -> bool:
        """True when the user is in at least one registered care-team channel."""
        return any(
            user_id in self.members(channel, team_id) for channel in self.channel_ids(team_id)
        )

    def members(self, channel_id: str, team_id: str) -> frozenset[str]:
        """Who is in a channel, at most a minute old; nobody when the bot can't read it.
        Kept per workspace too: a channel shared between workspaces is read by each."""
        now = self.wall.now()
        key = (team_id, channel_id)
        with self._lock:
            kept, changes = self._members.get(key), self._changes
        if kept is not None and now - kept[0] < self.keep:
            return kept[1]
        members = self._read(channel_id)
        if members is None:  # Slack had a hiccup: answer from what was known, cache nothing
            return kept[1] if kept is not None else frozenset()
        with self._lock:
            if self._changes == changes:  # not read before a change that landed meanwhile
                self._members[key] = (now, members)
        return members

    def members_changed(self, channel_id: str) -> None:
        """Someone joined or left the channel (Slack's event): read its members again, in
        every workspace that keeps them (a shared channel's event comes through one)."""
        with self._lock:
            self._changes += 1
            for key in [key for key in self._members if key[1] == channel_id]:
                del self._members[key]

    def forget(self) -> None:
        """Drop what is cached, e.g. after someone joined a channel in a test."""
        with self._lock:
            self._members.clear()
            self._channels.clear()
            self._changes += 1

    def _read(self, channel_id: str) -> frozenset[str] | None:
        """The channel's members; empty when it is gone; None when Slack failed for now."""
        try:
            return channel_members(self.slack, channel_id)
        except SlackApiError as error:
            code = error.response.get("error")
            log.info("could not read a care channel's members: %s", code)
            if code in GONE:  # archived, deleted, or the bot removed: nobody counts
                return frozenset()
            return None  # rate limited or a Slack error: a minute of refusals would be wrong
