"""A fake Slack over real HTTP: the Web API, response_url and file uploads, in memory.

The bot talks to it exactly as it talks to Slack (`SLACK_API_URL` = `api_url`, a bearer
token, form or JSON bodies). Every call is checked against Slack's published method list
and the manifest's scopes before it acts, and recorded for assertions. The humans' side
(triggers, response URLs, open modals) is driven by `SlackDriver`.

One workspace by default; `others=` (or `add_workspace`) installs the same app in more,
each with its own bot token, and `oauth=OAuthApp(...)` adds Slack's OAuth v2 install flow
(`/oauth/v2/authorize`, `oauth.v2.access`, token rotation, uninstall).
"""

from __future__ import annotations

import sys
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any

from bot.sandbox import scopes
from bot.sandbox.seed import Channel
from bot.sandbox.standin_access import AccessChecks
from bot.sandbox.standin_chat import ChatMethods
from bot.sandbox.standin_directory import DirectoryMethods
from bot.sandbox.standin_envelopes import APP_LEVEL_METHODS
from bot.sandbox.standin_files import FileMethods
from bot.sandbox.standin_http import BAD_JSON, JSON_FIELDS, decode_params, handler_for
from bot.sandbox.standin_oauth import OAUTH_ACCESS, OAuthMethods
from bot.sandbox.standin_records import (
    ApiCall,
    Fault,
    Hold,
    Message,
    ResponseUrl,
    Result,
    StoredFile,
    View,
    api_error,
)
from bot.sandbox.standin_responses import ResponseMethods
from bot.sandbox.standin_tokens import (
    Consent,
    CrossWorkspaceCall,
    OAuthApp,
    OAuthExchange,
)
from bot.sandbox.standin_views import ViewMethods

__all__ = [
    "BAD_JSON",
    "CHAT_BURST",
    "CHAT_PER_SECOND",
    "JSON_FIELDS",
    "ApiCall",
    "Consent",
    "CrossWorkspaceCall",
    "Fault",
    "Hold",
    "Message",
    "OAuthApp",
    "OAuthExchange",
    "ResponseUrl",
    "Result",
    "SlackStandIn",
    "StandInServer",
    "StoredFile",
    "View",
    "decode_params",
]


class StandInServer(ThreadingHTTPServer):
    """The stand-in's HTTP server: a thread per request and room for load-test bursts."""

    daemon_threads = True
    request_queue_size = 128  # the default listen backlog of 5 drops connections under load

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A caller that closed its kept-alive connection (carebot stopped) is no error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


CHAT_BURST = 4.0  # messages a channel takes at once before chat.postMessage answers 429
CHAT_PER_SECOND = 1.0


