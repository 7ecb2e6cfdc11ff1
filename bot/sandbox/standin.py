"""A fake Slack over real HTTP: the Web API, response_url and file uploads, in memory.

The bot talks to it exactly as it talks to Slack (`SLACK_API_URL` = `api_url`, a bearer
token, form or JSON bodies). Every call is checked against Slack's published method list
and the manifest's scopes before it acts, and recorded for assertions. The humans' side
(triggers, response URLs, open modals) is driven by `SlackDriver`.
"""

from __future__ import annotations

import copy
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from bot.sandbox import limits, scopes
from bot.sandbox.seed import Channel, Workspace, default_seed

JSON_FIELDS = ("blocks", "view", "attachments", "files", "metadata")
BAD_JSON: Any = object()  # a JSON field that did not parse; each method picks its error code
Result = dict[str, Any]
CHAT_BURST = 4.0  # messages a channel takes at once before chat.postMessage answers 429
CHAT_PER_SECOND = 1.0


@dataclass
class ApiCall:
    """One request the bot made, and what the stand-in answered."""

    method: str
    params: dict[str, Any]
    at: float
    status: int
    result: Any


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

    @property
    def is_ephemeral(self) -> bool:
        """Whether only `ephemeral_to` can see it."""
        return self.ephemeral_to is not None

    def to_api(self) -> Result:
        """The message object Slack returns and sends in payloads."""
        out: Result = {"type": "message", "user": self.user, "text": self.text, "ts": self.ts}
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


Tracked = TypeVar("Tracked", Message, View)


