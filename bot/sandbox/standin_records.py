"""What the Slack stand-in records and answers with: calls, messages, views, files.

Plain dataclasses the Web API methods fill in and tests read back; `to_api` gives each
the shape Slack sends.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.seed import Workspace

Result = dict[str, Any]


@dataclass
class ApiCall:
    """One request the bot made, and what the stand-in answered."""

    method: str
    params: dict[str, Any]
    at: float
    status: int
    result: Any
    team: str | None = None  # the workspace whose token made it (or whose reply it was)


@dataclass
class Message:
    """A message in a channel, or an ephemeral one shown to a single user."""

    channel: str
    ts: str
    user: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    bot_id: str | None = None
    ephemeral_to: str | None = None
    edited: bool = False
    deleted: bool = False
    seq: int = 0
    metadata: dict[str, Any] | None = None  # the poster's event_type and event_payload

    @property
    def is_ephemeral(self) -> bool:
        """Whether only `ephemeral_to` can see it."""
        return self.ephemeral_to is not None

    def to_api(self, *, with_metadata: bool = False) -> Result:
        """The message object Slack returns and sends in payloads; its metadata only when
        asked for (conversations.history's include_all_metadata)."""
        out: Result = {"type": "message", "user": self.user, "text": self.text, "ts": self.ts}
        if with_metadata and self.metadata is not None:
            out["metadata"] = copy.deepcopy(self.metadata)
        if self.blocks:
            out["blocks"] = copy.deepcopy(self.blocks)
        if self.bot_id:
            out["bot_id"] = self.bot_id
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.files:
            out["files"] = copy.deepcopy(self.files)
            out["upload"] = True
        if self.edited:
            out["edited"] = {"user": self.user, "ts": self.ts}
        return out


@dataclass
class View:
    """A modal in a user's stack, or a Home tab."""

    id: str
    user: str
    view: Result
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    state: dict[str, dict[str, Any]] = field(default_factory=dict)
    closed: bool = False
    seq: int = 0

    @property
    def type(self) -> str:
        """modal or home."""
        return str(self.view.get("type", "modal"))

    def to_api(self, space: Workspace) -> Result:
        """The view object Slack answers with and sends in payloads."""
        out: Result = {
            "id": self.id,
            "team_id": space.team.id,
            "type": self.type,
            "blocks": copy.deepcopy(self.view.get("blocks", [])),
            "private_metadata": self.view.get("private_metadata", ""),
            "callback_id": self.view.get("callback_id", ""),
            "state": {"values": copy.deepcopy(self.state)},
            "hash": self.hash,
            "title": self.view.get("title"),
            "clear_on_close": bool(self.view.get("clear_on_close", False)),
            "notify_on_close": bool(self.view.get("notify_on_close", False)),
            "close": self.view.get("close"),
            "submit": self.view.get("submit"),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id,
            "app_id": space.app_id,
            "external_id": self.view.get("external_id", ""),
            "app_installed_team_id": space.team.id,
            "bot_id": space.bot_id,
        }
        return out


@dataclass
class StoredFile:
    """A file the bot uploaded through files.getUploadURLExternal."""

    id: str
    filename: str
    length: int
    title: str = ""
    data: bytes | None = None
    channels: list[str] = field(default_factory=list)
    team: str = ""  # the workspace whose bot uploaded it

    def to_api(self) -> Result:
        """The file object Slack answers with."""
        return {
            "id": self.id,
            "name": self.filename,
            "title": self.title or self.filename,
            "size": len(self.data or b""),
            "channels": list(self.channels),
            "is_public": False,
        }


@dataclass
class ResponseUrl:
    """A response_url minted for one slash command or block action."""

    id: str
    channel: str
    user: str
    issued_at: float
    message_ts: str | None = None
    ephemeral: bool = False
    uses: int = 0


@dataclass
class Fault:
    """A failure queued by `fail_next`."""

    status: int
    retry_after: int
    error: str | None
    channel: str | None = None  # only calls naming this channel (or user, for a DM) fail


@dataclass
class Hold:
    """A call queued by `hold_next`: kept in flight until released, as when the bot's process
    dies mid-call. `stored`: Slack acted on it before the hold (the answer never got back);
    otherwise it never acts on it."""

    stored: bool
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


def api_error(code: str, *messages: str) -> Result:
    """Slack's `ok: false` answer, with `response_metadata.messages` when given."""
    out: Result = {"ok": False, "error": code}
    if messages:
        out["response_metadata"] = {"messages": list(messages)}
    return out


def flag(params: Result, name: str) -> bool:
    """A boolean parameter as Slack reads it: JSON true, or form "true" / "1"."""
    value = params.get(name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)
