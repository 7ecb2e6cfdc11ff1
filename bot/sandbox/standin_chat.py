"""The stand-in's chat.* methods: post, post ephemerally, update, delete, permalink."""

from __future__ import annotations

from typing import Any

from bot.sandbox import limits
from bot.sandbox.standin_records import Message, Result, api_error
from bot.sandbox.standin_state import StandInState


class ChatMethods(StandInState):
    """chat.postMessage, chat.postEphemeral, chat.update, chat.delete, chat.getPermalink."""

    def api_chat_postMessage(self, params: Result) -> Result:
        """Post a message in a channel, a thread, or the bot's DM with a user."""
        channel, error = self._destination(str(params["channel"]))
        if channel is None:
            return api_error(error)
        refused = limits.check_message(params.get("text"), params.get("blocks"))
        if refused is not None:
            return refused
        metadata = params.get("metadata")
        if metadata is not None and not _valid_metadata(metadata):
            return api_error("invalid_metadata_format")
        thread_ts = self._thread_root(channel.id, params.get("thread_ts"))
        message = self._bot_message(channel.id, params, thread_ts)
        message.metadata = metadata
        return {"ok": True, "channel": channel.id, "ts": message.ts, "message": message.to_api()}

    def api_chat_postEphemeral(self, params: Result) -> Result:
        """Show a message to one user in a channel."""
        channel, error = self._destination(str(params["channel"]))
        if channel is None:
            return api_error(error)
        user = str(params["user"])
        if user not in self.workspace.users:
            return api_error("user_not_found")
        if user not in channel.members:
            return api_error("user_not_in_channel")
        refused = limits.check_message(params.get("text"), params.get("blocks"))
        if refused is not None:
            return refused
        message = self._bot_message(channel.id, params, params.get("thread_ts"), to=user)
        return {"ok": True, "message_ts": message.ts}

    def _owned_message(self, params: Result, verb: str) -> Message | Result:
        channel = self._visible_channel(str(params["channel"]))
        if channel is None:
            return api_error("channel_not_found")
        message = self.find_message(channel.id, str(params["ts"]))
        if message is None or message.is_ephemeral:
            return api_error("message_not_found")
        if message.user != self.workspace.bot_user_id:
            return api_error(f"cant_{verb}_message")
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
            return api_error("message_not_found")
        link = f"https://{self.workspace.team.domain}.slack.com/archives/{message.channel}/p"
        return {
            "ok": True,
            "channel": message.channel,
            "permalink": link + message.ts.replace(".", ""),
        }


def _valid_metadata(metadata: Any) -> bool:
    """Slack's shape for message metadata: an event type and an object of values."""
    return (
        isinstance(metadata, dict)
        and isinstance(metadata.get("event_type"), str)
        and bool(metadata["event_type"])
        and isinstance(metadata.get("event_payload"), dict)
    )
