"""Delivering a handoff's card: the outbox row written with the handoff, sent at once and
retried by the sweep until Slack takes it.

What a person must hear never waits for the channel: when the first post fails, the
receiver gets the card by DM (with its Acknowledge button), and the author hears what
happened, from the listener at once or, after a crash or once a retry lands, by DM.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.handoffs.escalation import guarded, load
from bot.handoffs.lists import DELIVER, HandoffReader
from bot.handoffs.rules.escalation import dm_receivers
from bot.handoffs.rules.records import Handoff
from bot.shared.commands import Reply
from bot.shared.departures import REFUSALS
from bot.shared.messages import Sent, slack_code
from bot.shared.rules.reminders import DueReminder, Outcome

if TYPE_CHECKING:
    from bot.handoffs.access import HandoffAccess
    from bot.handoffs.changes import HandoffChanges
    from bot.shared.messages import OnceSender

log = logging.getLogger(__name__)

# The channel will not take the card until a person acts (invites the bot, picks another
# channel): retrying cannot help, so the author gets "Post it again" instead.
NEEDS_A_PERSON = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


@dataclass(frozen=True)
class DeliveryNotes:
    """What the delivery says, drawn by the handlers: the card, the receiver's copy when the
    channel did not take it, and the author's news (None: it is posted now)."""

    card: Callable[[Handoff], Reply]
    to_receiver: Callable[[Handoff, str], Reply]
    to_author: Callable[[Handoff, str | None], Reply]


class Delivery:
    """The `handoff-deliver` kind: post the card; on failure, tell the people who must know."""

    name = DELIVER

    def __init__(
        self,
        *,
        once: OnceSender,
        reader: HandoffReader,
        changes: HandoffChanges,
        who: HandoffAccess,
        notes: DeliveryNotes,
    ) -> None:
        self.once, self.reader, self.changes, self.who = once, reader, changes, who
        self.notes = notes

    def fire(self, due: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        found = load(self.reader, due, lambda r: r.subject_ref)
        return [
            guarded(self.name, r, partial(self._one, r, found.get((r.team_id, r.subject_ref))))
            for r in due
        ]

    def _one(self, reminder: DueReminder, handoff: Handoff | None) -> Outcome:
        if handoff is None or handoff.message_ts:
            return Outcome(reminder.id)  # gone, or posted already (a second Post it again)
        # The listener that wrote it answers its author on the first try; after a crash, or
        # once an earlier try failed, nobody else will.
        unheard = reminder.attempts > 0 or reminder.maybe_sent_since is not None
        shown = self.notes.card(handoff)
        try:
            sent = self.once.post(
                reminder.key,
                channel=handoff.channel_id,
                text=shown.text,
                blocks=shown.blocks,
                look_since=reminder.maybe_sent_since,
            )
        except SlackApiError as error:
            return self._not_taken(reminder, handoff, slack_code(error), unheard)
        posted = self.changes.record_posted(handoff, sent.ts)
        if unheard:
            self._dm(reminder, "author", handoff.author_id, self.notes.to_author(posted, None))
        return Outcome(reminder.id, sent=1)

    def _not_taken(
        self, reminder: DueReminder, handoff: Handoff, code: str, unheard: bool
    ) -> Outcome:
        log.warning("%s card not posted: %s", handoff.ref, code)
        if reminder.attempts == 0:  # the first failure: the receiver must not wait for it
            note = self.notes.to_receiver(handoff, code)
            role = self.who.role_members(handoff.receiver)
            copies = [
                self._dm(reminder, f"to:{user}", user, note)
                for user in dm_receivers(handoff.receiver, handoff.author_id, role)
            ]
            # Each copy carries Acknowledge: redrawn once someone reads it back.
            self.changes.remember_asks(handoff, [c for c in copies if c is not None])
        gives_up = code in NEEDS_A_PERSON
        if unheard and (gives_up or reminder.attempts == 0):
            self._dm(reminder, "author", handoff.author_id, self.notes.to_author(handoff, code))
        return Outcome(reminder.id, error=code[:64], give_up=gives_up)

    def _dm(self, reminder: DueReminder, part: str, user: str, reply: Reply) -> Sent | None:
        try:
            return self.once.post(
                f"{reminder.key}:{part}",
                channel=user,
                text=reply.text,
                blocks=reply.blocks,
                look_since=reminder.maybe_sent_since,
            )
        except SlackApiError as error:  # the card's own retry must not wait on a DM
            code = slack_code(error)
            level = logging.INFO if code in REFUSALS else logging.WARNING
            log.log(level, "a handoff delivery DM was not sent: %s", code)
            return None
