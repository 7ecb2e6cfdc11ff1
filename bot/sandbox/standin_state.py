"""The Slack stand-in's memory, and the helpers every Web API family shares.

`StandInState` holds what the workspaces have seen (messages, views, files, triggers,
response URLs, recorded calls, tokens) behind one lock; the method families in
`standin_*` are mixins over it and `SlackStandIn` puts them together.

Several workspaces may share one stand-in (one app installed in each). Their ids are
disjoint, so messages, views and files are kept by id as before; `workspace` is the one
whose token made the Web API call being answered (a thread-local set around the call),
and the first one outside a call.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

from bot.sandbox import limits, scopes
from bot.sandbox.seed import Channel, Org, Workspace, default_seed, org_seed
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
from bot.sandbox.standin_tokens import (
    AuthCode,
    Consent,
    CrossWorkspaceCall,
    Grant,
    OAuthApp,
    OAuthExchange,
    TokenBook,
)

Tracked = TypeVar("Tracked", Message, View)


class StandInState:
    """The workspaces' state: what was posted, opened, uploaded and called, and by whom."""

    def __init__(
        self,
        workspace: Workspace | None = None,
        *,
        others: Iterable[Workspace] = (),
        oauth: OAuthApp | None = None,
        orgs: Iterable[Org] | None = None,
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
        primary = workspace or default_seed()
        self._spaces: dict[str, Workspace] = {primary.team.id: primary}
        self._primary = primary.team.id
        self._local = threading.local()  # the workspace and token of the call being answered
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
        self.socket_mode = SocketModeServer(primary.app_id, host=host, monotonic=monotonic)
        # Tokens and OAuth: who each token acts for, and every install and exchange.
        self.oauth = oauth
        self.orgs = {o.id: o for o in (orgs if orgs is not None else (org_seed(),))}
        self._tokens = TokenBook()
        self._tokens.seed(bot_token, primary.team.id)
        self._codes: dict[str, AuthCode] = {}
        self.oauth_consents: list[Consent] = []
        self.oauth_exchanges: list[OAuthExchange] = []
        self.cross_workspace_calls: list[CrossWorkspaceCall] = []  # tests should find none
        for other in others:
            self.add_workspace(other)

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

    # -- the workspaces ---------------------------------------------------------------

    def add_workspace(self, space: Workspace, *, token: str | None = None) -> str:
        """Install the app in another workspace; its seeded bot token (made up if not given)."""
        with self._lock:
            for other in self._spaces.values():
                shared = sorted(space.ids() & other.ids())
                if shared:
                    raise ValueError(
                        f"workspace {space.team.id} shares ids with {other.team.id}: "
                        f"{', '.join(shared)}; each workspace needs its own ids"
                    )
            self._spaces[space.team.id] = space
            seeded = token or f"xoxb-{len(self._spaces) - 1:04d}-sandbox-{space.team.id.lower()}"
            self._tokens.seed(seeded, space.team.id)
            return seeded

    @property
    def workspace(self) -> Workspace:
        """The workspace of the Web API call being answered; outside a call, the first one."""
        team = getattr(self._local, "team", None)
        return self._spaces[team or self._primary]

    @property
    def teams(self) -> list[str]:
        """Every workspace's team id, the first one first."""
        with self._lock:
            return list(self._spaces)

    def space(self, team_id: str) -> Workspace:
        """One workspace by team id."""
        with self._lock:
            found = self._spaces.get(team_id)
        if found is None:
            raise LookupError(f"no workspace {team_id!r}; the stand-in has {', '.join(self.teams)}")
        return found

    def team_of(self, ref: str) -> str | None:
        """The team owning an id (a person, channel, DM or user group); None if no one's."""
        with self._lock:
            return next((t for t, s in self._spaces.items() if s.owns(ref)), None)

    @contextlib.contextmanager
    def within(self, team_id: str) -> Iterator[None]:
        """Read as one workspace: channel and user names are looked up in it."""
        self.space(team_id)
        with self._acting(team_id):
            yield

    @contextlib.contextmanager
    def _acting(self, team: str | None, grant: Grant | None = None) -> Iterator[None]:
        """Answer as `team` (unknown or None: keep the current one) with `grant`'s scopes."""
        saved = (getattr(self._local, "team", None), getattr(self._local, "grant", None))
        self._local.team = team if team in self._spaces else saved[0]
        self._local.grant = grant
        try:
            yield
        finally:
            self._local.team, self._local.grant = saved

    def _acting_for(self, ref: str | None) -> contextlib.AbstractContextManager[None]:
        """Answer as the workspace owning a channel or user (for replies outside a call)."""
        return self._acting(self.team_of(ref) if ref else None)

    def _caller(self) -> Grant | None:
        """The bot token of the Web API call being answered, if it is one the stand-in issued."""
        grant: Grant | None = getattr(self._local, "grant", None)
        return grant

    def _team(self) -> str | None:
        """The workspace (or org) whose token made the call being answered."""
        grant = self._caller()
        return grant.owner if grant is not None else None

    def _granted_now(self) -> frozenset[str]:
        """The scopes of the call being answered: its token's, else the app's."""
        grant = self._caller()
        return grant.scopes if grant is not None and grant.scopes is not None else self.granted

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
        if not member and "chat:write.public" not in self._granted_now():
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
