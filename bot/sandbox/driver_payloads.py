"""What Slack sends the bot: signatures, slash command forms, events and interaction payloads.

Plain builders over the workspace's values. `SlackDriver` decides who acts where, has
the stand-in mint trigger_ids and response_urls, and sends what these return.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping
from typing import Any

from bot.sandbox.render import Choice
from bot.sandbox.seed import Channel, User, Workspace
from bot.sandbox.standin import Message, View

LEGACY_TOKEN = "sandbox-verification-token"  # noqa: S105 - Slack's deprecated per-app token


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's request signature: v0= HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def retry_headers(retry_num: int | None, reason: str) -> dict[str, str]:
    """The X-Slack-Retry-* headers Slack adds when it delivers an event again."""
    if retry_num is None:
        return {}
    return {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": reason}


def user_api(space: Workspace, user: User) -> dict[str, str]:
    """The `user` object in interaction payloads."""
    return {
        "id": user.id,
        "username": user.name,
        "name": user.name,
        "team_id": space.team.id,
    }


def team_api(space: Workspace) -> dict[str, str]:
    """The `team` object in interaction payloads."""
    return {"id": space.team.id, "domain": space.team.domain}


# -- slash commands and events ----------------------------------------------------------


def command_form(
    space: Workspace,
    channel: Channel,
    user: User,
    name: str,
    typed: str,
    *,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    """The form fields of a slash command."""
    return {
        "token": LEGACY_TOKEN,
        "team_id": space.team.id,
        "team_domain": space.team.domain,
        "channel_id": channel.id,
        "channel_name": "directmessage" if channel.is_im else channel.name,
        "user_id": user.id,
        "user_name": user.name,
        "command": name,
        "text": typed,
        "api_app_id": space.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def message_event(
    space: Workspace, channel: Channel, user: User, typed: str, text: str, posted: Message
) -> dict[str, Any]:
    """A person's message as an event, before its `type` is chosen."""
    return {
        "user": user.id,
        "text": typed,
        "ts": posted.ts,
        "channel": channel.id,
        "event_ts": posted.ts,
        "team": space.team.id,
        "client_msg_id": str(uuid.uuid4()),
        "blocks": [_rich_text(text)],
    }


def subscribed_kinds(
    bot_events: frozenset[str], space: Workspace, channel: Channel, typed: str
) -> list[str]:
    """The event types the app hears for this message: `message`, `app_mention`, both or none."""
    if channel.is_im:
        return ["message"] if "message.im" in bot_events else []
    if space.bot_user_id not in channel.members:
        return []
    kinds = []
    if f"<@{space.bot_user_id}>" in typed and "app_mention" in bot_events:
        kinds.append("app_mention")
    if f"message.{channel.kind}" in bot_events:
        kinds.append("message")
    return kinds


def event_callback(
    space: Workspace, payload_event: Mapping[str, Any], event_id: str
) -> dict[str, Any]:
    """Any event in Slack's `event_callback` envelope."""
    return {
        "token": LEGACY_TOKEN,
        "team_id": space.team.id,
        "api_app_id": space.app_id,
        "event": dict(payload_event),
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": space.team.id,
                "user_id": space.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def url_verification(challenge: str) -> dict[str, str]:
    """The handshake Slack sends when the events URL is saved."""
    return {"token": LEGACY_TOKEN, "challenge": challenge, "type": "url_verification"}


def app_home_opened(
    space: Workspace, user: str, channel: str, tab: str, home: View | None
) -> dict[str, Any]:
    """The event for opening the app's Home (or Messages) tab, with the Home view if any."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    if home is not None:
        event["view"] = home.to_api(space)
    return event


# -- interactions ---------------------------------------------------------------------


def shortcut(
    space: Workspace, user: User, kind: str, callback_id: str, trigger_id: str
) -> dict[str, Any]:
    """A global shortcut, or a message shortcut before its message is attached."""
    return {
        "type": "shortcut" if kind == "global" else "message_action",
        "callback_id": callback_id,
        "user": user_api(space, user),
        "team": team_api(space),
        "api_app_id": space.app_id,
        "token": LEGACY_TOKEN,
        "trigger_id": trigger_id,
        "action_ts": f"{time.time():.6f}",
        "is_enterprise_install": False,
        "enterprise": None,
    }


def block_actions(
    space: Workspace,
    user: User,
    surface: Message | View,
    action: dict[str, Any],
    *,
    trigger_id: str,
    response_url: str | None,
) -> dict[str, Any]:
    """A click or pick in a message or view; messages carry a response_url."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": user_api(space, user),
        "api_app_id": space.app_id,
        "token": LEGACY_TOKEN,
        "trigger_id": trigger_id,
        "team": team_api(space),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
    }
    if isinstance(surface, View):
        payload["container"] = {"type": "view", "view_id": surface.id}
        payload["view"] = surface.to_api(space)
    else:
        channel = space.channels[surface.channel]
        payload["container"] = {
            "type": "message",
            "message_ts": surface.ts,
            "channel_id": channel.id,
            "is_ephemeral": surface.is_ephemeral,
        }
        payload["channel"] = {"id": channel.id, "name": channel.name}
        payload["state"] = {"values": {}}
        if not surface.is_ephemeral:
            payload["message"] = dict(surface.to_api(), team=space.team.id)
        payload["response_url"] = response_url
    return payload


def action_for(choice: Choice) -> dict[str, Any]:
    """The `actions[0]` of a click on a button or a menu option."""
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


def view_submission(
    space: Workspace, user: User, shown: dict[str, Any], trigger_id: str
) -> dict[str, Any]:
    """Pressing a modal's submit button; `shown` is the view with its submitted state."""
    return {
        "type": "view_submission",
        "team": team_api(space),
        "user": user_api(space, user),
        "api_app_id": space.app_id,
        "token": LEGACY_TOKEN,
        "trigger_id": trigger_id,
        "view": shown,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed(space: Workspace, user: User, view: View) -> dict[str, Any]:
    """Pressing a modal's close button, sent only with notify_on_close."""
    return {
        "type": "view_closed",
        "team": team_api(space),
        "user": user_api(space, user),
        "api_app_id": space.app_id,
        "token": LEGACY_TOKEN,
        "view": view.to_api(space),
        "is_cleared": False,
        "is_enterprise_install": False,
    }


def _rich_text(text: str) -> dict[str, Any]:
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return {"type": "rich_text", "block_id": uuid.uuid4().hex[:5], "elements": [section]}