class SlackStandIn:
    """A Slack workspace on 127.0.0.1 that the bot can call and tests can inspect."""

    def __init__(
        self,
        workspace: Workspace | None = None,
        *,
        manifest: str | Path | None = None,
        spec: scopes.ApiSpec | None = None,
        granted: Iterable[str] | None = None,
        bot_token: str = "xoxb-0000-sandbox-carebot",  # noqa: S107 - a fake token for a fake Slack
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

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> SlackStandIn:
        """Listen on a free port (or the one given) in a daemon thread."""
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(self._address, _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-standin"
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening; recorded state stays readable."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

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

    # -- fault injection and recording ------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        error: str | None = None,
    ) -> None:
        """Make the next `times` calls of a method fail: 429 + Retry-After, 5xx, or ok:false."""
        with self._lock:
            queue = self._faults.setdefault(method, [])
            queue.extend(Fault(status, retry_after, error) for _ in range(times))

    def heal(self, method: str | None = None) -> None:
        """Drop the faults still queued for a method (or for every method)."""
        with self._lock:
            if method is None:
                self._faults.clear()
            else:
                self._faults.pop(method, None)

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Every Web API call (and response_url post) so far, oldest first."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def messages(self, channel: str) -> list[Message]:
        """A channel's messages, thread replies included, oldest first."""
        with self._lock:
            found = self.workspace.find_channel(channel)
            key = found.id if found else channel
            return [m for m in self._messages.get(key, []) if not m.deleted]

    def thread(self, channel: str, ts: str) -> list[Message]:
        """A thread: its parent then its replies."""
        return [m for m in self.messages(channel) if ts in (m.ts, m.thread_ts)]

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[Message]:
        """Ephemeral messages still showing, optionally for one channel and/or user."""
        with self._lock:
            return [
                m
                for m in self._ephemerals
                if not m.deleted
                and (channel is None or m.channel == channel)
                and (user is None or m.ephemeral_to == user)
            ]

    def view_stack(self, user: str) -> list[View]:
        """The user's open modals, bottom first."""
        with self._lock:
            return list(self._stacks.get(user, []))

    def top_view(self, user: str) -> View | None:
        """The modal the user is looking at, if any."""
        stack = self.view_stack(user)
        return stack[-1] if stack else None

    def home(self, user: str) -> View | None:
        """The Home tab published for a user, if any."""
        with self._lock:
            return self._homes.get(user)

    def files(self) -> list[StoredFile]:
        """Every file the bot uploaded."""
        with self._lock:
            return list(self._files.values())

    @property
    def seq(self) -> int:
        """A counter that moves on every visible change."""
        with self._lock:
            return self._seq

    def changes_since(self, seq: int) -> list[Message | View]:
        """Messages, ephemerals and views changed after `seq`, in the order they changed."""
        with self._lock:
            items: list[Message | View] = [m for ms in self._messages.values() for m in ms]
            items += self._ephemerals
            items += list(self._views.values())
            return sorted((i for i in items if i.seq > seq), key=lambda i: i.seq)

    # -- what the humans do (used by SlackDriver) ---------------------------------

    def post_as_user(
        self, channel: str, user: str, text: str, thread_ts: str | None = None
    ) -> Message:
        """Record a message a person typed; the driver then tells the bot about it."""
        with self._lock:
            message = Message(channel, self._next_ts(), user, text, thread_ts=thread_ts)
            return self._store(message)

    def dm_channel(self, user: str) -> Channel:
        """The bot's DM channel with a user, opened on first use."""
        with self._lock:
            return self.workspace.dm_with(user)

    def issue_trigger(self, user: str) -> str:
        """A fresh trigger_id for an interaction by this user."""
        with self._lock:
            self._counter += 1
            trigger = f"{self._counter}{int(time.time())}.{secrets.token_hex(8)}"
            self._triggers[trigger] = (user, self.monotonic(), False)
            return trigger

    def issue_response_url(
        self, channel: str, user: str, *, message_ts: str | None = None, ephemeral: bool = False
    ) -> str:
        """A fresh response_url bound to a channel, a user and maybe the clicked message."""
        with self._lock:
            rid = secrets.token_hex(12)
            self._response_urls[rid] = ResponseUrl(
                rid, channel, user, self.monotonic(), message_ts, ephemeral
            )
            return f"{self.base_url}/response/{rid}"

    def find_message(self, channel: str, ts: str) -> Message | None:
        """A live channel or ephemeral message by channel and ts."""
        with self._lock:
            for message in [*self._messages.get(channel, []), *self._ephemerals]:
                if message.channel == channel and message.ts == ts and not message.deleted:
                    return message
            return None

    def set_view_state(self, view_id: str, block_id: str, action_id: str, entry: Result) -> None:
        """Record what a user typed or picked in a modal input."""
        with self._lock:
            view = self._views[view_id]
            view.state.setdefault(block_id, {})[action_id] = entry
            self._touch(view)

    def close_views(self, user: str, *, everything: bool = False) -> None:
        """Close the top modal (or the whole stack) for a user."""
        with self._lock:
            stack = self._stacks.get(user, [])
            for view in reversed(stack if everything else stack[-1:]):
                view.closed = True
                self._touch(view)
            self._stacks[user] = [] if everything else stack[:-1]

    def push_view(self, user: str, view: Any) -> Result:
        """Put a view on top of the user's stack, as `response_action: push` does."""
        with self._lock:
            return self._push(user, view)

    def replace_view(self, view_id: str, view: Any) -> Result:
        """Swap a view's content in place, as `response_action: update` does."""
        with self._lock:
            return self._update_view(self._views.get(view_id), view, None)

    def deliver_ack(self, channel: str, user: str, body: Any) -> Result | None:
        """Show what a slash command's ack carried (ephemeral unless `in_channel`).

        Returns Slack's refusal when the ack's blocks or text break the limits.
        """
        if isinstance(body, str) and body.strip():
            body = {"text": body}
        if not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
            return None
        refused = limits.check_message(body.get("text"), body.get("blocks"))
        if refused is not None:
            return refused
        with self._lock:
            self._post_reply(ResponseUrl("ack", channel, user, self.monotonic()), body)
        return None

    # -- the HTTP side ---------------------------------------------------------

    def handle_api(
        self, method: str, token: str | None, params: Result
    ) -> tuple[int, Result, dict[str, str]]:
        """Answer one Web API call as Slack would: (HTTP status, body, extra headers)."""
        with self._lock:
            fault = self._take_fault(method)
            if fault is None and method == "chat.postMessage" and self._over_rate(params):
                fault = Fault(429, 1, None)
            headers: dict[str, str] = {}
            if fault is None:
                status, result = self._answer(method, token, params)
            elif fault.error is not None:
                status, result = 200, _error(fault.error)
            else:
                status = fault.status
                result = _error("ratelimited" if status == 429 else "internal_error")
                if status == 429:
                    headers["Retry-After"] = str(fault.retry_after)
            self._calls.append(ApiCall(method, params, time.time(), status, result))
            return status, result, headers

    def _over_rate(self, params: Result) -> bool:
        """Slack's ~1 message per second per channel, with short bursts (opt-in)."""
        if not self.chat_rate_limit:
            return False
        ref = str(params.get("channel") or "")
        channel = self.workspace.find_channel(ref)
        key = channel.id if channel else ref
        now = self.monotonic()
        tokens, last = self._buckets.get(key, (CHAT_BURST, now))
        tokens = min(CHAT_BURST, tokens + (now - last) * CHAT_PER_SECOND)
        allowed = tokens >= 1
        self._buckets[key] = (tokens - 1 if allowed else tokens, now)
        return not allowed

    def _take_fault(self, method: str) -> Fault | None:
        queue = self._faults.get(method)
        return queue.pop(0) if queue else None

    def _answer(self, method: str, token: str | None, params: Result) -> tuple[int, Result]:
        spec = self.spec.get(method)
        if spec is None:
            return 200, {"ok": False, "error": "unknown_method", "req_method": method}
        if not token:
            return 200, {"ok": False, "error": "not_authed"}
        if token != self.bot_token:
            return 200, {"ok": False, "error": "invalid_auth"}
        for param in sorted(spec.required):
            if params.get(param) in (None, ""):
                code = scopes.missing_param_error(spec, param)
                return 200, _error(code, f"[ERROR] missing required field: {param}")
        denied = scopes.missing_scope(spec, self.granted, self._conversation_kind(params))
        if denied is not None:
            return 200, denied
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": False, "error": "not_implemented_in_standin", "method": method}
        result: Result = handler(params)
        return 200, result

    def _conversation_kind(self, params: Result) -> str | None:
        users = params.get("users")
        if isinstance(users, str) and users:
            humans = [u for u in users.split(",") if u and u != self.workspace.bot_user_id]
            return "im" if len(humans) <= 1 else "mpim"
        ref = params.get("channel") or params.get("channel_id")
        if not isinstance(ref, str):
            return None
        channel = self.workspace.find_channel(ref)
        if channel is not None:
            return channel.kind
        return "im" if ref[:1] in ("U", "W") else None

    # -- Web API methods: conversations and users -------------------------------------

    def api_auth_test(self, params: Result) -> Result:
        """Who the token belongs to."""
        space = self.workspace
        return {
            "ok": True,
            "url": f"https://{space.team.domain}.slack.com/",
            "team": space.team.name,
            "user": space.bot.name,
            "team_id": space.team.id,
            "user_id": space.bot_user_id,
            "bot_id": space.bot_id,
            "is_enterprise_install": False,
        }

    def api_users_info(self, params: Result) -> Result:
        """One user's profile, time zone included."""
        user = self.workspace.users.get(str(params["user"]))
        if user is None:
            return _error("user_not_found")
        return {"ok": True, "user": user.to_api(self.workspace.team.id)}

    def api_users_list(self, params: Result) -> Result:
        """Everyone in the workspace."""
        team = self.workspace.team.id
        members = [u.to_api(team) for u in self.workspace.users.values()]
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def _visible_channel(self, ref: str) -> Channel | None:
        channel = self.workspace.find_channel(ref)
        if channel is None or (
            channel.is_private and self.workspace.bot_user_id not in channel.members
        ):
            return None
        return channel

    def api_conversations_info(self, params: Result) -> Result:
        """A channel's details."""
        channel = self._visible_channel(str(params["channel"]))
        if channel is None:
            return _error("channel_not_found")
        return {"ok": True, "channel": channel.to_api()}

    def api_conversations_members(self, params: Result) -> Result:
        """Who is in a channel."""
        channel = self._visible_channel(str(params["channel"]))
        if channel is None:
            return _error("channel_not_found")
        members = sorted(channel.members)
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def api_conversations_open(self, params: Result) -> Result:
        """Open (or find) the bot's DM with one user."""
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if not users:
            channel = self._visible_channel(str(params.get("channel") or ""))
            if channel is None:
                return _error(
                    "users_list_not_supplied" if "channel" not in params else "channel_not_found"
                )
            return {"ok": True, "channel": channel.to_api()}
        humans = [u for u in users if u != self.workspace.bot_user_id]
        if len(humans) != 1:
            return _error("not_implemented_in_standin", "group DMs are not modelled")
        user = self.workspace.users.get(humans[0])
        if user is None:
            return _error("user_not_found")
        if user.deleted:
            return _error("user_disabled")
        existed = ("D" + user.id[1:]) in self.workspace.channels
        channel = self.workspace.dm_with(user.id)
        shown = channel.to_api() if params.get("return_im") else {"id": channel.id}
        return {"ok": True, "no_op": existed, "already_open": existed, "channel": shown}

    def api_conversations_history(self, params: Result) -> Result:
        """A channel's top-level messages, newest first."""
        channel = self._visible_channel(str(params["channel"]))
        if channel is None:
            return _error("channel_not_found")
        if self.workspace.bot_user_id not in channel.members:
            return _error("not_in_channel")
        found = [m.to_api() for m in reversed(self.messages(channel.id)) if not m.thread_ts]
        return {"ok": True, "messages": found, "has_more": False}

    def api_conversations_replies(self, params: Result) -> Result:
        """A thread: parent first."""
        channel = self._visible_channel(str(params["channel"]))
        if channel is None:
            return _error("channel_not_found")
        found = [m.to_api() for m in self.thread(channel.id, str(params["ts"]))]
        if not found:
            return _error("thread_not_found")
        return {"ok": True, "messages": found, "has_more": False}

    # -- Web API methods: messages -----------------------------------------------------

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

    def api_chat_postMessage(self, params: Result) -> Result:
        """Post a message in a channel, a thread, or the bot's DM with a user."""
        channel, error = self._destination(str(params["channel"]))
        if channel is None:
            return _error(error)
        refused = limits.check_message(params.get("text"), params.get("blocks"))
        if refused is not None:
            return refused
        thread_ts = self._thread_root(channel.id, params.get("thread_ts"))
        message = self._bot_message(channel.id, params, thread_ts)
        return {"ok": True, "channel": channel.id, "ts": message.ts, "message": message.to_api()}

    def api_chat_postEphemeral(self, params: Result) -> Result:
        """Show a message to one user in a channel."""
        channel, error = self._destination(str(params["channel"]))
        if channel is None:
            return _error(error)
        user = str(params["user"])
        if user not in self.workspace.users:
            return _error("user_not_found")
        if user not in channel.members:
            return _error("user_not_in_channel")
        refused = limits.check_message(params.get("text"), params.get("blocks"))
        if refused is not None:
            return refused
        message = self._bot_message(channel.id, params, params.get("thread_ts"), to=user)
        return {"ok": True, "message_ts": message.ts}

    def _owned_message(self, params: Result, verb: str) -> Message | Result:
        channel = self._visible_channel(str(params["channel"]))
        if channel is None:
            return _error("channel_not_found")
        message = self.find_message(channel.id, str(params["ts"]))
        if message is None or message.is_ephemeral:
            return _error("message_not_found")
        if message.user != self.workspace.bot_user_id:
            return _error(f"cant_{verb}_message")
        return message

    def api_chat_update(self, params: Result) -> Result:
        """Edit one of the bot's messages; blocks left out are kept."""
        message = self._owned_message(params, "update")
        if not isinstance(message, Message):
            return message
        text = params.get("text", message.text if "blocks" not in params else "")
        blocks = params.get("blocks", message.blocks)
        refused = limits.check_message(text, blocks)
        if refused is not None:
            return refused
        message.text = str(text or "")
        message.blocks = limits.normalize_blocks(blocks, message.ts)
        message.edited = True
        self._touch(message)
        return {
            "ok": True,
            "channel": message.channel,
            "ts": message.ts,
            "text": message.text,
            "message": message.to_api(),
        }

    def api_chat_delete(self, params: Result) -> Result:
        """Delete one of the bot's messages."""
        message = self._owned_message(params, "delete")
        if not isinstance(message, Message):
            return message
        message.deleted = True
        self._touch(message)
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    def api_chat_getPermalink(self, params: Result) -> Result:
        """A link to a message."""
        message = self.find_message(str(params["channel"]), str(params["message_ts"]))
        if message is None:
            return _error("message_not_found")
        link = f"https://{self.workspace.team.domain}.slack.com/archives/{message.channel}/p"
        return {
            "ok": True,
            "channel": message.channel,
            "permalink": link + message.ts.replace(".", ""),
        }

    # -- Web API methods: views ------------------------------------------------------

    def _trigger_user(self, trigger_id: str) -> str | Result:
        """The user a trigger was issued for, or Slack's error for a bad one."""
        found = self._triggers.get(trigger_id)
        if found is None:
            return _error("invalid_arguments", "[ERROR] invalid `trigger_id`")
        user, issued_at, used = found
        if used:
            return _error("exchanged_trigger_id")
        if self.monotonic() - issued_at > self.trigger_ttl:
            return _error("expired_trigger_id")
        return user

    def api_views_open(self, params: Result) -> Result:
        """Open a modal for the user whose interaction issued the trigger."""
        user = self._trigger_user(str(params["trigger_id"]))
        if not isinstance(user, str):
            return user
        refused = limits.check_view(params.get("view"))
        if refused is not None:
            return refused
        self._triggers[str(params["trigger_id"])] = (user, 0.0, True)
        for view in self._stacks.get(user, []):
            view.closed = True
            self._touch(view)
        self._stacks[user] = []
        return self._push(user, params["view"])

    def api_views_push(self, params: Result) -> Result:
        """Push a modal onto the user's stack (at most 3 deep)."""
        user = self._trigger_user(str(params["trigger_id"]))
        if not isinstance(user, str):
            return user
        if not self._stacks.get(user):
            return _error("not_found")
        refused = limits.check_view(params.get("view"))
        if refused is not None:
            return refused
        self._triggers[str(params["trigger_id"])] = (user, 0.0, True)
        return self._push(user, params["view"])

    def api_views_update(self, params: Result) -> Result:
        """Change an open view by view_id or external_id; a stale hash is refused."""
        view_id, external_id = params.get("view_id"), params.get("external_id")
        if not view_id and not external_id:
            return _error("invalid_arguments", "[ERROR] view_id or external_id is required")
        found = (
            self._views.get(str(view_id))
            if view_id
            else next(
                (
                    v
                    for v in self._views.values()
                    if not v.closed and v.view.get("external_id") == external_id
                ),
                None,
            )
        )
        return self._update_view(found, params.get("view"), params.get("hash"))

    def api_views_publish(self, params: Result) -> Result:
        """Publish a user's Home tab."""
        user = str(params["user_id"])
        if user not in self.workspace.users:
            return _error("user_not_found")
        view = params.get("view")
        refused = limits.check_view(view)
        if refused is not None:
            return refused
        current = self._homes.get(user)
        if current is not None:
            return self._update_view(current, view, params.get("hash"))
        home = self._new_view(user, params["view"], None)
        self._homes[user] = home
        return {"ok": True, "view": home.to_api(self.workspace)}

    def _push(self, user: str, view: Any) -> Result:
        refused = limits.check_view(view)
        if refused is not None:
            return refused
        stack = self._stacks.setdefault(user, [])
        if len(stack) >= 3:
            return _error("push_limit_reached")
        opened = self._new_view(user, view, stack[-1] if stack else None)
        stack.append(opened)
        return {"ok": True, "view": opened.to_api(self.workspace)}

    def _new_view(self, user: str, view: Result, below: View | None) -> View:
        self._counter += 1
        view_id = f"V0{self._counter:08d}"
        stored = dict(view, blocks=limits.normalize_blocks(view.get("blocks"), view_id))
        root = below.root_view_id if below else view_id
        opened = View(view_id, user, stored, _view_hash(), root, below.id if below else None)
        self._views[view_id] = opened
        return self._touch(opened)

    def _update_view(self, found: View | None, view: Any, hash_: Any) -> Result:
        if found is None or found.closed:
            return _error("not_found")
        if hash_ and hash_ != found.hash:
            return _error("hash_conflict")
        refused = limits.check_view(view)
        if refused is not None:
            return refused
        found.view = dict(view, blocks=limits.normalize_blocks(view.get("blocks"), found.id))
        found.hash = _view_hash()
        kept = {(b.get("block_id"), a) for b in found.view["blocks"] for a in _action_ids(b)}
        found.state = {
            block_id: {a: e for a, e in entries.items() if (block_id, a) in kept}
            for block_id, entries in found.state.items()
            if any((block_id, a) in kept for a in entries)
        }
        self._touch(found)
        return {"ok": True, "view": found.to_api(self.workspace)}

    # -- Web API methods: files --------------------------------------------------------

    def api_files_getUploadURLExternal(self, params: Result) -> Result:
        """Reserve a file id and a URL to POST its bytes to."""
        try:
            length = int(params["length"])
        except (TypeError, ValueError):
            return _error("invalid_arguments", "[ERROR] length must be an integer")
        self._counter += 1
        file_id = f"F0{self._counter:08d}"
        self._files[file_id] = StoredFile(file_id, str(params["filename"]), length)
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def receive_upload(self, file_id: str, data: bytes) -> tuple[int, str]:
        """Take the bytes POSTed to an upload URL."""
        with self._lock:
            fault = self._take_fault("upload")
            if fault is not None:
                return fault.status, fault.error or "upload_failed"
            stored = self._files.get(file_id)
            if stored is None:
                return 404, "file_not_found"
            stored.data = data
            self._calls.append(ApiCall("upload", {"file_id": file_id}, time.time(), 200, len(data)))
            return 200, f"OK - {len(data)}"

    def api_files_completeUploadExternal(self, params: Result) -> Result:
        """Finish uploads and share them into a channel or DM as one message."""
        listed = params.get("files")
        if not isinstance(listed, list) or not listed:
            return _error("invalid_arguments", "[ERROR] files must be a JSON array")
        stored: list[StoredFile] = []
        for item in listed:
            found = self._files.get(str(item.get("id"))) if isinstance(item, dict) else None
            if found is None or found.data is None:
                return _error("file_not_found")
            found.title = str(item.get("title") or found.title or found.filename)
            stored.append(found)
        target = params.get("channel_id") or str(params.get("channels") or "").split(",")[0]
        if target:
            channel, error = self._destination(str(target))
            if channel is None:
                return _error(error)
            for f in stored:
                f.channels.append(channel.id)
            post = {"text": params.get("initial_comment") or ""}
            message = self._bot_message(channel.id, post, params.get("thread_ts"))
            message.files = [f.to_api() for f in stored]
        return {"ok": True, "files": [f.to_api() for f in stored]}

    # -- response_url ----------------------------------------------------------------

    def handle_response(self, rid: str, body: Any) -> tuple[int, str]:
        """Take one post to a response_url; answer like Slack (200 ok, 404 used_url, ...)."""
        with self._lock:
            status, answer = self._respond(rid, body)
            self._calls.append(
                ApiCall("response_url", {"id": rid, "body": body}, time.time(), status, answer)
            )
            return status, answer

    def _respond(self, rid: str, body: Any) -> tuple[int, str]:
        fault = self._take_fault("response_url")
        if fault is not None:
            return fault.status, fault.error or "rollup_error"
        url = self._response_urls.get(rid)
        if url is None:
            return 404, "no_service"
        if self.monotonic() - url.issued_at > self.response_url_ttl:
            return 404, "expired_url"
        if url.uses >= self.response_url_uses:
            return 404, "used_url"
        if not isinstance(body, dict):
            return 400, "invalid_payload"
        url.uses += 1
        original = self.find_message(url.channel, url.message_ts) if url.message_ts else None
        if body.get("delete_original") and original is not None:
            original.deleted = True
            self._touch(original)
            if not (body.get("text") or body.get("blocks")):
                return 200, "ok"
        refused = limits.check_message(body.get("text"), body.get("blocks"))
        if refused is not None:
            return 400, str(refused["error"])
        if body.get("replace_original") and original is not None:
            original.text = str(body.get("text") or "")
            original.blocks = limits.normalize_blocks(body.get("blocks"), original.ts)
            original.edited = True
            self._touch(original)
            return 200, "ok"
        self._post_reply(url, body)
        return 200, "ok"

    def _post_reply(self, url: ResponseUrl, body: Result) -> Message:
        in_channel = body.get("response_type") == "in_channel"
        to = None if in_channel else url.user
        return self._bot_message(url.channel, body, body.get("thread_ts"), to=to)

    # -- storage helpers -------------------------------------------------------------

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


def _error(code: str, *messages: str) -> Result:
    out: Result = {"ok": False, "error": code}
    if messages:
        out["response_metadata"] = {"messages": list(messages)}
    return out


def _action_ids(block: Result) -> list[str]:
    elements = [block.get("element"), block.get("accessory"), *(block.get("elements") or [])]
    return [str(e["action_id"]) for e in elements if isinstance(e, dict) and "action_id" in e]


def _view_hash() -> str:
    return f"{int(time.time())}.{secrets.token_hex(4)}"


def decode_params(query: str, body: bytes, content_type: str) -> Result:
    """Form, query-string or JSON parameters, with JSON-encoded fields decoded."""
    params: Result = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if body:
        if "json" in content_type:
            try:
                parsed = json.loads(body)
            except ValueError:
                return {"__invalid__": "invalid_json"}
            if not isinstance(parsed, dict):
                return {"__invalid__": "json_not_object"}
            params.update(parsed)
        else:
            text = body.decode("utf-8", errors="replace")
            params.update({k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()})
    for name in JSON_FIELDS:
        value = params.get(name)
        if isinstance(value, str):
            try:
                params[name] = json.loads(value) if value else None
            except ValueError:
                params[name] = BAD_JSON
    return params


def _handler_for(standin: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

        def _reply(self, status: int, body: str, content_type: str, extra: dict[str, str]) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def do_GET(self) -> None:
            self.do_POST()

        def do_POST(self) -> None:
            try:
                self._route()
            except Exception as failure:  # a stand-in bug: answer loudly, keep serving
                standin.internal_errors.append(f"{self.path}: {failure!r}")
                detail = json.dumps(
                    {"ok": False, "error": "standin_internal_error", "detail": repr(failure)}
                )
                self._reply(500, detail, "application/json; charset=utf-8", {})

        def _route(self) -> None:
            url = urlsplit(self.path)
            body = self._body()
            content_type = self.headers.get("Content-Type") or ""
            if url.path.startswith("/api/"):
                self._api(url.path[len("/api/") :], url.query, body, content_type)
            elif url.path.startswith("/response/"):
                try:
                    payload = json.loads(body) if "json" in content_type else _form_payload(body)
                except ValueError:
                    payload = None
                status, text = standin.handle_response(url.path.split("/")[-1], payload)
                self._reply(status, text, "text/plain; charset=utf-8", {})
            elif url.path.startswith("/upload/"):
                status, text = standin.receive_upload(url.path.split("/")[-1], body)
                self._reply(status, text, "text/plain; charset=utf-8", {})
            else:
                self._reply(404, "not found", "text/plain", {})

        def _api(self, method: str, query: str, body: bytes, content_type: str) -> None:
            params = decode_params(query, body, content_type)
            auth = self.headers.get("Authorization") or ""
            token = (
                auth[len("Bearer ") :] if auth.startswith("Bearer ") else params.pop("token", None)
            )
            extra: dict[str, str] = {}
            if "__invalid__" in params:
                status, result = 200, _error(str(params["__invalid__"]))
            else:
                status, result, extra = standin.handle_api(method, token, params)
            self._reply(status, json.dumps(result), "application/json; charset=utf-8", extra)

    return Handler


def _form_payload(body: bytes) -> Any:
    fields = parse_qs(body.decode("utf-8", errors="replace"))
    if "payload" in fields:
        return json.loads(fields["payload"][-1])
    return {k: v[-1] for k, v in fields.items()} or None
