"""Messages that reach Slack once, even when their sender dies mid-send.

Every message the bot sends on its own (a card after a write, a reminder, a nudge) carries
its send key in Slack's message metadata. A sender that may be repeating a send (its row's
earlier claim was never recorded: that sender died, perhaps after Slack took the message)
first reads the conversation since that claim and, when a message with the key is there,
records it instead of sending again. The cost falls only on those rare repeats: one
conversations.open for a DM, and one history page (two for a thread) per message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

if TYPE_CHECKING:
    from slack_sdk import WebClient

log = logging.getLogger(__name__)

EVENT_TYPE = "carebot_sent"
# Slack's clock and ours may differ by a little: look a minute before the earlier claim.
SKEW = timedelta(minutes=1)
PAGE = 200
MAX_PAGES = 5  # a conversation busier than 1,000 messages since the claim gets the send again
# The conversation is gone or closed to the bot: nothing can be found, nor sent (the send says).
CANNOT_LOOK = frozenset({"channel_not_found", "not_in_channel", "is_archived", "user_not_found"})


@dataclass(frozen=True)
class Sent:
    """Where the message is; `again` when it was found already posted and not sent now."""

    channel: str
    ts: str
    again: bool = False


class OnceSender:
    """chat.postMessage with a send key, looking for the key first when asked to."""

    def __init__(self, slack: WebClient) -> None:
        self.slack = slack

    def post(
        self,
        key: str,
        *,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        look_since: datetime | None = None,
    ) -> Sent:
        """Post unless a message with `key` is already there since `look_since` (None: the
        send is new, do not look). Raises SlackApiError as chat.postMessage does."""
        if look_since is not None:
            found = self.find(key, channel, look_since, thread_ts)
            if found is not None:
                log.info("a message was found already sent; not sent again")
                return found
        answer = self.slack.chat_postMessage(
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            metadata={"event_type": EVENT_TYPE, "event_payload": {"key": key}},
        )
        return Sent(str(answer["channel"]), str(answer["ts"]))

    def find(
        self, key: str, channel: str, since: datetime, thread_ts: str | None = None
    ) -> Sent | None:
        """The bot's message carrying `key` in this conversation since `since`, if any.

        A lookup Slack refuses for good (the conversation is gone) finds nothing; any other
        failure raises, so the send is retried later rather than risk a duplicate."""
        try:
            conversation = self._conversation(channel)
            oldest = f"{(since - SKEW).timestamp():.6f}"
            cursor = ""
            for _ in range(MAX_PAGES):
                page = self._page(conversation, oldest, cursor, thread_ts)
                for message in page.get("messages") or []:
                    if _key_of(message) == key:
                        return Sent(conversation, str(message["ts"]), again=True)
                cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
                if not page.get("has_more") or not cursor:
                    return None
        except SlackApiError as error:
            if str(error.response.get("error") or "") in CANNOT_LOOK:
                return None
            raise
        log.warning("a possible resend was not found in %d pages; sending again", MAX_PAGES)
        return None

    def _conversation(self, channel: str) -> str:
        """A channel id as it is; a user's id becomes the id of the bot's DM with them."""
        if channel[:1] not in ("U", "W"):
            return channel
        opened = self.slack.conversations_open(users=channel)
        return str(opened["channel"]["id"])

    def _page(self, conversation: str, oldest: str, cursor: str, thread: str | None) -> Any:
        if thread:
            return self.slack.conversations_replies(
                channel=conversation,
                ts=thread,
                oldest=oldest,
                limit=PAGE,
                cursor=cursor or None,
                include_all_metadata=True,
            )
        return self.slack.conversations_history(
            channel=conversation,
            oldest=oldest,
            limit=PAGE,
            cursor=cursor or None,
            include_all_metadata=True,
        )


def slack_code(error: SlackApiError) -> str:
    """Slack's error code; `ratelimited` for a 429, `http_<status>` for a 5xx or no code."""
    status = getattr(error.response, "status_code", None)
    if status == 429:
        return "ratelimited"
    if isinstance(status, int) and status >= 500:
        return f"http_{status}"
    return str(error.response.get("error") or f"http_{status}")


def _key_of(message: Any) -> str | None:
    metadata = message.get("metadata") if isinstance(message, dict) else None
    if not isinstance(metadata, dict) or metadata.get("event_type") != EVENT_TYPE:
        return None
    payload = metadata.get("event_payload")
    return str(payload.get("key")) if isinstance(payload, dict) else None
