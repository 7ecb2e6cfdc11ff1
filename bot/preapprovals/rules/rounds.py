"""The owner's round, decided over plain values: whom to DM, what each DM lists, what comes next.

The executor (bot.preapprovals.reminders) reads the due requests, claims each owner's round,
sends what `dms` planned, and records `nudges_after` and `outcomes`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.preapprovals.rules.timing import Chase, Rounds, next_nudge, urgency_key
from bot.shared.rules.reminders import Outcome

# A DM shows this many requests with buttons (Slack allows 50 blocks); the rest are counted.
SHOWN = 15
# A round sent this long after it was planned says it is a catch-up.
LATE_AFTER = timedelta(hours=1)
# An owner whose round another sweep claimed is looked at again this soon.
CLAIMED_ELSEWHERE = timedelta(minutes=1)


@dataclass(frozen=True)
class Pending:
    """One request due a nudge, as plain values."""

    id: int
    number: int
    owner: str
    chase: Chase
    nudge_at: datetime | None
    zone: ZoneInfo  # of the channel it was opened in: its risk and its rank
    rounds: Rounds  # of that channel: when its next nudge comes


@dataclass(frozen=True)
class OwnerDue:
    """An owner's round reminder, claimed by this sweep."""

    reminder_id: int
    owner: str
    planned_for: datetime  # its next_at: the round's key


@dataclass(frozen=True)
class PlannedDM:
    """One owner's round DM: every due request most urgent first, the first SHOWN listed."""

    owner: str
    key: str
    ranked: tuple[Pending, ...]
    zone: ZoneInfo  # the owner's
    late: bool

    @property
    def shown(self) -> tuple[Pending, ...]:
        return self.ranked[:SHOWN]

    @property
    def more(self) -> int:
        return max(0, len(self.ranked) - SHOWN)


def by_owner(pending: Iterable[Pending]) -> dict[str, list[Pending]]:
    mine: dict[str, list[Pending]] = {}
    for item in pending:
        mine.setdefault(item.owner, []).append(item)
    return mine


def round_keys(owners: Mapping[str, OwnerDue], pending: Sequence[Pending]) -> dict[str, str]:
    """Each owner with something due, and the key of the round that lists it."""
    return {owner: owners[owner].planned_for.isoformat() for owner in by_owner(pending)}


def dms(
    owners: Mapping[str, OwnerDue],
    pending: Sequence[Pending],
    claimed: Collection[str],
    zones: Mapping[str, ZoneInfo],
    now: datetime,
) -> list[PlannedDM]:
    """One DM per owner whose round this sweep claimed; another sweep sends the others."""
    planned = []
    for owner, items in by_owner(pending).items():
        if owner not in claimed:
            continue
        ranked = sorted(items, key=lambda i: urgency_key(i.chase, now, i.zone, i.rounds, i.number))
        due = owners[owner].planned_for
        planned.append(
            PlannedDM(owner, due.isoformat(), tuple(ranked), zones[owner], now - due > LATE_AFTER)
        )
    return planned


def nudges_after(
    dm: PlannedDM, now: datetime
) -> list[tuple[int, datetime | None, datetime | None]]:
    """Once the DM is sent: each request's nudge as it was, and the round that lists it next."""
    return [
        (i.id, i.nudge_at, next_nudge(i.chase, now, dm.zone, i.rounds, nudged=True))
        for i in dm.ranked
    ]


def outcomes(
    owners: Mapping[str, OwnerDue],
    pending: Sequence[Pending],
    claimed: Collection[str],
    moved: Mapping[int, datetime | None],
    later: Mapping[str, datetime],
    failed: Mapping[str, str],
    gone: Collection[str],
    now: datetime,
) -> list[Outcome]:
    """Each owner's round reminder: sent or not, and due again at their earliest next nudge.

    `failed` holds each owner whose DM was not sent, with the outcome's error code; `gone`,
    the owners confirmed to have left, whose work was handed over.
    """
    mine = by_owner(pending)
    found = []
    for owner, reminder in owners.items():
        if owner in failed:
            found.append(Outcome(reminder.reminder_id, error=failed[owner][:64]))
            continue
        if owner in gone:
            found.append(Outcome(reminder.reminder_id))  # their work has a new owner now
            continue
        upcoming = [moved.get(i.id) for i in mine.get(owner, [])]
        if owner in later:
            upcoming.append(later[owner])
        if owner in mine and owner not in claimed:
            upcoming.append(now + CLAIMED_ELSEWHERE)  # the claimer moves them on
        next_at = min((at for at in upcoming if at is not None), default=None)
        sent = 1 if owner in claimed and owner in mine else 0
        found.append(Outcome(reminder.reminder_id, sent=sent, next_at=next_at))
    return found
