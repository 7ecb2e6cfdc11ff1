"""Closing the loop after a read-back: every message that asked for the acknowledgement
(escalation DMs and nudges, the receiver's copy of an unposted card) is redrawn to say who
acknowledged it, so nobody is left with an Acknowledge button that no longer means
anything; then the author gets the read-back by DM. An outbox row written with the
acknowledgement, sent at once and retried by the sweep."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.handoffs.escalation import guarded, load
from bot.handoffs.lists import ACKNOWLEDGED, HandoffReader
from bot.handoffs.rules.records import Handoff
from bot.shared.commands import Reply
from bot.shared.departures import refused_dm
from bot.shared.messages import slack_code
from bot.shared.rules.reminders import DueReminder, Outcome

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.shared.departures import Departures
    from bot.shared.messages import OnceSender

log = logging.getLogger(__name__)

# A message that is gone, or a conversation the bot left, is simply not redrawn.
GONE = frozenset(
    {
        "message_not_found",
        "cant_update_message",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
    }
)


class Acknowledged:
    """The `handoff-acked` kind."""

    name = ACKNOWLEDGED

    def __init__(
        self,
        *,
        slack: WebClient,
        once: OnceSender,
        reader: HandoffReader,
        asks: Callable[[Handoff], Sequence[tuple[str, str]]],
        departures: Departures,
        answered: Callable[[Handoff], Reply],
        read_back: Callable[[Handoff], Reply],
    ) -> None:
        self.slack, self.once, self.reader, self.asks = slack, once, reader, asks
        self.departures, self.answered, self.read_back = departures, answered, read_back

    def fire(self, due: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        found = load(self.reader, due, lambda r: r.subject_ref)
        return [
            guarded(self.name, r, partial(self._one, r, found.get((r.team_id, r.subject_ref)), now))
            for r in due
        ]

    def _one(self, reminder: DueReminder, handoff: Handoff | None, now: datetime) -> Outcome:
        if handoff is None or handoff.acknowledged_by is None:
            return Outcome(reminder.id)
        shown = self.answered(handoff)
        for channel, ts in self.asks(handoff):  # redrawing twice shows the same: safe to retry
            try:
                self.slack.chat_update(channel=channel, ts=ts, text=shown.text, blocks=shown.blocks)
            except SlackApiError as error:
                if slack_code(error) not in GONE:
                    raise
        if handoff.acknowledged_by == handoff.author_id:
            return Outcome(reminder.id)  # they read their own handoff back
        reply = self.read_back(handoff)
        try:
            self.once.post(
                reminder.key,
                channel=handoff.author_id,
                text=reply.text,
                blocks=reply.blocks,
                look_since=reminder.maybe_sent_since,
            )
        except SlackApiError as error:
            code = slack_code(error)
            return refused_dm(self.departures, reminder, handoff.author_id, code, now)
        return Outcome(reminder.id, sent=1)
