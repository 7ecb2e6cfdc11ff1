"""The escalation ladder of an unacknowledged handoff: DM the receiver, nudge in the thread,
then (for unstable patients) tell the whole channel.

Delays count from the post. A bot that was down past several rungs sends only the highest
one that is due, so a restart never bursts three messages at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.shared.rules.ladders import Ladder, Rung


@dataclass(frozen=True)
class Step:
    """What to send now (None: nothing) and when to look again (None: never)."""

    rung: Rung | None
    next_at: datetime | None
    climbed: int  # rungs done after this step


def step(ladder: Ladder, posted_at: datetime, climbed: int, now: datetime) -> Step:
    """The highest rung due at `now` beyond the `climbed` ones already sent, and the next time."""
    due = [i for i, (_, delay) in enumerate(ladder) if i >= climbed and posted_at + delay <= now]
    top = due[-1] if due else None
    done = top + 1 if top is not None else climbed
    next_at = posted_at + ladder[done][1] if done < len(ladder) else None
    return Step(ladder[top][0] if top is not None else None, next_at, done)


def first_at(ladder: Ladder, posted_at: datetime) -> datetime | None:
    """When the first rung is due; None for an empty ladder."""
    return posted_at + ladder[0][1] if ladder else None
