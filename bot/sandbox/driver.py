"""The humans' side of the sandbox: signed requests to the bot, shaped exactly as Slack's.

A driver acts as one person in one place at a time (dana in #cardiology-team by
default), types commands and messages, clicks buttons, fills and submits modals, and
reads back what that person can see. `settle` is called after every request so a test
can wait for the work the bot started after its ack.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from bot.sandbox.render import (
    Choice,
    choices,
    encode_typed,
    entry_for,
    escape,
    find_input,
    menu_matches,
    menus,
    render_message,
    render_view,
    submission_state,
)
from bot.sandbox.seed import Channel, User
from bot.sandbox.standin import Message, SlackStandIn, View

T = TypeVar("T")
ACK_DEADLINE = 3.0
LEGACY_TOKEN = "sandbox-verification-token"  # noqa: S105 - Slack's deprecated per-app token


class DriverError(Exception):
    """The scenario asked for something a person could not do in Slack."""


@dataclass(frozen=True)
class Ack:
    """What the bot answered to one request."""

    status: int
    body: Any
    elapsed: float
    delivered: bool = True
    ts: str | None = None

    @property
    def ok(self) -> bool:
        """HTTP 200 in time, as Slack needs."""
        return self.status == 200 and not self.late

    @property
    def late(self) -> bool:
        """Slack gives up after 3 seconds and shows the user an error."""
        return self.elapsed > ACK_DEADLINE


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


@dataclass(frozen=True)
class Modal:
    """The modal a person is looking at."""

    id: str
    callback_id: str
    title: str
    private_metadata: str
    blocks: list[dict[str, Any]]
    state: dict[str, dict[str, Any]]
    text: str
    view: dict[str, Any]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's request signature: v0= HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackDriver:
    """Plays the people in the workspace against a bot listening at `bot_url`."""

    def __init__(
        self,
        standin: SlackStandIn,
        bot_url: str,
        signing_secret: str,
        *,
        settle: Callable[[], None] | None = None,
        timeout: float = 10.0,
    ) -> None:
        if not bot_url.startswith(("http://", "https://")):
            raise ValueError(f"bot_url must be an http(s) URL, not {bot_url!r}")
        self.standin = standin
        self.space = standin.workspace
        self.bot_url = bot_url
        self.signing_secret = signing_secret
        self.settle = settle or (lambda: None)
        self.timeout = timeout
        self.errors: dict[str, str] = {}
        self.slack_error: dict[str, Any] | None = None
        self._user, self._place = _default_actor(standin)
        self._secret: str | None = signing_secret
        self._offset = 0.0
        self._last_event: bytes | None = None
        self._events = 0

    # -- who and where --------------------------------------------------------------

    def _find_user(self, ref: str) -> User:
        user = self.space.find_user(ref)
        if user is None:
            names = ", ".join(f"@{u.name}" for u in self.space.users.values() if not u.is_bot)
            raise DriverError(f"no user {ref!r}; try one of {names}")
        return user

    def as_user(self, ref: str) -> SlackDriver:
        """Act as someone else: "dana", "@dana" or "U0COORD01"."""
        self._user = self._find_user(ref)
        return self

    def in_channel(self, ref: str) -> SlackDriver:
        """Move to a channel ("#ortho-team" or an id), or "dm" for the bot's DM."""
        if ref.lower() in ("dm", "@carebot", "im"):
            self._place = "dm"
            return self
        channel = self.space.find_channel(ref)
        if channel is None:
            names = ", ".join(f"#{c.name}" for c in self.space.channels.values() if not c.is_im)
            raise DriverError(f"no channel {ref!r}; try one of {names}")
        self._place = channel.id
        return self

    def in_dm(self) -> SlackDriver:
        """Move to the current user's DM with the bot."""
        return self.in_channel("dm")

    @property
    def user(self) -> User:
        """Who is acting."""
        return self._user

    @property
    def channel(self) -> Channel:
        """Where they are."""
        if self._place == "dm":
            return self.standin.dm_channel(self._user.id)
        return self.space.channels[self._place]

    def _user_api(self) -> dict[str, str]:
        user = self._user
        return {
            "id": user.id,
            "username": user.name,
            "name": user.name,
            "team_id": self.space.team.id,
        }

    def _team_api(self) -> dict[str, str]:
        return {"id": self.space.team.id, "domain": self.space.team.domain}

    def _check_can_speak(self) -> Channel:
        channel = self.channel
        if channel.is_archived:
            raise DriverError(f"#{channel.name} is archived; nobody can post there")
        if self._user.id not in channel.members:
            raise DriverError(f"@{self._user.name} is not a member of #{channel.name}")
        return channel

    # -- signing and sending ------------------------------------------------------

    @contextmanager
    def sign_with(
        self, *, secret: str | None = None, timestamp_offset: float = 0.0, unsigned: bool = False
    ) -> Iterator[None]:
        """Sign requests in this block with another secret, an old timestamp, or not at all."""
        saved = (self._secret, self._offset)
        self._secret = None if unsigned else (secret or self.signing_secret)
        self._offset = timestamp_offset
        try:
            yield
        finally:
            self._secret, self._offset = saved

    def _send(self, body: bytes, content_type: str, extra: Mapping[str, str] | None = None) -> Ack:
        headers = {"Content-Type": content_type, **(extra or {})}
        if self._secret is not None:
            timestamp = str(int(time.time() + self._offset))
            headers["X-Slack-Request-Timestamp"] = timestamp
            headers["X-Slack-Signature"] = sign(self._secret, timestamp, body)
        request = urllib.request.Request(  # noqa: S310 - bot_url is checked to be http(s)
            self.bot_url, data=body, headers=headers, method="POST"
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status, raw, kind = response.status, response.read(), response.headers
        except urllib.error.HTTPError as failure:
            status, raw, kind = failure.code, failure.read(), failure.headers
        elapsed = time.monotonic() - started
        self.settle()
        return Ack(status, _parse_body(raw, kind.get("Content-Type") or ""), elapsed)

    def _send_form(self, fields: Mapping[str, str]) -> Ack:
        return self._send(urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def _send_payload(self, payload: Mapping[str, Any]) -> Ack:
        if not self.standin.manifest.interactivity:
            raise DriverError("interactivity is off in app.yaml; Slack would not send this")
        return self._send_form({"payload": json.dumps(payload)})

    # -- commands, messages, events -----------------------------------------------------

    def command(self, name: str, text: str = "") -> Ack:
        """Type a slash command in the current place."""
        name = name if name.startswith("/") else "/" + name
        declared = self.standin.manifest.commands.get(name)
        if declared is None:
            raise DriverError(
                f"{name} is not in app.yaml's slash_commands; Slack would not send it"
            )
        channel = self._check_can_speak()
        user = self._user
        typed = (
            encode_typed(text, self.space, with_labels=True)
            if declared.should_escape
            else escape(text)
        )
        fields = {
            "token": LEGACY_TOKEN,
            "team_id": self.space.team.id,
            "team_domain": self.space.team.domain,
            "channel_id": channel.id,
            "channel_name": "directmessage" if channel.is_im else channel.name,
            "user_id": user.id,
            "user_name": user.name,
            "command": name,
            "text": typed,
            "api_app_id": self.space.app_id,
            "is_enterprise_install": "false",
            "response_url": self.standin.issue_response_url(channel.id, user.id),
            "trigger_id": self.standin.issue_trigger(user.id),
        }
        ack = self._send_form(fields)
        self.slack_error = (
            self.standin.deliver_ack(channel.id, user.id, ack.body) if ack.ok else None
        )
        return ack

    def message(self, text: str, *, thread_ts: str | None = None) -> Ack:
        """Post a message here; the bot hears it if app.yaml subscribes to it."""
        channel = self._check_can_speak()
        typed = encode_typed(text, self.space)
        posted = self.standin.post_as_user(channel.id, self._user.id, typed, thread_ts)
        event: dict[str, Any] = {
            "user": self._user.id,
            "text": typed,
            "ts": posted.ts,
            "channel": channel.id,
            "event_ts": posted.ts,
            "team": self.space.team.id,
            "client_msg_id": str(uuid.uuid4()),
            "blocks": [_rich_text(text)],
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        ack = Ack(0, None, 0.0, delivered=False)
        for kind in self._subscribed_kinds(channel, typed):
            shaped = dict(event, type=kind)
            if kind == "message":
                shaped["channel_type"] = "im" if channel.is_im else channel.kind.rstrip("s")
            ack = self.event(shaped)
        return Ack(ack.status, ack.body, ack.elapsed, ack.delivered, posted.ts)

    def _subscribed_kinds(self, channel: Channel, typed: str) -> list[str]:
        events = self.standin.manifest.bot_events
        if channel.is_im:
            return ["message"] if "message.im" in events else []
        if self.space.bot_user_id not in channel.members:
            return []
        kinds = []
        if f"<@{self.space.bot_user_id}>" in typed and "app_mention" in events:
            kinds.append("app_mention")
        if f"message.{channel.kind}" in events:
            kinds.append("message")
        return kinds

    def event(
        self,
        payload_event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> Ack:
        """Send any event in Slack's `event_callback` envelope (no subscription check)."""
        self._events += 1
        envelope = {
            "token": LEGACY_TOKEN,
            "team_id": self.space.team.id,
            "api_app_id": self.space.app_id,
            "event": dict(payload_event),
            "type": "event_callback",
            "event_id": event_id or f"Ev0{self._events:06d}{uuid.uuid4().hex[:6].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.space.team.id,
                    "user_id": self.space.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        body = json.dumps(envelope).encode()
        self._last_event = body
        extra = _retry_headers(retry_num, retry_reason)
        return self._send(body, "application/json", extra)

    def resend(self, retry_num: int = 1, reason: str = "http_timeout") -> Ack:
        """Deliver the last event again, as Slack's retry (same event_id, X-Slack-Retry-*)."""
        if self._last_event is None:
            raise DriverError("no event has been sent yet")
        return self._send(self._last_event, "application/json", _retry_headers(retry_num, reason))

    def url_verification(self, challenge: str) -> Ack:
        """The handshake Slack sends when the events URL is saved."""
        body = {"token": LEGACY_TOKEN, "challenge": challenge, "type": "url_verification"}
        return self._send(json.dumps(body).encode(), "application/json")

    def shortcut(self, callback_id: str, *, in_message: str | Seen | None = None) -> Ack:
        """Run a shortcut from app.yaml: global, or on a message here (newest by default)."""
        kind = self.standin.manifest.shortcuts.get(callback_id)
        if kind is None:
            raise DriverError(f"no shortcut {callback_id!r} in app.yaml's features.shortcuts")
        user = self._user.id
        payload: dict[str, Any] = {
            "type": "shortcut" if kind == "global" else "message_action",
            "callback_id": callback_id,
            "user": self._user_api(),
            "team": self._team_api(),
            "api_app_id": self.space.app_id,
            "token": LEGACY_TOKEN,
            "trigger_id": self.standin.issue_trigger(user),
            "action_ts": f"{time.time():.6f}",
            "is_enterprise_install": False,
            "enterprise": None,
        }
        if kind != "global":
            channel = self.channel
            shown = self.standin.messages(channel.id)
            if in_message is not None:
                ts = in_message.ts if isinstance(in_message, Seen) else in_message
                shown = [m for m in shown if m.ts == ts]
            if not shown:
                raise DriverError(f"no message to run {callback_id!r} on in #{channel.name}")
            target = shown[-1]
            payload["message_ts"] = target.ts
            payload["message"] = dict(target.to_api(), team=self.space.team.id)
            payload["channel"] = {"id": channel.id, "name": channel.name}
            payload["response_url"] = self.standin.issue_response_url(channel.id, user)
        return self._send_payload(payload)

    def open_home(self, tab: str = "home") -> Ack:
        """Open the app's Home (or Messages) tab: an `app_home_opened` event."""
        home = self.standin.home(self._user.id)
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": self._user.id,
            "channel": self.standin.dm_channel(self._user.id).id,
            "tab": tab,
            "event_ts": f"{time.time():.6f}",
        }
        if home is not None:
            event["view"] = home.to_api(self.space)
        return self.event(event)

    # -- clicking --------------------------------------------------------------------

    def _surfaces(self, in_message: str | Seen | None) -> list[Message | View]:
        """What the user could click, most recently changed first."""
        user = self._user.id
        if in_message == "home":
            home = self.standin.home(user)
            return [home] if home is not None else []
        top = self.standin.top_view(user)
        if top is not None and in_message is None:
            return [top]
        channel = self.channel.id
        seen: list[Message] = [
            *self.standin.messages(channel),
            *self.standin.ephemerals(channel=channel, user=user),
        ]
        if in_message is not None:
            ts = in_message.ts if isinstance(in_message, Seen) else in_message
            seen = [m for m in seen if m.ts == ts]
            if not seen:
                raise DriverError(f"no message {ts} in #{self.channel.name}")
        return sorted(seen, key=lambda m: m.seq, reverse=True)

    def _find_choice(
        self, wanted: str | int, in_message: str | Seen | None
    ) -> tuple[Message | View, Choice]:
        surfaces = [(s, choices(_blocks_of(s))) for s in self._surfaces(in_message)]
        surfaces = [(s, found) for s, found in surfaces if found]
        if not surfaces:
            raise DriverError(f"@{self._user.name} sees nothing to click in #{self.channel.name}")
        if isinstance(wanted, int) or str(wanted).isdigit():
            surface, found = surfaces[0]
            for choice in found:
                if choice.number == int(wanted):
                    return surface, choice
            raise DriverError(f"no button {wanted}; shown: {_labels(found)}")
        label = str(wanted).strip().lower()
        for surface, found in surfaces:
            exact = [c for c in found if c.label.strip().lower() == label]
            partial = [c for c in found if label in c.label.lower()]
            if exact or len(partial) == 1:
                return surface, (exact or partial)[0]
            if len(partial) > 1:
                raise DriverError(f"{wanted!r} matches several buttons: {_labels(partial)}")
        raise DriverError(f"no button {wanted!r}; shown: {_labels(surfaces[0][1])}")

    def click(self, label_or_number: str | int, *, in_message: str | Seen | None = None) -> Ack:
        """Click a button (or pick an overflow/menu option) by its text or shown number.

        Looks in the open modal, else the newest message or ephemeral here that has one;
        `in_message` narrows it to one message (a ts or a Seen) or to "home".
        """
        surface, choice = self._find_choice(label_or_number, in_message)
        return self._send_action(surface, _action(choice))

    def select(self, field_label: str, option: str, *, in_message: str | Seen | None = None) -> Ack:
        """Pick an option in a menu (static, users, channels) or a date in a message."""
        for surface in self._surfaces(in_message):
            for block, element in menus(_blocks_of(surface)):
                if menu_matches(block, element, field_label):
                    entry = _typed(entry_for, element, option, self.space)
                    action = {
                        **entry,
                        "action_id": element.get("action_id"),
                        "block_id": block.get("block_id"),
                        "action_ts": f"{time.time():.6f}",
                    }
                    return self._send_action(surface, action)
        raise DriverError(f"no menu {field_label!r} in what @{self._user.name} can see")

    def _send_action(self, surface: Message | View, action: dict[str, Any]) -> Ack:
        user = self._user.id
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user_api(),
            "api_app_id": self.space.app_id,
            "token": LEGACY_TOKEN,
            "trigger_id": self.standin.issue_trigger(user),
            "team": self._team_api(),
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [action],
        }
        if isinstance(surface, View):
            payload["container"] = {"type": "view", "view_id": surface.id}
            payload["view"] = surface.to_api(self.space)
        else:
            channel = self.space.channels[surface.channel]
            payload["container"] = {
                "type": "message",
                "message_ts": surface.ts,
                "channel_id": channel.id,
                "is_ephemeral": surface.is_ephemeral,
            }
            payload["channel"] = {"id": channel.id, "name": channel.name}
            payload["state"] = {"values": {}}
            if not surface.is_ephemeral:
                payload["message"] = dict(surface.to_api(), team=self.space.team.id)
            payload["response_url"] = self.standin.issue_response_url(
                channel.id, user, message_ts=surface.ts, ephemeral=surface.is_ephemeral
            )
        return self._send_payload(payload)

    # -- modals --------------------------------------------------------------------

    @property
    def modal(self) -> Modal | None:
        """The current user's top open modal, or None."""
        view = self.standin.top_view(self._user.id)
        if view is None:
            return None
        shown = render_view(view.view, names=self.space, state=view.state, errors=self.errors)
        return Modal(
            id=view.id,
            callback_id=str(view.view.get("callback_id", "")),
            title=str((view.view.get("title") or {}).get("text", "")),
            private_metadata=str(view.view.get("private_metadata", "")),
            blocks=list(view.view.get("blocks", [])),
            state=dict(view.state),
            text=shown,
            view=view.view,
        )

    def _top(self) -> View:
        view = self.standin.top_view(self._user.id)
        if view is None:
            raise DriverError(f"@{self._user.name} has no modal open")
        return view

    def fill(self, label_or_block_id: str, value: str | list[str]) -> Ack | None:
        """Type or pick a value in the open modal's input (by label, block_id or action_id)."""
        view = self._top()
        block = _typed(find_input, view.view.get("blocks", []), label_or_block_id)
        element = block["element"]
        entry = _typed(entry_for, element, value, self.space)
        self.standin.set_view_state(view.id, block["block_id"], element["action_id"], entry)
        self.errors.pop(block["block_id"], None)
        if not block.get("dispatch_action"):
            return None
        action = {**entry, "action_id": element["action_id"], "block_id": block["block_id"]}
        return self._send_action(self._top(), dict(action, action_ts=f"{time.time():.6f}"))

    def submit(self, values: Mapping[str, str | list[str]] | None = None) -> Ack:
        """Fill the given fields, then press the modal's submit button."""
        for label, value in (values or {}).items():
            self.fill(label, value)
        view = self._top()
        state, missing = submission_state(view.view.get("blocks", []), view.state)
        if missing:
            self.errors = missing  # Slack's client refuses to send an incomplete form
            return Ack(0, None, 0.0, delivered=False)
        shown = dict(view.to_api(self.space), state={"values": state})
        payload = {
            "type": "view_submission",
            "team": self._team_api(),
            "user": self._user_api(),
            "api_app_id": self.space.app_id,
            "token": LEGACY_TOKEN,
            "trigger_id": self.standin.issue_trigger(self._user.id),
            "view": shown,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        self.errors, self.slack_error = {}, None
        ack = self._send_payload(payload)
        if ack.ok:
            self._apply_submission_ack(view, ack.body)
        return ack

    def _apply_submission_ack(self, view: View, body: Any) -> None:
        action = body.get("response_action") if isinstance(body, dict) else None
        user = self._user.id
        if action == "errors":
            self.errors = dict(body.get("errors") or {})
            inputs = {
                b.get("block_id") for b in view.view.get("blocks", []) if b.get("type") == "input"
            }
            strays = sorted(set(self.errors) - inputs)
            if strays:  # Slack shows a generic failure instead of the field errors
                self.slack_error = _error(
                    "invalid_arguments", f"errors for non-input blocks {strays}"
                )
            return
        result: dict[str, Any] = {"ok": True}
        if action == "update":
            result = self.standin.replace_view(view.id, body.get("view"))
        elif action == "push":
            result = self.standin.push_view(user, body.get("view"))
        elif action == "clear":
            self.standin.close_views(user, everything=True)
        else:
            self.standin.close_views(user)
        if not result.get("ok"):
            self.slack_error = result

    def close(self) -> Ack | None:
        """Press the modal's close button; the bot hears of it only with notify_on_close."""
        view = self._top()
        self.errors = {}
        self.standin.close_views(self._user.id)
        if not view.view.get("notify_on_close"):
            return None
        payload = {
            "type": "view_closed",
            "team": self._team_api(),
            "user": self._user_api(),
            "api_app_id": self.space.app_id,
            "token": LEGACY_TOKEN,
            "view": view.to_api(self.space),
            "is_cleared": False,
            "is_enterprise_install": False,
        }
        return self._send_payload(payload)

    # -- reading -------------------------------------------------------------------

    def _seen(self, message: Message) -> Seen:
        rendered = render_message(
            message.text, message.blocks, names=self.space, files=message.files
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
        return [self._seen(m) for m in self.standin.ephemerals(channel=where, user=who)]

    def dms(self, user: str | None = None) -> list[Seen]:
        """What the bot posted in its DM with a user (default: the current one)."""
        who = self._find_user(user).id if user else self._user.id
        dm = self.standin.dm_channel(who).id
        return [
            self._seen(m) for m in self.standin.messages(dm) if m.user == self.space.bot_user_id
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


def _typed(parse: Callable[..., T], *args: Any) -> T:
    """Run a render-side parser, turning its complaint into a DriverError."""
    try:
        return parse(*args)
    except (LookupError, ValueError) as problem:
        raise DriverError(str(problem)) from problem


def _default_actor(standin: SlackStandIn) -> tuple[User, str]:
    """dana in #cardiology-team, or the first person and a channel they share with the bot."""
    space = standin.workspace
    people = [u for u in space.users.values() if not u.is_bot and not u.deleted]
    user = space.users.get("U0COORD01") or (people[0] if people else space.bot)
    shared = [
        c.id
        for c in space.channels.values()
        if not c.is_im and {user.id, space.bot_user_id} <= c.members and not c.is_archived
    ]
    place = "C0CARDIO1" if "C0CARDIO1" in shared else (shared[0] if shared else "dm")
    return user, place


def _error(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": code, "response_metadata": {"messages": [f"[ERROR] {message}"]}}


def _parse_body(raw: bytes, content_type: str) -> Any:
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type or text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _retry_headers(retry_num: int | None, reason: str) -> dict[str, str]:
    if retry_num is None:
        return {}
    return {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": reason}


def _rich_text(text: str) -> dict[str, Any]:
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return {"type": "rich_text", "block_id": uuid.uuid4().hex[:5], "elements": [section]}


def _blocks_of(surface: Message | View) -> list[dict[str, Any]]:
    return list(surface.view.get("blocks", [])) if isinstance(surface, View) else surface.blocks


def _labels(found: list[Choice]) -> str:
    return " ".join(f"[{c.number} {c.label}]" for c in found)


def _action(choice: Choice) -> dict[str, Any]:
    element = choice.element
    action: dict[str, Any] = {
        "action_id": element.get("action_id"),
        "block_id": choice.block_id,
        "type": element.get("type"),
        "action_ts": f"{time.time():.6f}",
    }
    if choice.option is None:
        action["text"] = element.get("text")
        if "value" in element:
            action["value"] = element["value"]
        if "style" in element:
            action["style"] = element["style"]
    elif element.get("type") == "checkboxes":
        action["selected_options"] = [choice.option]
    else:
        action["selected_option"] = choice.option
    return action
