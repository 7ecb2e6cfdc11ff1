"""The care team's risk check, decided over plain values: what is at risk, where it is posted,
and when each request's check comes next.

The executor (bot.preapprovals.risk) reads the requests, posts what `posts` planned (falling
back to `per_owner` DMs when the channel is gone) and records `outcomes`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.preapprovals.rules.timing import Chase, Risk, Rounds, next_risk_check, risk, urgency_key
from bot.shared.rules.reminders import Outcome


@dataclass(frozen=True)
class Watched:
    """One request whose risk the care team watches, as plain values."""

    id: int
    ref: str
    number: int
    owner: str
    channel: str | None  # where it was opened; its owner hears when there is none
    chase: Chase
    posted: Risk  # the highest level already told
    zone: ZoneInfo  # its channel's
    rounds: Rounds  # its channel's

    @property
    def target(self) -> str:
        return self.channel or self.owner

    def level(self, now: datetime) -> Risk:
        return risk(self.chase, now, self.zone, self.rounds)


@dataclass(frozen=True)
class PlannedPost:
    """One message: the requests riskier than last told, most urgent first, and their levels."""

    target: str
    ranked: tuple[Watched, ...]
    levels: tuple[Risk, ...]


def posts(watched: Sequence[Watched], now: datetime) -> list[PlannedPost]:
    """One post per channel (or owner) with every request that got riskier since last told."""
    grouped: dict[str, list[Watched]] = {}
    for item in watched:
        if item.level(now) > item.posted:
            grouped.setdefault(item.target, []).append(item)
    planned = []
    for target, items in grouped.items():
        ranked = tuple(
            sorted(items, key=lambda i: urgency_key(i.chase, now, i.zone, i.rounds, i.number))
        )
        planned.append(PlannedPost(target, ranked, tuple(i.level(now) for i in ranked)))
    return planned


def per_owner(post: PlannedPost) -> list[tuple[str, tuple[Watched, ...]]]:
    """The same post as one DM per owner, in the order they first appear."""
    owners = dict.fromkeys(i.owner for i in post.ranked)
    return [(owner, tuple(i for i in post.ranked if i.owner == owner)) for owner in owners]


def outcomes(
    due: Sequence[tuple[int, str]],
    watched: Mapping[str, Watched],
    posted: Mapping[int, Risk],
    failed: Collection[int],
    leads: Collection[int],
    now: datetime,
) -> list[Outcome]:
    """Each request's risk reminder (id, PA-ref): due again at the next step not told yet.

    `leads` are the first request of each message sent: the report counts messages.
    """
    found = []
    for reminder_id, ref in due:
        item = watched.get(ref.upper())
        if item is None:
            found.append(Outcome(reminder_id))
            continue
        if item.id in failed:
            found.append(Outcome(reminder_id, error="slack_post_failed"))
            continue
        level = posted.get(item.id, item.posted)
        next_at = next_risk_check(item.chase, now, item.zone, item.rounds, level)
        found.append(Outcome(reminder_id, sent=1 if item.id in leads else 0, next_at=next_at))
    return found
