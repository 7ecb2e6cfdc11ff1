"""One reminder pass: every feature's due rows, then the housekeeping of short-lived rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.shared.rules.clock import Clock
from bot.shared.rules.reminders import Outcome, ReminderKind, SweepReport, fire_now, sweep
from storage import Database, dedup, drafts
from storage.reminders import SqlReminderStore

# Slack retries an event for about 5 minutes and a double click lands within seconds;
# a week of keys is ample and keeps the table small.
KEEP_KEYS = timedelta(days=7)
KEEP_DRAFTS = timedelta(days=1)


class ReminderKinds(dict[str, ReminderKind]):
    """The reminder kinds features registered, by name; the sweep hands each its due rows."""

    def add(self, kind: ReminderKind) -> None:
        if kind.name in self:
            raise ValueError(f"reminder kind {kind.name!r} is registered twice")
        self[kind.name] = kind


class Sweeper:
    """Runs the sweep over the reminder kinds features registered; safe in several processes."""

    def __init__(
        self, db: Database, kinds: Mapping[str, ReminderKind], clock: Clock, wall: Clock
    ) -> None:
        self.db, self.kinds, self.clock, self.wall = db, kinds, clock, wall

    def sweep(self, at: datetime | None = None) -> SweepReport:
        """One reminder pass as of `at` (default now)."""
        now = at or self.clock.now()
        report = sweep(SqlReminderStore(self.db), self.kinds, now, wall=self.wall.now)
        with self.db.session() as session:
            dedup.purge_older_than(session, self.wall.now() - KEEP_KEYS)
            # Unconfirmed previews hold names and notes: keep them no longer than needed.
            drafts.purge_older_than(session, self.wall.now() - KEEP_DRAFTS)
        return report


class Outbox:
    """What a write must tell Slack is a reminder row due now, committed with the write; this
    sends it at once, and the sweep retries it if Slack failed or the process died."""

    def __init__(
        self, db: Database, kinds: Mapping[str, ReminderKind], clock: Clock, wall: Clock
    ) -> None:
        self.db, self.kinds, self.clock, self.wall = db, kinds, clock, wall

    def send_now(self, team_id: str, kind: str, subject_ref: str) -> Outcome | None:
        """Send this row now; None when it is not due or another sender holds it."""
        store = SqlReminderStore(self.db)
        now = self.clock.now()
        return fire_now(store, self.kinds, team_id, kind, subject_ref, now, wall=self.wall.now)


class Dedup:
    """Keys of requests already handled: a retried event or a double click is seen twice."""

    def __init__(self, db: Database, wall: Clock) -> None:
        self.db, self.wall = db, wall

    def first_time(self, team_id: str, key: str) -> bool:
        """True only the first time a request key is seen: retries and double clicks get False."""
        return dedup.first_time(self.db, team_id, key, self.wall.now())
