"""One reminder pass: every feature's due rows, then the housekeeping of short-lived rows."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Protocol

from bot.shared.rules.clock import Clock
from bot.shared.rules.failures import describe
from bot.shared.rules.reminders import (
    DueReminder,
    KindReport,
    Outcome,
    ReminderKind,
    SweepReport,
    by_team,
    fire_now,
    retry_at,
    sweep,
)
from storage import Database, dedup, drafts, reminders
from storage.reminders import SqlReminderStore

# Slack retries an event for about 5 minutes and a double click lands within seconds;
# a week of keys is ample and keeps the table small.
KEEP_KEYS = timedelta(days=7)
KEEP_DRAFTS = timedelta(days=1)

log = logging.getLogger(__name__)

# Binds the workspace whose token Slack calls go with (many workspaces), around its reminders.
Bind = Callable[[str], AbstractContextManager[None]]


class TeamBound:
    """A reminder kind fired one workspace at a time, each inside its own binding: a record's
    reminder goes with its own workspace's token, never another's; a workspace whose token
    is gone fails alone, to be retried, while the others are sent."""

    def __init__(self, kind: ReminderKind, bind: Bind) -> None:
        self.kind, self.bind = kind, bind
        self.name = kind.name

    def fire(self, due: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for team, found in by_team(due).items():
            try:
                with self.bind(team):
                    outcomes.extend(self.kind.fire(found, now))
            except Exception as error:
                log.error(
                    "reminder kind %r failed in workspace %s: %s", self.name, team, describe(error)
                )
                outcomes.extend(
                    Outcome(r.id, error="workspace_failed", next_at=retry_at(now, r.attempts))
                    for r in found
                )
        return outcomes


def bound_kinds(kinds: Mapping[str, ReminderKind], bind: Bind | None) -> Mapping[str, ReminderKind]:
    return kinds if bind is None else {name: TeamBound(k, bind) for name, k in kinds.items()}


class ReminderKinds(dict[str, ReminderKind]):
    """The reminder kinds features registered, by name; the sweep hands each its due rows."""

    def add(self, kind: ReminderKind) -> None:
        if kind.name in self:
            raise ValueError(f"reminder kind {kind.name!r} is registered twice")
        self[kind.name] = kind


class ReminderCounts(Protocol):
    """Where the sweep and the outbox count what they did (the runtime's metrics)."""

    def sweep_ran(self, succeeded: bool) -> None: ...

    def reminders_handled(self, via: str, kind: str, tally: KindReport) -> None: ...


class Sweeper:
    """Runs the sweep over the reminder kinds features registered; safe in several processes."""

    def __init__(
        self,
        db: Database,
        kinds: Mapping[str, ReminderKind],
        clock: Clock,
        wall: Clock,
        counts: ReminderCounts | None = None,
        bind: Bind | None = None,
    ) -> None:
        self.db, self.kinds, self.clock, self.wall = db, kinds, clock, wall
        self.counts, self.bind = counts, bind

    def sweep(self, at: datetime | None = None) -> SweepReport:
        """One reminder pass as of `at` (default now)."""
        now = at or self.clock.now()
        kinds = bound_kinds(self.kinds, self.bind)
        try:
            report = sweep(SqlReminderStore(self.db), kinds, now, wall=self.wall.now)
            with self.db.session() as session:
                dedup.purge_older_than(session, self.wall.now() - KEEP_KEYS)
                # Unconfirmed previews hold names and notes: keep them no longer than needed.
                drafts.purge_older_than(session, self.wall.now() - KEEP_DRAFTS)
        except Exception:
            if self.counts is not None:
                self.counts.sweep_ran(succeeded=False)
            raise
        if self.counts is not None:
            self.counts.sweep_ran(succeeded=True)
            for name, tally in report.kinds.items():
                self.counts.reminders_handled("sweep", _known(name, self.kinds), tally)
        return report

    def overdue_seconds(self) -> float:
        """How long the oldest due reminder has waited past its time; 0 when none waits."""
        with self.db.session(read_only=True, max_wait_s=2) as session:
            oldest = reminders.oldest_due(session)
        if oldest is None:
            return 0.0
        return max(0.0, (self.clock.now() - oldest).total_seconds())


class Outbox:
    """What a write must tell Slack is a reminder row due now, committed with the write; this
    sends it at once, and the sweep retries it if Slack failed or the process died."""

    def __init__(
        self,
        db: Database,
        kinds: Mapping[str, ReminderKind],
        clock: Clock,
        wall: Clock,
        counts: ReminderCounts | None = None,
        bind: Bind | None = None,
    ) -> None:
        self.db, self.kinds, self.clock, self.wall = db, kinds, clock, wall
        self.counts, self.bind = counts, bind

    def send_now(self, team_id: str, kind: str, subject_ref: str) -> Outcome | None:
        """Send this row now; None when it is not due or another sender holds it."""
        store = SqlReminderStore(self.db)
        now = self.clock.now()
        tally = KindReport()
        kinds = bound_kinds(self.kinds, self.bind)
        outcome = fire_now(
            store, kinds, team_id, kind, subject_ref, now, wall=self.wall.now, tally=tally
        )
        if outcome is not None and self.counts is not None:
            self.counts.reminders_handled("outbox", _known(kind, self.kinds), tally)
        return outcome


class Dedup:
    """Keys of requests already handled: a retried event or a double click is seen twice."""

    def __init__(self, db: Database, wall: Clock) -> None:
        self.db, self.wall = db, wall

    def first_time(self, team_id: str, key: str) -> bool:
        """True only the first time a request key is seen: retries and double clicks get False."""
        return dedup.first_time(self.db, team_id, key, self.wall.now())


def _known(kind: str, kinds: Mapping[str, ReminderKind]) -> str:
    """A reminder kind as a metric label: a registered one, or "unknown" (a bounded set)."""
    return kind if kind in kinds else "unknown"
