"""The reminders a handoff plans when it is written or edited: its escalation, its items."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.handoffs.lists import ACTION_DUE, ESCALATION
from bot.handoffs.rules.records import Handoff, Item, item_subject
from bot.shared.rules.ladders import Ladder
from storage import reminders

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def plan_items(session: Session, handoff: Handoff, items: tuple[Item, ...], now: datetime) -> None:
    """Remind each open item's owner when it is due; an item done or without both, never."""
    for item in items:
        subject = item_subject(handoff.ref, item.position)
        if item.owner and item.due and item.done_at is None:
            reminders.schedule(
                session, handoff.team_id, ACTION_DUE, subject, max(item.due, now), now=now
            )
        else:
            reminders.cancel(session, handoff.team_id, ACTION_DUE, subject, now=now)


def as_typed(
    position: int, text: str, owner: str | None, due: datetime | None
) -> tuple[int, str, str | None, datetime | None]:
    """An action item as the edit form writes it back: its due time to the minute."""
    return position, text, owner, due.replace(second=0, microsecond=0) if due else None


def retime_escalation(session: Session, handoff: Handoff, ladder: Ladder, now: datetime) -> None:
    """A new severity climbs its own ladder from when the handoff was written, past the rungs
    already sent."""
    if handoff.escalated >= len(ladder):
        reminders.cancel(session, handoff.team_id, ESCALATION, handoff.ref, now=now)
        return
    due = max(handoff.written_at + ladder[handoff.escalated][1], now)
    reminders.schedule(session, handoff.team_id, ESCALATION, handoff.ref, due, now=now)
