"""The escalation ladder of an unacknowledged handoff: DM the receiver, nudge in the thread,
then (for unstable patients) tell the whole channel; and the action items that come due.

Delays count from when the handoff was written: a card Slack was slow to take (or never
took) does not hold back the receiver's DM. A bot that was down past several rungs sends
only the highest one that is due, so a restart never bursts three messages at once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from bot.handoffs.rules.handoff import Receiver
from bot.handoffs.rules.records import Handoff, Item
from bot.shared.rules.ladders import Ladder, Rung

MAX_ROLE_DMS = 15  # a role is a handful of people; a huge group gets the thread nudge instead


@dataclass(frozen=True)
class Step:
    """What to send now (None: nothing) and when to look again (None: never)."""

    rung: Rung | None
    next_at: datetime | None
    climbed: int  # rungs done after this step


def step(ladder: Ladder, written_at: datetime, climbed: int, now: datetime) -> Step:
    """The highest rung due at `now` beyond the `climbed` ones already sent, and the next time."""
    due = [i for i, (_, delay) in enumerate(ladder) if i >= climbed and written_at + delay <= now]
    top = due[-1] if due else None
    done = top + 1 if top is not None else climbed
    next_at = written_at + ladder[done][1] if done < len(ladder) else None
    return Step(ladder[top][0] if top is not None else None, next_at, done)


def first_at(ladder: Ladder, written_at: datetime) -> datetime | None:
    """When the first rung is due; None for an empty ladder."""
    return written_at + ladder[0][1] if ladder else None


def escalation_step(handoff: Handoff | None, ladder: Ladder, now: datetime) -> Step | None:
    """This handoff's step on its ladder now; None when it waits for nobody (gone or
    acknowledged) and the reminder stops."""
    if handoff is None or handoff.acknowledged_at is not None:
        return None
    return step(ladder, handoff.written_at, handoff.escalated, now)


def in_thread(rung: Rung, handoff: Handoff) -> Rung:
    """The rung as it can be sent: a thread nudge under a card Slack never took is a DM."""
    return Rung.DM if rung is Rung.THREAD and not handoff.message_ts else rung


def waited_minutes(handoff: Handoff, now: datetime) -> int:
    """Whole minutes since the handoff was written."""
    return max(0, int((now - handoff.written_at).total_seconds() // 60))


def dm_receivers(receiver: Receiver, author_id: str, role_members: Collection[str]) -> list[str]:
    """Whom the DM rung writes to: the receiver, or the role's members (not the author, who
    may be in the role but is not its receiver); nobody for a role too big to DM, or for
    "anyone on the team"."""
    if receiver.user_id:
        return [receiver.user_id]
    if receiver.group_id:
        members = sorted(set(role_members) - {author_id})
        return members if len(members) <= MAX_ROLE_DMS else []
    return []


def item_due(handoff: Handoff | None, position: int | None) -> Item | None:
    """The action item whose owner should hear it is due now; None when it is gone, done or
    has nobody to tell."""
    if handoff is None or position is None:
        return None
    item = handoff.item(position)
    if item is None or item.done_at is not None or not item.owner:
        return None
    return item
