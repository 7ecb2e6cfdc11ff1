"""The humans' side of the sandbox: signed requests to the bot, shaped exactly as Slack's.

A driver acts as one person in one place at a time (dana in #cardiology-team by
default), types commands and messages, clicks buttons, fills and submits modals, and
reads back what that person can see. `settle` is called after every request so a test
can wait for the work the bot started after its ack.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from bot.sandbox import driver_payloads as payloads
from bot.sandbox.driver_base import ACK_DEADLINE, Ack, DriverError
from bot.sandbox.driver_install import Installed, Installing
from bot.sandbox.driver_modals import Modal, Modals
from bot.sandbox.driver_payloads import LEGACY_TOKEN, sign
from bot.sandbox.driver_reading import Reading, Seen
from bot.sandbox.mrkdwn import encode_typed, escape

__all__ = [
    "ACK_DEADLINE",
    "LEGACY_TOKEN",
    "Ack",
    "DriverError",
    "Installed",
    "Modal",
    "Seen",
    "SlackDriver",
    "sign",
]


class SlackDriver(Modals, Reading, Installing):
    """Plays the people in the workspace against a bot listening at `bot_url`."""

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
        fields = payloads.command_form(
            self.space,
            channel,
            user,
            name,
            typed,
            response_url=self.standin.issue_response_url(channel.id, user.id),
            trigger_id=self.standin.issue_trigger(user.id),
        )
        ack = self._send_form(fields)
        # Slack shows a late ack as an error and ignores its body, like any non-200.
        heeded = ack.ok and not ack.late
        self.slack_error = (
            self.standin.deliver_ack(channel.id, user.id, ack.body) if heeded else None
        )
        return ack

    def message(self, text: str, *, thread_ts: str | None = None) -> Ack:
        """Post a message here; the bot hears it if app.yaml subscribes to it."""
        channel = self._check_can_speak()
        typed = encode_typed(text, self.space)
        posted = self.standin.post_as_user(channel.id, self._user.id, typed, thread_ts)
        event = payloads.message_event(self.space, channel, self._user, typed, text, posted)
        if thread_ts:
            event["thread_ts"] = thread_ts
        ack = Ack(0, None, 0.0, delivered=False)
        bot_events = self.standin.manifest.bot_events
        for kind in payloads.subscribed_kinds(bot_events, self.space, channel, typed):
            shaped = dict(event, type=kind)
            if kind == "message":
                shaped["channel_type"] = "im" if channel.is_im else channel.kind.rstrip("s")
            ack = self.event(shaped)
        return Ack(ack.status, ack.body, ack.elapsed, ack.delivered, posted.ts)

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
        event_id = event_id or f"Ev0{self._events:06d}{uuid.uuid4().hex[:6].upper()}"
        envelope = payloads.event_callback(self.space, payload_event, event_id)
        body = json.dumps(envelope).encode()
        self._last_event = body
        extra = payloads.retry_headers(retry_num, retry_reason)
        return self._send(body, "application/json", extra)

    def resend(self, retry_num: int = 1, reason: str = "http_timeout") -> Ack:
        """Deliver the last event again, as Slack's retry (same event_id, X-Slack-Retry-*)."""
        if self._last_event is None:
            raise DriverError("no event has been sent yet")
        extra = payloads.retry_headers(retry_num, reason)
        return self._send(self._last_event, "application/json", extra)

    def url_verification(self, challenge: str) -> Ack:
        """The handshake Slack sends when the events URL is saved."""
        body = payloads.url_verification(challenge)
        return self._send(json.dumps(body).encode(), "application/json")

    def shortcut(self, callback_id: str, *, in_message: str | Seen | None = None) -> Ack:
        """Run a shortcut from app.yaml: global, or on a message here (newest by default)."""
        kind = self.standin.manifest.shortcuts.get(callback_id)
        if kind is None:
            raise DriverError(f"no shortcut {callback_id!r} in app.yaml's features.shortcuts")
        user = self._user.id
        trigger_id = self.standin.issue_trigger(user)
        payload = payloads.shortcut(self.space, self._user, kind, callback_id, trigger_id)
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
        channel = self.standin.dm_channel(self._user.id).id
        return self.event(payloads.app_home_opened(self.space, self._user.id, channel, tab, home))

    # -- channel membership ----------------------------------------------------------------

    def join(self, channel: str, user: str) -> Ack | None:
        """`user` joins `channel` (names or ids), as someone who adds them would do; carebot
        hears member_joined_channel if app.yaml subscribes to it and the bot is there."""
        return self._membership(channel, user, joined=True)

    def leave(self, channel: str, user: str) -> Ack | None:
        """`user` leaves `channel` (or is removed); member_left_channel, as for `join`."""
        return self._membership(channel, user, joined=False)

    def _membership(self, channel_ref: str, user_ref: str, *, joined: bool) -> Ack | None:
        channel, user = self.space.find_channel(channel_ref), self.space.find_user(user_ref)
        if channel is None or channel.is_im or user is None:
            raise DriverError(f"no channel {channel_ref!r} or no user {user_ref!r} here")
        if joined:
            channel.members.add(user.id)
        else:
            channel.members.discard(user.id)
        kind = "member_joined_channel" if joined else "member_left_channel"
        hears = self.space.bot_user_id in channel.members or user.id == self.space.bot_user_id
        if kind not in self.standin.manifest.bot_events or not hears:
            return None  # Slack tells apps of the channels they are in, if subscribed
        event: dict[str, Any] = {
            "type": kind,
            "user": user.id,
            "channel": channel.id,
            "channel_type": "G" if channel.is_private else "C",
            "team": self.space.team.id,
        }
        if joined:
            event["inviter"] = self._user.id
        return self.event(event)

    # -- the app leaving a workspace ---------------------------------------------------------

    def app_uninstalled(self) -> Ack:
        """Slack's `app_uninstalled` event for this workspace (no subscription check)."""
        return self.event({"type": "app_uninstalled"})

    def tokens_revoked(self, *, bot: Sequence[str] | None = None, oauth: Sequence[str] = ()) -> Ack:
        """Slack's `tokens_revoked` event: the users whose tokens went, bot tokens by the bot
        user's id (default: this workspace's bot), user tokens under `oauth`."""
        revoked = {
            "oauth": list(oauth),
            "bot": list(bot if bot is not None else [self.space.bot_user_id]),
        }
        return self.event({"type": "tokens_revoked", "tokens": revoked})

    def uninstall_app(self) -> list[Ack]:
        """An admin removes the app from this workspace: its tokens are revoked at once, then
        Slack sends `tokens_revoked` and `app_uninstalled`, each if app.yaml subscribes to it."""
        self.standin.uninstall(self.space.team.id)
        subscribed = self.standin.manifest.bot_events
        acks = []
        if "tokens_revoked" in subscribed:
            acks.append(self.tokens_revoked())
        if "app_uninstalled" in subscribed:
            acks.append(self.app_uninstalled())
        return acks
