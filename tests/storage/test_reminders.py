"""The reminder store: due rows are leased to one sweep, outcomes move them on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bot.shared.rules.reminders import Lease, Outcome
from storage import Database, reminders
from storage.models import ReminderRow
from storage.reminders import SqlReminderStore
from tests.storage.concurrency import together

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def plan(db: Database, *due: tuple[str, datetime], team_id: str = "T1") -> None:
    with db.session() as session:
        for subject_ref, next_at in due:
            reminders.schedule(session, team_id, "preauth.nag", subject_ref, next_at, now=T0)


def row(db: Database, subject_ref: str, kind: str = "preauth.nag") -> ReminderRow:
    with db.session() as session:
        found = reminders.get(session, "T1", kind, subject_ref)
    assert found is not None
    return found


def test_only_rows_that_are_due_are_claimed_oldest_first(db: Database) -> None:
    plan(db, ("PA-2", T0), ("PA-1", T0 - timedelta(hours=1)), ("PA-3", T0 + timedelta(seconds=1)))
    with db.session() as session:
        reminders.schedule(
            session, "T1", "preauth.nag", "PA-4", T0, {"owner": "U1", "step": 2}, now=T0
        )

    claimed = SqlReminderStore(db).claim_due(T0, Lease("sweep-a", T0 + LEASE, T0), 10)

    assert [r.subject_ref for r in claimed] == ["PA-1", "PA-2", "PA-4"]
    assert claimed[2].payload == {"owner": "U1", "step": 2}
    assert claimed[0].next_at == T0 - timedelta(hours=1) and claimed[0].attempts == 0
    assert row(db, "PA-1").lease_owner == "sweep-a"
    assert row(db, "PA-3").lease_owner is None


def test_a_leased_row_is_not_claimed_again_until_the_lease_runs_out(db: Database) -> None:
    plan(db, ("PA-1", T0))
    store = SqlReminderStore(db)
    assert len(store.claim_due(T0, Lease("sweep-a", T0 + LEASE, T0), 10)) == 1

    assert (
        store.claim_due(
            T0 + timedelta(minutes=1), Lease("sweep-b", T0 + LEASE, T0 + timedelta(minutes=1)), 10
        )
        == []
    )
    # sweep-a died without recording: once its lease is over the row is due again.
    later = T0 + LEASE + timedelta(seconds=1)
    again = store.claim_due(later, Lease("sweep-b", later + LEASE, later), 10)

    assert [r.subject_ref for r in again] == ["PA-1"]
    assert row(db, "PA-1").lease_owner == "sweep-b"


def test_record_moves_next_at_and_releases_the_lease(db: Database) -> None:
    plan(db, ("PA-1", T0), ("PA-2", T0), ("PA-3", T0))
    store = SqlReminderStore(db)
    first, second, third = store.claim_due(T0, Lease("sweep-a", T0 + LEASE, T0), 10)
    tomorrow = T0 + timedelta(days=1)

    store.record(
        [
            Outcome(first.id, sent=1, next_at=tomorrow),
            Outcome(second.id, sent=1, next_at=None),
            Outcome(third.id, error="slack_429", next_at=T0 + timedelta(minutes=1)),
        ],
        "sweep-a",
        T0,
    )

    moved, finished, failed = row(db, "PA-1"), row(db, "PA-2"), row(db, "PA-3")
    assert (moved.next_at, moved.lease_owner, moved.lease_until) == (tomorrow, None, None)
    assert moved.updated_at == T0 and moved.attempts == 0
    assert finished.next_at is None
    assert (failed.attempts, failed.last_error) == (1, "slack_429")
    assert failed.next_at == T0 + timedelta(minutes=1) and failed.lease_owner is None


def test_a_success_clears_earlier_failures(db: Database) -> None:
    plan(db, ("PA-1", T0))
    store = SqlReminderStore(db)
    for attempt in range(2):
        now = T0 + timedelta(minutes=attempt)
        (due,) = store.claim_due(now, Lease("sweep-a", now + LEASE, now), 10)
        assert due.attempts == attempt
        store.record(
            [Outcome(due.id, error="boom", next_at=now + timedelta(minutes=1))], "sweep-a", now
        )
    (due,) = store.claim_due(
        T0 + timedelta(minutes=2), Lease("sweep-a", T0 + LEASE * 2, T0 + timedelta(minutes=2)), 10
    )
    store.record([Outcome(due.id, sent=1, next_at=T0 + timedelta(days=1))], "sweep-a", T0)

    assert (row(db, "PA-1").attempts, row(db, "PA-1").last_error) == (0, None)


def test_record_with_a_stolen_lease_changes_nothing(db: Database) -> None:
    plan(db, ("PA-1", T0))
    store = SqlReminderStore(db)
    (stale,) = store.claim_due(T0, Lease("sweep-a", T0 + LEASE, T0), 10)
    later = T0 + LEASE + timedelta(seconds=1)
    store.claim_due(later, Lease("sweep-b", later + LEASE, later), 10)

    store.record([Outcome(stale.id, sent=1, next_at=None)], "sweep-a", later)

    taken = row(db, "PA-1")
    assert (taken.next_at, taken.lease_owner) == (T0, "sweep-b")


def test_cancelling_while_a_sweep_fires_keeps_the_reminder_cancelled(db: Database) -> None:
    plan(db, ("PA-1", T0))
    store = SqlReminderStore(db)
    (due,) = store.claim_due(T0, Lease("sweep-a", T0 + LEASE, T0), 10)
    with db.session() as session:
        assert reminders.cancel(session, "T1", "preauth.nag", "PA-1", now=T0) == 1

    store.record([Outcome(due.id, sent=1, next_at=T0 + timedelta(days=1))], "sweep-a", T0)

    assert row(db, "PA-1").next_at is None


def test_concurrent_claimers_never_share_a_row(db: Database) -> None:
    plan(db, *((f"PA-{n}", T0 - timedelta(seconds=n)) for n in range(1, 301)))
    store = SqlReminderStore(db)

    def claim_all(worker: int) -> list[int]:
        mine: list[int] = []
        while batch := store.claim_due(T0, Lease(f"sweep-{worker}", T0 + LEASE, T0), 25):
            mine.extend(r.id for r in batch)
        return mine

    per_worker = together(4, claim_all)

    every = [reminder_id for ids in per_worker for reminder_id in ids]
    assert len(every) == len(set(every)) == 300


def test_claiming_in_batches_works_through_thousands_of_rows(db: Database) -> None:
    with db.session() as session:
        session.execute(
            sa.insert(ReminderRow),
            [
                {
                    "team_id": f"T{n % 3}",
                    "kind": "handoff.ack",
                    "subject_ref": f"H-{n}",
                    "next_at": T0 - timedelta(seconds=n),
                    "payload": {},
                    "created_at": T0,
                    "updated_at": T0,
                }
                for n in range(2_000)
            ],
        )
    store = SqlReminderStore(db)
    sizes = []
    while batch := store.claim_due(T0, Lease("sweep-a", T0 + LEASE, T0), 500):
        sizes.append(len(batch))
        store.record([Outcome(r.id, sent=1, next_at=None) for r in batch], "sweep-a", T0)

    assert sizes == [500, 500, 500, 500]
    with db.session() as session:
        assert reminders.pending_count(session) == 0


def test_schedule_replaces_the_plan_for_a_subject(db: Database) -> None:
    plan(db, ("PA-1", T0))
    store = SqlReminderStore(db)
    (due,) = store.claim_due(T0, Lease("sweep-a", T0 + LEASE, T0), 10)
    store.record([Outcome(due.id, error="boom", next_at=T0 + timedelta(minutes=1))], "sweep-a", T0)
    later = T0 + timedelta(hours=4)

    with db.session() as session:
        reminders.schedule(session, "T1", "preauth.nag", "PA-1", later, {"step": 3}, now=T0)
        reminders.schedule(session, "T1", "preauth.escalate", "PA-1", later, now=T0)
        assert reminders.pending_count(session) == 2
        assert reminders.pending_count(session, "T2") == 0

    replanned = row(db, "PA-1")
    assert replanned.id == due.id
    assert (replanned.next_at, replanned.payload, replanned.attempts) == (later, {"step": 3}, 0)
    assert replanned.last_error is None


def test_cancel_and_cancel_all_finish_reminders(db: Database) -> None:
    plan(db, ("PA-1", T0), ("PA-2", T0))
    with db.session() as session:
        reminders.schedule(session, "T1", "preauth.escalate", "PA-1", T0, now=T0)
        assert reminders.cancel(session, "T1", "preauth.nag", "PA-2") == 1
        assert reminders.cancel(session, "T1", "preauth.nag", "PA-2") == 0
        assert reminders.cancel_all(session, "T1", "PA-1") == 2
        assert reminders.pending_count(session) == 0

    assert SqlReminderStore(db).claim_due(T0, Lease("sweep-a", T0 + LEASE, T0), 10) == []


def test_workspaces_keep_separate_reminders_for_the_same_ref(db: Database) -> None:
    plan(db, ("PA-1", T0), team_id="T1")
    plan(db, ("PA-1", T0), team_id="T2")
    with db.session() as session:
        reminders.cancel_all(session, "T1", "PA-1")

    claimed = SqlReminderStore(db).claim_due(T0, Lease("sweep-a", T0 + LEASE, T0), 10)

    assert [(r.team_id, r.subject_ref) for r in claimed] == [("T2", "PA-1")]


def test_a_claim_after_one_never_recorded_says_since_when_it_may_be_in_slack(db: Database) -> None:
    plan(db, ("PA-1", T0))
    store = SqlReminderStore(db)
    (first,) = store.claim_due(T0, Lease("died", T0 + LEASE, T0), 10)
    assert first.maybe_sent_since is None
    later = T0 + LEASE + timedelta(seconds=1)
    # A third claim still points at the first: its message is the one that may be out there.
    (second,) = store.claim_due(later, Lease("next", later + LEASE, later), 10)
    last = later + LEASE * 2
    (third,) = store.claim_due(last, Lease("last", last + LEASE, last), 10)

    assert second.maybe_sent_since == T0 and third.maybe_sent_since == T0
    assert third.key == first.key  # the same send, however often it is claimed

    store.record([Outcome(third.id, sent=1, next_at=last + timedelta(days=1))], "last", last)
    tomorrow = last + timedelta(days=1)
    (fresh,) = store.claim_due(tomorrow, Lease("d2", tomorrow + LEASE, tomorrow), 10)
    assert fresh.maybe_sent_since is None and fresh.key != first.key


def test_one_row_is_claimed_by_its_subject_only_when_due_and_free(db: Database) -> None:
    plan(db, ("PA-1", T0), ("PA-2", T0), ("PA-3", T0 + timedelta(hours=1)))
    store = SqlReminderStore(db)

    got = store.claim_one("T1", "preauth.nag", "PA-1", T0, Lease("now", T0 + LEASE, T0))

    assert got is not None and got.subject_ref == "PA-1"
    assert row(db, "PA-2").lease_owner is None  # its neighbour is left to the sweep
    assert store.claim_one("T1", "preauth.nag", "PA-1", T0, Lease("b", T0 + LEASE, T0)) is None
    assert store.claim_one("T1", "preauth.nag", "PA-3", T0, Lease("c", T0 + LEASE, T0)) is None
    assert store.claim_one("T2", "preauth.nag", "PA-2", T0, Lease("d", T0 + LEASE, T0)) is None
