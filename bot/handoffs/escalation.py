"""Reminder kinds of handoffs: the escalation ladder, and action items that come due.

Both read the handoff again when they fire, so an acknowledged handoff or a ticked item
never gets a stale nudge. What to do is decided in bot.handoffs.rules.escalation; these
executors only read, send and record.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.handoffs.lists import ACTION_DUE, ESCALATION, HandoffReader
from bot.handoffs.rules.escalation import (
    dm_receivers,
    escalation_step,
    in_thread,
    item_due,
    waited_minutes,
)
from bot.handoffs.rules.records import Handoff, Item, item_of_subject
from bot.shared.commands import Reply
from bot.shared.departures import REFUSALS, RefusalUnconfirmed
from bot.shared.messages import Sent, slack_code
from bot.shared.rules.failures import describe
from bot.shared.rules.ladders import Ladder, Rung
from bot.shared.rules.reminders import DueReminder, Outcome, by_team, retry_at, unconfirmed
from bot.shared.rules.severity import Severity

if TYPE_CHECKING:
    from bot.handoffs.access import HandoffAccess
    from bot.handoffs.changes import HandoffChanges
    from bot.shared.channel_settings import SettingsResolver
    from bot.shared.departures import Departures
    from bot.shared.messages import OnceSender

log = logging.getLogger(__name__)

# Slack answers that no retry will change for the channel: the bot removed, or it is archived.
CHANNEL_GONE = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "thread_not_found", "message_not_found"}
)


@dataclass(frozen=True)
class Nudge:
    """One escalation message: which rung, about which handoff, how long it has waited."""

    rung: Rung
    handoff: Handoff
    waited_minutes: int


RenderNudge = Callable[[Nudge], Reply]
RenderItem = Callable[[Handoff, Item], Reply]
Ladders = Mapping[tuple[str, str], Mapping[Severity, Ladder]]  # per (team, channel)


class Escalation:
    """While a posted handoff waits for its read-back, climb its channel's ladder for its
    severity."""

    name = ESCALATION

    def __init__(
        self,
        *,
        once: OnceSender,
        reader: HandoffReader,
        changes: HandoffChanges,
        who: HandoffAccess,
        in_force: SettingsResolver,
        render: RenderNudge,
        departures: Departures,
    ) -> None:
        self.once, self.reader, self.changes, self.who = once, reader, changes, who
        self.in_force, self.render, self.departures = in_force, render, departures

    def fire(self, due: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        found = load(self.reader, due, lambda r: r.subject_ref)
        ladders = self._ladders_of(found.values())
        return [
            guarded(
                self.name,
                r,
                partial(self._one, r, found.get((r.team_id, r.subject_ref)), ladders, now),
            )
            for r in due
        ]

    def _one(
        self, reminder: DueReminder, handoff: Handoff | None, ladders: Ladders, now: datetime
    ) -> Outcome:
        ladder = ladders[(handoff.team_id, handoff.channel_id)][handoff.severity] if handoff else ()
        next_step = escalation_step(handoff, ladder, now)
        if handoff is None or next_step is None:
            return Outcome(reminder.id)  # gone or acknowledged: nothing to say
        if next_step.rung is None:
            return Outcome(reminder.id, next_at=next_step.next_at)
        rung = in_thread(next_step.rung, handoff)
        reply = self.render(Nudge(rung, handoff, waited_minutes(handoff, now)))
        try:
            if rung is Rung.DM:
                # A role Slack could not read now is not an empty role: that raises, and waits.
                role = self.who.role_members(handoff.receiver, strict=True)
                users = dm_receivers(handoff.receiver, handoff.author_id, role)
                asks = self._dm(reminder, handoff, users, reply, now)
            else:
                asks = self._post(reminder, handoff, rung, reply)
        except (SlackApiError, RefusalUnconfirmed) as error:
            # Tried again soon, and never later than the next rung, which still climbs.
            again = retry_at(now, reminder.attempts)
            if next_step.next_at is not None:
                again = min(again, next_step.next_at)
            log.warning("%s escalation not sent: %s", handoff.ref, _code(error))
            return Outcome(reminder.id, error=_code(error), next_at=again)
        # Where it asked for the read-back: redrawn once the handoff is acknowledged.
        self.changes.remember_escalated(handoff, next_step.climbed, asks)
        return Outcome(reminder.id, sent=len(asks), next_at=next_step.next_at)

    def _dm(
        self,
        reminder: DueReminder,
        handoff: Handoff,
        users: Sequence[str],
        reply: Reply,
        now: datetime,
    ) -> list[Sent]:
        """DM each receiver; someone who left is skipped, a refusal of someone still here waits
        for the next try unless the rung reached somebody else of the role."""
        sent: list[Sent] = []
        refused = ""
        for user in users:
            try:
                found = self.once.post(
                    f"{reminder.key}:{user}",
                    channel=user,
                    text=reply.text,
                    blocks=reply.blocks,
                    look_since=reminder.maybe_sent_since,
                )
                sent.append(found)
            except SlackApiError as error:
                code = str(error.response.get("error") or "")
                if code not in REFUSALS:
                    raise
                if self.departures.has_left(handoff.team_id, user, code, now):
                    log.info("%s escalation DM skipped: %s, and the person left", handoff.ref, code)
                else:
                    refused = code
        if refused and not sent:
            raise RefusalUnconfirmed(refused)
        if refused:
            log.warning("%s escalation DM refused (%s) for a role member", handoff.ref, refused)
        return sent

    def _post(
        self, reminder: DueReminder, handoff: Handoff, rung: Rung, reply: Reply
    ) -> list[Sent]:
        thread = handoff.message_ts if rung is Rung.THREAD else None
        try:
            posted = self.once.post(
                reminder.key,
                channel=handoff.channel_id,
                thread_ts=thread,
                text=reply.text,
                blocks=reply.blocks,
                look_since=reminder.maybe_sent_since,
            )
        except SlackApiError as error:
            code = str(error.response.get("error") or "")
            if code not in CHANNEL_GONE:
                raise
            # Retrying cannot help; the next rung (or the DM already sent) still may.
            log.warning("%s escalation in its channel skipped: %s", handoff.ref, code)
            return []
        return [posted]

    def _ladders_of(self, found: Iterable[Handoff]) -> Ladders:
        """The ladders in force in each handoff's channel: one read per workspace in the batch."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for handoff in found:
            wanted[handoff.team_id].add(handoff.channel_id)
        return {
            (team, channel): in_force.handoff_ladders
            for team, channel_ids in wanted.items()
            for channel, in_force in self.in_force.for_channels(team, channel_ids).items()
        }


