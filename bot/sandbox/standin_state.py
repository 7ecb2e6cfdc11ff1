"""The Slack stand-in's memory, and the helpers every Web API family shares.

`StandInState` holds what the workspace has seen (messages, views, files, triggers,
response URLs, recorded calls) behind one lock; the method families in `standin_*`
are mixins over it and `SlackStandIn` puts them together.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

from bot.sandbox import limits, scopes
from bot.sandbox.seed import Channel, Workspace, default_seed
from bot.sandbox.standin_records import (
    ApiCall,
    Fault,
    Hold,
    Message,
    ResponseUrl,
    Result,
    StoredFile,
    View,
)
from bot.sandbox.standin_socket import SocketModeServer

Tracked = TypeVar("Tracked", Message, View)


class StandInState:
    """A Slack workspace's state: what was posted, opened, uploaded and called."""

    def __init__(
        self,
        workspace: Workspace | None = None,
        *,
        manifest: str | Path | None = None,
        spec: scopes.ApiSpec | None = None,
        granted: Iterable[str] | None = None,
        bot_token: str = "xoxb-0000-sandbox-carebot",  # noqa: S107 - a fake token for a fake Slack
        app_token: str = "xapp-1-A0CAREBOT-0000-sandbox",  # noqa: S107 - its app-level token
        app_scopes: Iterable[str] = ("connections:write",),
        host: str = "127.0.0.1",
        port: int = 0,
        trigger_ttl: float = 3.0,
        response_url_uses: int = 5,
        response_url_ttl: float = 30 * 60,
        monotonic: Callable[[], float] = time.monotonic,
        chat_rate_limit: bool = False,
    ) -> None:
        self.workspace = workspace or default_seed()
        self.spec = spec or scopes.load_spec()
        self.manifest = scopes.load_manifest(manifest)
        self.granted = frozenset(granted) if granted is not None else self.manifest.scopes
        self.bot_token = bot_token
        self.app_token = app_token
        self.app_scopes = frozenset(app_scopes)
        self.trigger_ttl = trigger_ttl
        self.response_url_uses = response_url_uses
        self.response_url_ttl = response_url_ttl
        self.monotonic = monotonic
        self.chat_rate_limit = chat_rate_limit
        self._buckets: dict[str, tuple[float, float]] = {}
        self._address = (host, port)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        self._seq = 0
        self._last_us = 0
        self._counter = 0
        self._faults: dict[str, list[Fault]] = {}
        self._holds: dict[str, list[Hold]] = {}
        self._calls: list[ApiCall] = []
        self._messages: dict[str, list[Message]] = {}
        self._ephemerals: list[Message] = []
        self._stacks: dict[str, list[View]] = {}
        self._homes: dict[str, View] = {}
        self._views: dict[str, View] = {}
        self._files: dict[str, StoredFile] = {}
        self._triggers: dict[str, tuple[str, float, bool]] = {}
        self._response_urls: dict[str, ResponseUrl] = {}
        self.internal_errors: list[str] = []  # stand-in bugs; tests should find none
        # Socket Mode: apps.connections.open's WebSocket, started when the app first asks.
        self.socket_mode = SocketModeServer(self.workspace.app_id, host=host, monotonic=monotonic)

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT, once started."""
        if self._server is None:
            raise RuntimeError("SlackStandIn is not started; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The Web API base the bot should use as SLACK_API_URL (ends in /api/)."""
        return f"{self.base_url}/api/"

    # -- reading what was posted ----------------------------------------------------

    def messages(self, channel: str) -> list[Message]:
        """A channel's messages, thread replies included, oldest first."""
        with self._lock:
            found = self.workspace.find_channel(channel)
            key = found.id if found else channel
            return [m for m in self._messages.get(key, []) if not m.deleted]

    def thread(self, channel: str, ts: str) -> list[Message]:
        """A thread: its parent then its replies."""
        return [m for m in self.messages(channel) if ts in (m.ts, m.thread_ts)]

    def find_message(self, channel: str, ts: str) -> Message | None:
        """A live channel or ephemeral message by channel and ts."""
        with self._lock:
            for message in [*self._messages.get(channel, []), *self._ephemerals]:
                if message.channel == channel and message.ts == ts and not message.deleted:
                    return message
            return None

    # -- where a post may go ------------------------------------------------------------

    def _visible_channel(self, ref: str) -> Channel | None:
        channel = self.workspace.find_channel(ref)
        if channel is None or (
            channel.is_private and self.workspace.bot_user_id not in channel.members
        ):
            return None
        return channel

    def _destination(self, ref: str) -> tuple[Channel | None, str]:
        """Where a post goes, or the error Slack gives for it."""
        space = self.workspace
        if ref[:1] in ("U", "W"):
            user = space.users.get(ref)
            if user is None or user.deleted:
                return None, "channel_not_found"
            if user.is_bot:
                return None, "cannot_dm_bot"
            return space.dm_with(user.id), ""
        channel = self._visible_channel(ref)
        if channel is None:
            return None, "channel_not_found"
        if channel.is_archived:
            return None, "is_archived"
        member = space.bot_user_id in channel.members
        if not member and "chat:write.public" not in self.granted:
            return None, "not_in_channel"
        return channel, ""

    # -- storage helpers -------------------------------------------------------------

    def _take_fault(self, method: str, channel: str = "") -> Fault | None:
        """The first fault queued for this call: one for any channel, or for this one."""
        queue = self._faults.get(method) or []
        for i, fault in enumerate(queue):
            if fault.channel is None or fault.channel in (channel, self._dm_of(channel)):
                return queue.pop(i)
        return None

    def _dm_of(self, channel: str) -> str:
        """The user a DM channel is with ("D0NURSE01" -> its user), else ""."""
        found = self.workspace.channels.get(channel)
        return found.user or "" if found is not None and found.is_im else ""

    def _next_ts(self) -> str:
        micros = max(int(time.time() * 1_000_000), self._last_us + 1)
        self._last_us = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _touch(self, item: Tracked) -> Tracked:
        self._seq += 1
        item.seq = self._seq
        return item

    def _store(self, message: Message) -> Message:
        if message.is_ephemeral:
            self._ephemerals.append(message)
        else:
            self._messages.setdefault(message.channel, []).append(message)
        return self._touch(message)

    def _bot_message(
        self, channel: str, params: Result, thread_ts: Any, *, to: str | None = None
    ) -> Message:
        ts = self._next_ts()
        return self._store(
            Message(
                channel=channel,
                ts=ts,
                user=self.workspace.bot_user_id,
                text=str(params.get("text") or ""),
                blocks=limits.normalize_blocks(params.get("blocks"), ts),
                thread_ts=str(thread_ts) if thread_ts else None,
                bot_id=self.workspace.bot_id,
                ephemeral_to=to,
            )
        )

    def _thread_root(self, channel: str, thread_ts: Any) -> str | None:
        if not thread_ts:
            return None
        parent = self.find_message(channel, str(thread_ts))
        return parent.thread_ts or parent.ts if parent is not None else str(thread_ts)
