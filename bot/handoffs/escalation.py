"""Reminder kinds of handoffs: the escalation ladder, and action items that come due.

Both read the handoff again when they fire, so an acknowledged handoff or a ticked item
never gets a stale nudge.
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

from bot.handoffs import changes
from bot.handoffs import lists as handoffs
from bot.handoffs.lists import ACTION_DUE, ESCALATION, Handoff, Item
from bot.handoffs.rules.escalation import step
from bot.shared import channel_settings
from bot.shared.commands import Reply
from bot.shared.directory import members_of
from bot.shared.rules.failures import describe
from bot.shared.rules.ladders import Ladder, Rung
from bot.shared.rules.reminders import DueReminder, Outcome, by_team
from bot.shared.rules.severity import Severity

if TYPE_CHECKING:
    from bot.runtime.services import Care

log = logging.getLogger(__name__)

MAX_ROLE_DMS = 15  # a role is a handful of people; a huge group gets the thread nudge instead
# Slack answers that no retry will change: that DM is skipped, the ladder goes on.
UNREACHABLE = frozenset(
    {"user_not_found", "account_inactive", "user_disabled", "cannot_dm_bot", "channel_not_found"}
)
# The same for the channel: the bot was removed, or the channel archived or deleted.
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
    """While a posted handoff waits for its read-back, climb its severity's ladder."""

    name = ESCALATION

    def __init__(self, care: Care, render: RenderNudge) -> None:
        self.care, self.render = care, render

    def fire(self, due: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        found = _load(self.care, due, lambda r: r.subject_ref)
        ladders = _ladders_of(self.care, found.values())
        return [
            _guarded(
                self.name,
                r,
                partial(self._one, r, found.get((r.team_id, r.subject_ref)), ladders, now),
            )
            for r in due
        ]

    def _one(
        self, reminder: DueReminder, handoff: Handoff | None, ladders: Ladders, now: datetime
    ) -> Outcome:
        if handoff is None:
            return Outcome(reminder.id)  # gone: nothing more to say
        if handoff.acknowledged_at is not None or handoff.posted_at is None:
            return Outcome(reminder.id)
        in_channel = ladders.get((handoff.team_id, handoff.channel_id))
        ladder = (in_channel or self.care.settings.handoff_ladders)[handoff.severity]
        next_step = step(ladder, handoff.posted_at, handoff.escalated, now)
        if next_step.rung is None:
            return Outcome(reminder.id, next_at=next_step.next_at)
        waited = int((now - handoff.posted_at).total_seconds() // 60)
        reply = self.render(Nudge(next_step.rung, handoff, waited))
        sent = 0
        slack = self.care.slack
        if next_step.rung is Rung.DM:
            for user in _receivers(self.care, handoff):
                try:
                    slack.chat_postMessage(channel=user, text=reply.text, blocks=reply.blocks)
                    sent += 1
                except SlackApiError as error:
                    code = str(error.response.get("error") or "")
                    if code not in UNREACHABLE:
                        raise
                    log.info("%s escalation DM skipped: %s", handoff.ref, code)
        else:
            thread = handoff.message_ts if next_step.rung is Rung.THREAD else None
            try:
                slack.chat_postMessage(
                    channel=handoff.channel_id,
                    thread_ts=thread,
                    text=reply.text,
                    blocks=reply.blocks,
                )
                sent = 1
            except SlackApiError as error:
                code = str(error.response.get("error") or "")
                if code not in CHANNEL_GONE:
                    raise
                # Retrying cannot help; the next rung (or the DM already sent) still may.
                log.warning("%s escalation in its channel skipped: %s", handoff.ref, code)
        changes.remember_escalated(self.care, handoff, next_step.climbed)
        return Outcome(reminder.id, sent=sent, next_at=next_step.next_at)


def _ladders_of(care: Care, found: Iterable[Handoff]) -> Ladders:
    """The ladders in force in each handoff's channel: one read per workspace in the batch."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for handoff in found:
        wanted[handoff.team_id].add(handoff.channel_id)
    return {
        (team, channel): in_force.handoff_ladders
        for team, channel_ids in wanted.items()
        for channel, in_force in channel_settings.for_channels(care, team, channel_ids).items()
    }


def _receivers(care: Care, handoff: Handoff) -> list[str]:
    if handoff.receiver.user_id:
        return [handoff.receiver.user_id]
    if handoff.receiver.group_id:  # the author may be in the role, but is not its receiver
        members = sorted(members_of(care, handoff.receiver.group_id) - {handoff.author_id})
        return members[:MAX_ROLE_DMS] if len(members) <= MAX_ROLE_DMS else []
    return []


class ActionDue:
    """When an action item with an owner comes due and is still open, DM its owner."""

    name = ACTION_DUE

    def __init__(self, care: Care, render: RenderItem) -> None:
        self.care, self.render = care, render

    def fire(self, due: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        found = _load(self.care, due, _ref_of_item)
        return [
            _guarded(self.name, r, partial(self._one, r, found.get((r.team_id, _ref_of_item(r)))))
            for r in due
        ]

    def _one(self, reminder: DueReminder, handoff: Handoff | None) -> Outcome:
        if handoff is None:
            return Outcome(reminder.id)
        position = reminder.subject_ref.partition("/")[2]
        item = next((i for i in handoff.items if str(i.position) == position), None)
        if item is None or item.done_at is not None or not item.owner:
            return Outcome(reminder.id)
        reply = self.render(handoff, item)
        try:
            self.care.slack.chat_postMessage(
                channel=item.owner, text=reply.text, blocks=reply.blocks
            )
        except SlackApiError as error:
            code = str(error.response.get("error") or "")
            if code in UNREACHABLE:
                log.info("%s action reminder skipped: %s", handoff.ref, code)
                return Outcome(reminder.id)
            raise
        return Outcome(reminder.id, sent=1)


def _ref_of_item(reminder: DueReminder) -> str:
    return reminder.subject_ref.partition("/")[0]  # "H-7/2" -> "H-7"


def _load(
    care: Care, due: Sequence[DueReminder], ref_of: Callable[[DueReminder], str]
) -> dict[tuple[str, str], Handoff]:
    """Every handoff a batch of reminders is about, read once per workspace, not once each."""
    return {
        (team, ref): handoff
        for team, found in by_team(due).items()
        for ref, handoff in handoffs.get_many(
            care, team, {ref_of(r) for r in found}, as_posted=True
        ).items()
    }


def _guarded(kind: str, reminder: DueReminder, fire: Callable[[], Outcome]) -> Outcome:
    """One reminder's outcome; a failure is retried later and never resends the others."""
    try:
        return fire()
    except SlackApiError as error:
        status = getattr(error.response, "status_code", None)
        code = "ratelimited" if status == 429 else error.response.get("error") or f"http_{status}"
        log.warning("%s reminder %d not sent: %s", kind, reminder.id, code)
        return Outcome(reminder.id, error=f"slack_{code}"[:64])
    except Exception as error:
        log.error("%s reminder %d failed: %s", kind, reminder.id, describe(error))
        return Outcome(reminder.id, error="kind_failed")
