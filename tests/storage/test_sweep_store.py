"""The core's sweep end to end on the SQL store, with a kind that records what it sent."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.shared.rules.reminders import LEASE, DueReminder, Lease, Outcome, ReminderKind, sweep
from storage import Database, reminders
from storage.reminders import SqlReminderStore
from tests.storage.concurrency import together

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DAY = timedelta(days=1)


@dataclass
class FakeNag:
    """A reminder kind that 'sends' by appending to `sent`; it can be told to fail first."""

    name: str = "preauth.nag"
    every: timedelta | None = DAY
    failures: int = 0
    sent: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fire(self, due: Sequence[DueReminder], now: datetime) -> Iterable[Outcome]:
        with self.lock:
            if self.failures:
                self.failures -= 1
                raise RuntimeError("Slack is down")
            self.sent.extend(reminder.subject_ref for reminder in due)
        next_at = None if self.every is None else now + self.every
        return [Outcome(reminder.id, sent=1, next_at=next_at) for reminder in due]


def plan(db: Database, kind: str, *subject_refs: str, at: datetime = T0) -> None:
    with db.session() as session:
        for subject_ref in subject_refs:
            reminders.schedule(session, "T1", kind, subject_ref, at, now=T0)


def next_at(db: Database, kind: str, subject_ref: str) -> datetime | None:
    with db.session() as session:
        row = reminders.get(session, "T1", kind, subject_ref)
    assert row is not None
    return row.next_at


def run(db: Database, kinds: Sequence[ReminderKind], now: datetime) -> list[str]:
    return sweep(SqlReminderStore(db), {kind.name: kind for kind in kinds}, now).lines()


def test_due_reminders_fire_once_and_move_on(db: Database) -> None:
    nag = FakeNag()
    plan(db, nag.name, "PA-1", "PA-2")
    plan(db, nag.name, "PA-3", at=T0 + timedelta(hours=1))

    assert run(db, [nag], T0) == ["preauth.nag: 2 sent for 2 reminder(s)"]
    assert run(db, [nag], T0 + timedelta(minutes=30)) == ["nothing due"]

    assert sorted(nag.sent) == ["PA-1", "PA-2"]
    assert next_at(db, nag.name, "PA-1") == T0 + DAY
    assert next_at(db, nag.name, "PA-3") == T0 + timedelta(hours=1)


def test_a_kind_that_is_done_finishes_its_reminders(db: Database) -> None:
    once = FakeNag(name="handoff.ack", every=None)
    plan(db, once.name, "H-1")

    run(db, [once], T0)

    assert next_at(db, once.name, "H-1") is None
    assert run(db, [once], T0 + 10 * DAY) == ["nothing due"]
    assert once.sent == ["H-1"]


def test_a_kind_that_raises_is_retried_later_and_further_apart(db: Database) -> None:
    flaky = FakeNag(failures=2)
    plan(db, flaky.name, "PA-1")

    assert run(db, [flaky], T0) == ["preauth.nag: 0 sent for 1 reminder(s), 1 failed (will retry)"]
    first_retry = next_at(db, flaky.name, "PA-1")
    assert first_retry == T0 + timedelta(minutes=1)
    run(db, [flaky], first_retry)
    second_retry = next_at(db, flaky.name, "PA-1")
    assert second_retry == first_retry + timedelta(minutes=5)

    assert run(db, [flaky], second_retry - timedelta(seconds=1)) == ["nothing due"]
    assert run(db, [flaky], second_retry) == ["preauth.nag: 1 sent for 1 reminder(s)"]
    assert flaky.sent == ["PA-1"]
    with db.session() as session:
        row = reminders.get(session, "T1", flaky.name, "PA-1")
        assert row is not None and (row.attempts, row.last_error) == (0, None)


def test_a_lease_left_by_a_dead_process_is_fired_after_it_runs_out(db: Database) -> None:
    nag = FakeNag()
    plan(db, nag.name, "PA-1")
    SqlReminderStore(db).claim_due(T0, Lease("died-mid-sweep", T0 + LEASE, T0), 10)

    assert run(db, [nag], T0 + timedelta(minutes=1)) == ["nothing due"]
    after = T0 + LEASE + timedelta(seconds=1)
    assert run(db, [nag], after) == ["preauth.nag: 1 sent for 1 reminder(s)"]

    assert nag.sent == ["PA-1"]
    assert next_at(db, nag.name, "PA-1") == after + DAY


def test_two_racing_sweeps_send_each_reminder_exactly_once(db: Database) -> None:
    nag = FakeNag()
    subjects = [f"PA-{n}" for n in range(1, 201)]
    plan(db, nag.name, *subjects)
    store = SqlReminderStore(db)

    reports = together(2, lambda _: sweep(store, {nag.name: nag}, T0, batch=15))

    assert Counter(nag.sent) == Counter(subjects)
    assert sum(report.sent for report in reports) == 200
    assert run(db, [nag], T0 + timedelta(hours=1)) == ["nothing due"]
