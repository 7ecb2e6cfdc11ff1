"""Keeping every message that shows a pre-approval in step with how it stands now."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.shared.rules.refusals import Refused
from handlers.preapprovals.views import redraw

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.preapprovals.items import Item
    from bot.preapprovals.lists import Lists

log = logging.getLogger(__name__)


class Cards:
    """Redraws, in place, the round DMs and risk posts that showed a request."""

    def __init__(self, *, lists: Lists) -> None:
        self.lists = lists

    def refresh(self, client: WebClient, team_id: str, item: Item) -> int:
        """Redraw what showed this request, as it stands now; how many messages."""
        updated = 0
        for shown in self.lists.messages_showing(team_id, item):
            reply = redraw(shown.kind, list(shown.items), shown.zone, None)
            try:
                client.chat_update(
                    channel=shown.channel, ts=shown.ts, text=reply.text, blocks=reply.blocks
                )
                updated += 1
            except SlackApiError as error:
                log.warning(
                    "could not redraw a message showing %s: %s",
                    item.ref,
                    error.response.get("error"),
                )
        return updated

    def refresh_ref(self, client: WebClient, team_id: str, ref: str) -> None:
        """After a refused change: redraw what shows the request, if there is one."""
        try:
            item = self.lists.current(team_id, ref)
        except Refused:  # no such request: nothing to redraw
            return
        self.refresh(client, team_id, item)
