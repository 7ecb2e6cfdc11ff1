"""The sweep's rules, with an in-memory store and a reminder kind that records what it sent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.shared.rules.reminders import LEASE, DueReminder, Lease, Outcome, by_team, retry_at, sweep

NOW = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Row:
    reminder: DueReminder
    lease_owner: str | None = None
    lease_until: datetime | None = None
    last_error: str | None = None


class FakeStore:
    """Keeps reminder rows in a dict and leases them as the SQL store does."""

    def __init__(self) -> None:
        self.rows: dict[int, Row] = {}

    def add(self, id: int, next_at: datetime, kind: str = "nudge", subject: str = "X-1") -> None:
        self.rows[id] = Row(DueReminder(id, "T1", kind, subject, next_at, 0, {}))

    def claim_due(self, now: datetime, lease: Lease, limit: int) -> list[DueReminder]:
        due = sorted(
            (
                row
                for row in self.rows.values()
                if row.reminder.next_at is not None
                and row.reminder.next_at <= now
                and (row.lease_until is None or row.lease_until < now)
            ),
            key=lambda row: row.reminder.next_at,
        )[:limit]
        for row in due:
            row.lease_owner, row.lease_until = lease.owner, lease.until
        return [row.reminder for row in due]

    def claim_one(
        self, team_id: str, kind: str, subject_ref: str, now: datetime, lease: Lease
    ) -> DueReminder | None:
        for row in self.rows.values():
            due = row.reminder
            if (due.team_id, due.kind, due.subject_ref) != (team_id, kind, subject_ref):
                continue
            if due.next_at is None or due.next_at > now:
                return None
            if row.lease_until is not None and row.lease_until >= now:
                return None
            row.lease_owner, row.lease_until = lease.owner, lease.until
            return due
        return None

    def record(self, outcomes: Sequence[Outcome], owner: str, now: datetime) -> None:
        for outcome in outcomes:
            row = self.rows[outcome.reminder_id]
            if row.lease_owner != owner:
                continue
            attempts = row.reminder.attempts + 1 if outcome.error else 0
            row.reminder = replace(row.reminder, next_at=outcome.next_at, attempts=attempts)  # type: ignore[arg-type]
            row.lease_owner = row.lease_until = None
            row.last_error = outcome.error


@dataclass
class Nudge:
    """A reminder kind that 'sends' one message per reminder and is done, or repeats daily."""

    name: str = "nudge"
    repeat: timedelta | None = None
    sent: list[str] = field(default_factory=list)

    def fire(self, due: Sequence[DueReminder], now: datetime) -> Iterable[Outcome]:
        for reminder in due:
            self.sent.append(reminder.subject_ref)
            yield Outcome(reminder.id, sent=1, next_at=now + self.repeat if self.repeat else None)


class Broken:
    name = "broken"

    def fire(self, due: Sequence[DueReminder], now: datetime) -> Iterable[Outcome]:
        raise RuntimeError("Slack is down")


def test_sends_what_is_due_and_nothing_else() -> None:
    store, nudge = FakeStore(), Nudge()
    store.add(1, NOW - timedelta(minutes=1), subject="A-1")
    store.add(2, NOW + timedelta(minutes=1), subject="A-2")

    report = sweep(store, {"nudge": nudge}, NOW)

    assert nudge.sent == ["A-1"]
    assert report.lines() == ["nudge: 1 sent for 1 reminder(s)"]
    assert store.rows[1].reminder.next_at is None  # finished
    assert sweep(store, {"nudge": nudge}, NOW).lines() == ["nothing due"]


def test_a_repeating_reminder_moves_on_and_fires_again_when_due() -> None:
    store, nudge = FakeStore(), Nudge(repeat=timedelta(days=1))
    store.add(1, NOW)

    sweep(store, {"nudge": nudge}, NOW)
    sweep(store, {"nudge": nudge}, NOW + timedelta(hours=23))
    sweep(store, {"nudge": nudge}, NOW + timedelta(days=1))

    assert nudge.sent == ["X-1", "X-1"]


def test_works_through_more_rows_than_one_batch() -> None:
    store, nudge = FakeStore(), Nudge()
    for i in range(1, 1_101):
        store.add(i, NOW - timedelta(seconds=i))

    report = sweep(store, {"nudge": nudge}, NOW, batch=250)

    assert report.sent == 1_100
    assert len(set(nudge.sent)) == 1  # one subject, but every row fired once
    assert len(nudge.sent) == 1_100


def test_a_failing_kind_is_retried_later_with_backoff_and_others_still_send() -> None:
    store, nudge = FakeStore(), Nudge()
    store.add(1, NOW, kind="broken")
    store.add(2, NOW, kind="nudge")

    report = sweep(store, {"broken": Broken(), "nudge": nudge}, NOW)

    assert nudge.sent == ["X-1"]
    assert report.kinds["broken"].failed == 1
    assert "1 failed (will retry)" in " ".join(report.lines())
    first_retry = store.rows[1].reminder.next_at
    assert first_retry == retry_at(NOW, 0) > NOW
    sweep(store, {"broken": Broken()}, first_retry)
    assert store.rows[1].reminder.next_at == retry_at(first_retry, 1)
    assert store.rows[1].reminder.next_at - first_retry > first_retry - NOW


def test_a_reminder_of_an_unknown_kind_is_parked_not_lost() -> None:
    store = FakeStore()
    store.add(1, NOW, kind="retired-kind")

    report = sweep(store, {}, NOW)

    assert report.kinds["retired-kind"].failed == 1
    assert store.rows[1].reminder.next_at is not None
    assert store.rows[1].last_error == "unknown_kind"


def test_a_lease_left_by_a_dead_process_runs_out_and_the_row_is_due_again() -> None:
    store, nudge = FakeStore(), Nudge()
    store.add(1, NOW)
    store.claim_due(NOW, Lease("dead-process", NOW + timedelta(minutes=5), NOW), 10)

    sweep(store, {"nudge": nudge}, NOW + timedelta(minutes=1))
    assert nudge.sent == []
    sweep(store, {"nudge": nudge}, NOW + timedelta(minutes=6))
    assert nudge.sent == ["X-1"]


def test_a_kind_asking_to_fire_again_immediately_waits_for_the_next_tick() -> None:
    class Eager(Nudge):
        def fire(self, due: Sequence[DueReminder], now: datetime) -> Iterable[Outcome]:
            for reminder in due:
                self.sent.append(reminder.subject_ref)
                yield Outcome(reminder.id, sent=1, next_at=now)

    store, eager = FakeStore(), Eager()
    store.add(1, NOW)

    sweep(store, {"nudge": eager}, NOW)

    assert eager.sent == ["X-1"]
    assert store.rows[1].reminder.next_at == NOW + timedelta(minutes=1)


@pytest.mark.parametrize("attempts", [0, 1, 2, 3, 4, 10])
def test_retry_backoff_grows_and_is_capped_at_a_day(attempts: int) -> None:
    assert NOW < retry_at(NOW, attempts) <= NOW + timedelta(days=1)
    assert retry_at(NOW, attempts) <= retry_at(NOW, attempts + 1)


def test_a_sweep_as_of_a_past_instant_leases_from_the_real_time() -> None:
    store, leases = FakeStore(), []
    store.add(1, NOW - timedelta(hours=2))
    claim = store.claim_due

    def watched(now: datetime, lease: Lease, limit: int) -> list[DueReminder]:
        leases.append(lease.until)
        return claim(now, lease, limit)

    store.claim_due = watched  # type: ignore[method-assign]
    sweep(store, {"nudge": Nudge()}, NOW - timedelta(hours=1), wall=lambda: NOW)

    assert leases and all(lease > NOW for lease in leases)


def test_each_batch_is_leased_from_the_time_it_is_claimed_and_a_slow_sweep_yields() -> None:
    store, leases = FakeStore(), []
    for i in range(1, 31):
        store.add(i, NOW - timedelta(minutes=i))
    real = [NOW]
    claim = store.claim_due

    def watched(now: datetime, lease: Lease, limit: int) -> list[DueReminder]:
        leases.append(lease.until)
        return claim(now, lease, limit)

    class Slow(Nudge):
        def fire(self, due: Sequence[DueReminder], now: datetime) -> Iterable[Outcome]:
            real[0] += timedelta(minutes=2)  # Slack is slow today
            return super().fire(due, now)

    store.claim_due = watched  # type: ignore[method-assign]
    report = sweep(store, {"nudge": Slow()}, NOW, batch=10, wall=lambda: real[0])

    assert leases == [
        NOW + LEASE,
        NOW + timedelta(minutes=2) + LEASE,
        NOW + timedelta(minutes=4) + LEASE,
    ]
    assert report.sent == 30

    for i in range(31, 61):
        store.add(i, NOW)
    real[0] = NOW

    class Glacial(Nudge):
        def fire(self, due: Sequence[DueReminder], now: datetime) -> Iterable[Outcome]:
            real[0] += LEASE / 2  # one batch takes half a lease: stop claiming more
            return super().fire(due, now)

    assert sweep(store, {"nudge": Glacial()}, NOW, batch=10, wall=lambda: real[0]).sent == 10


def test_a_batch_is_grouped_by_workspace_in_the_order_it_came() -> None:
    due = [DueReminder(i, team, "k", f"A-{i}", NOW, 0, {}) for i, team in enumerate("ABA")]

    grouped = by_team(due)

    assert {team: [r.id for r in found] for team, found in grouped.items()} == {
        "A": [0, 2],
        "B": [1],
    }