class SlackStandIn(
    ChatMethods,
    ViewMethods,
    DirectoryMethods,
    FileMethods,
    ResponseMethods,
    OAuthMethods,
    AccessChecks,
):
    """Slack workspaces on 127.0.0.1 that the bot can call and tests can inspect."""

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> SlackStandIn:
        """Listen on a free port (or the one given) in a daemon thread."""
        if self._server is not None:
            return self
        server = StandInServer(self._address, handler_for(self))
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-standin"
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening; recorded state stays readable."""
        self.socket_mode.stop()
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

    # -- fault injection and recording ------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        error: str | None = None,
        channel: str | None = None,
    ) -> None:
        """Make the next `times` calls of a method fail: 429 + Retry-After, 5xx, or ok:false.

        With `channel`, only calls naming that channel fail (a user id: DMs to that person,
        who stays in the workspace), as when Slack refuses one DM and not the others.
        """
        with self._lock:
            queue = self._faults.setdefault(method, [])
            queue.extend(Fault(status, retry_after, error, channel) for _ in range(times))

    def hold_next(self, method: str, *, stored: bool) -> Hold:
        """Keep the next call of a method in flight until the hold is released: the test
        kills the bot meanwhile. `stored`: Slack has acted on it (the post is in the channel)
        but the answer never reached the bot; otherwise Slack never acts on it."""
        hold = Hold(stored)
        with self._lock:
            self._holds.setdefault(method, []).append(hold)
        return hold

    def heal(self, method: str | None = None) -> None:
        """Drop the faults still queued for a method (or for every method)."""
        with self._lock:
            if method is None:
                self._faults.clear()
            else:
                self._faults.pop(method, None)

    def calls(self, method: str | None = None, *, team: str | None = None) -> list[ApiCall]:
        """Every Web API call (and response_url post) so far, oldest first; `team`: only
        those made with that workspace's tokens."""
        with self._lock:
            return [
                c
                for c in self._calls
                if (method is None or c.method == method) and (team is None or c.team == team)
            ]

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

    def files(self, *, team: str | None = None) -> list[StoredFile]:
        """Every file the bot uploaded (in one workspace, with `team`)."""
        with self._lock:
            return [f for f in self._files.values() if team is None or f.team == team]

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
        """The bot's DM channel with a user (in the user's workspace), opened on first use."""
        with self._lock:
            team = self.team_of(user)
            return (self.space(team) if team else self.workspace).dm_with(user)

    # -- the HTTP side ---------------------------------------------------------

    def handle_api(
        self, method: str, token: str | None, params: Result
    ) -> tuple[int, Result, dict[str, str]]:
        """Answer one Web API call as Slack would: (HTTP status, body, extra headers)."""
        with self._lock:
            grant = self._tokens.find(token)
        with self._acting(grant.team_id if grant else None, grant):
            return self._handle(method, token, params)

    def _handle(
        self, method: str, token: str | None, params: Result
    ) -> tuple[int, Result, dict[str, str]]:
        with self._lock:
            holds = self._holds.get(method)
            hold = holds.pop(0) if holds else None
        if hold is not None:
            return self._held(hold, method, token, params)
        with self._lock:
            fault = self._take_fault(method, str(params.get("channel") or ""))
            if fault is None and method == "chat.postMessage" and self._over_rate(params):
                fault = Fault(429, 1, None)
            headers: dict[str, str] = {}
            if fault is None:
                status, result = self._answer(method, token, params)
            elif fault.error is not None:
                status, result = 200, api_error(fault.error)
            else:
                status = fault.status
                result = api_error("ratelimited" if status == 429 else "internal_error")
                if status == 429:
                    headers["Retry-After"] = str(fault.retry_after)
            self._calls.append(ApiCall(method, params, time.time(), status, result, self._team()))
            return status, result, headers

    def _held(
        self, hold: Hold, method: str, token: str | None, params: Result
    ) -> tuple[int, Result, dict[str, str]]:
        if hold.stored:
            with self._lock:
                status, result = self._answer(method, token, params)
                self._calls.append(
                    ApiCall(method, params, time.time(), status, result, self._team())
                )
        else:
            status, result = 503, api_error("service_unavailable")
        hold.reached.set()
        hold.released.wait(timeout=60)
        return status, result, {}

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

    def _answer(self, method: str, token: str | None, params: Result) -> tuple[int, Result]:
        spec = self.spec.get(method)
        if spec is None:
            return 200, {"ok": False, "error": "unknown_method", "req_method": method}
        if method == OAUTH_ACCESS:  # client credentials instead of a token
            return 200, self.api_oauth_v2_access(params)
        if not token:
            return 200, {"ok": False, "error": "not_authed"}
        refused = self._token_refusal(method, token, params)
        if refused is not None:
            return 200, {"ok": False, "error": refused}
        for param in sorted(spec.required):
            if params.get(param) in (None, ""):
                code = scopes.missing_param_error(spec, param)
                return 200, api_error(code, f"[ERROR] missing required field: {param}")
        if method in APP_LEVEL_METHODS:  # an app-level token carries its own scopes
            denied = scopes.missing_scope(spec, self.app_scopes)
        else:
            kind = self._conversation_kind(params)
            denied = scopes.missing_scope(spec, self._granted_now(), kind)
        if denied is not None:
            return 200, denied
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": False, "error": "not_implemented_in_standin", "method": method}
        result: Result = handler(params)
        return 200, result

    def api_apps_connections_open(self, params: Result) -> Result:
        """A one-time WebSocket URL for Socket Mode (the token was checked as app-level)."""
        return {"ok": True, "url": self.socket_mode.open_url()}

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
