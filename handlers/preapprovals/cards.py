"""Keeping every message that shows a pre-approval in step with how it stands now."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.preapprovals.lists import messages_showing
from bot.preapprovals.opening import Item
from handlers.preapprovals.views import redraw

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.runtime.services import Care

log = logging.getLogger(__name__)


def refresh(care: Care, client: WebClient, team_id: str, item: Item) -> int:
    """Redraw, in place, the round DMs and risk posts that showed this request; how many."""
    updated = 0
    for shown in messages_showing(care, team_id, item.id):
        reply = redraw(shown.kind, list(shown.items), care.settings.timezone, None)
        try:
            client.chat_update(
                channel=shown.channel, ts=shown.ts, text=reply.text, blocks=reply.blocks
            )
            updated += 1
        except SlackApiError as error:
            log.warning(
                "could not redraw a message showing %s: %s", item.ref, error.response.get("error")
            )
    return updated
