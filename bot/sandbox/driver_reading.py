"""What one person can read: messages, threads, ephemerals and DMs as they see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox.driver_base import DriverBase, DriverError
from bot.sandbox.render import render_message
from bot.sandbox.standin import Message


@dataclass(frozen=True)
class Seen:
    """A message as one person sees it: rendered text plus the raw parts."""

    channel: str
    ts: str
    user: str
    text: str
    raw_text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    ephemeral: bool = False
    edited: bool = False
    files: list[dict[str, Any]] = field(default_factory=list)


class Reading(DriverBase):
    """Reads back what the acting person can see, rendered as text."""

    def _seen(self, message: Message, reader: str | None = None) -> Seen:
        """A message as `reader` (default: the acting person) sees it: dates in their zone."""
        person = self.space.users.get(reader or self._user.id) or self._user
        rendered = render_message(
            message.text,
            message.blocks,
            names=self.space,
            files=message.files,
            zone=ZoneInfo(person.tz),
        )
        return Seen(
            channel=message.channel,
            ts=message.ts,
            user=message.user,
            text=rendered,
            raw_text=message.text,
            blocks=message.blocks,
            thread_ts=message.thread_ts,
            ephemeral=message.is_ephemeral,
            edited=message.edited,
            files=message.files,
        )

    def _channel_id(self, channel: str | None) -> str:
        if channel is None:
            return self.channel.id
        if channel.lower() == "dm":
            return self.standin.dm_channel(self._user.id).id
        found = self.space.find_channel(channel)
        if found is None:
            raise DriverError(f"no channel {channel!r}")
        return found.id

    def messages(self, channel: str | None = None) -> list[Seen]:
        """A channel's messages (thread replies flagged by thread_ts), newest last."""
        return [self._seen(m) for m in self.standin.messages(self._channel_id(channel))]

    def thread(self, channel: str | None, ts: str) -> list[Seen]:
        """A thread's parent and replies."""
        return [self._seen(m) for m in self.standin.thread(self._channel_id(channel), ts)]

    def ephemerals(self, user: str | None = None, channel: str | None = None) -> list[Seen]:
        """Ephemeral messages still showing to a user (default: the current one)."""
        who = self._find_user(user).id if user else self._user.id
        where = self._channel_id(channel) if channel else None
        return [self._seen(m, who) for m in self.standin.ephemerals(channel=where, user=who)]

    def dms(self, user: str | None = None) -> list[Seen]:
        """What the bot posted in its DM with a user (default: the current one)."""
        who = self._find_user(user).id if user else self._user.id
        dm = self.standin.dm_channel(who).id
        return [
            self._seen(m, who)  # read by the person the DM is with
            for m in self.standin.messages(dm)
            if m.user == self.space.bot_user_id
        ]

    def last_reply(self) -> Seen:
        """The newest thing the bot showed the current user: ephemeral, message here, or DM."""
        user = self._user.id
        bot = self.space.bot_user_id
        places = {self.channel.id, self.standin.dm_channel(user).id}
        candidates = [m for p in places for m in self.standin.messages(p) if m.user == bot]
        candidates += self.standin.ephemerals(user=user)
        if not candidates:
            raise DriverError(f"the bot has shown @{self._user.name} nothing yet")
        return self._seen(max(candidates, key=lambda m: m.seq))