class ActionDue:
    """When an action item with an owner comes due and is still open, DM its owner."""

    name = ACTION_DUE

    def __init__(
        self, *, once: OnceSender, reader: HandoffReader, render: RenderItem, departures: Departures
    ) -> None:
        self.once, self.reader, self.render = once, reader, render
        self.departures = departures

    def fire(self, due: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        found = load(self.reader, due, _ref_of_item)
        return [
            guarded(
                self.name, r, partial(self._one, r, found.get((r.team_id, _ref_of_item(r))), now)
            )
            for r in due
        ]

    def _one(self, reminder: DueReminder, handoff: Handoff | None, now: datetime) -> Outcome:
        item = item_due(handoff, item_of_subject(reminder.subject_ref)[1])
        if handoff is None or item is None or not item.owner:
            return Outcome(reminder.id)
        reply = self.render(handoff, item)
        try:
            self.once.post(
                reminder.key,
                channel=item.owner,
                text=reply.text,
                blocks=reply.blocks,
                look_since=reminder.maybe_sent_since,
            )
        except SlackApiError as error:
            code = str(error.response.get("error") or "")
            if code not in REFUSALS:
                raise
            if self.departures.has_left(handoff.team_id, item.owner, code, now):
                log.info("%s action reminder skipped: %s, and the owner left", handoff.ref, code)
                return Outcome(reminder.id)
            raise RefusalUnconfirmed(code) from None
        return Outcome(reminder.id, sent=1)


def _ref_of_item(reminder: DueReminder) -> str:
    return item_of_subject(reminder.subject_ref)[0]  # "H-7/2" -> "H-7"


def load(
    reader: HandoffReader, due: Sequence[DueReminder], ref_of: Callable[[DueReminder], str]
) -> dict[tuple[str, str], Handoff]:
    """Every handoff a batch of reminders is about, read once per workspace, not once each."""
    return {
        (team, ref): handoff
        for team, found in by_team(due).items()
        for ref, handoff in reader.get_many(team, {ref_of(r) for r in found}).items()
    }


def _code(error: SlackApiError | RefusalUnconfirmed) -> str:
    """A short code for the reminder row, never the message it was sending."""
    if isinstance(error, RefusalUnconfirmed):
        return unconfirmed(error.code)
    return f"slack_{slack_code(error)}"[:64]


def guarded(kind: str, reminder: DueReminder, fire: Callable[[], Outcome]) -> Outcome:
    """One reminder's outcome; a failure is retried later and never resends the others."""
    try:
        return fire()
    except (SlackApiError, RefusalUnconfirmed) as error:
        log.warning("%s reminder %d not sent: %s", kind, reminder.id, _code(error))
        return Outcome(reminder.id, error=_code(error))
    except Exception as error:
        log.error("%s reminder %d failed: %s", kind, reminder.id, describe(error))
        return Outcome(reminder.id, error="kind_failed")
