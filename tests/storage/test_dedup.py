"""Processed keys: a retried event or a double click goes through once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from storage import Database, DatabaseBusy, dedup
from tests.storage.concurrency import held_elsewhere, together

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_a_key_is_new_once(db: Database) -> None:
    assert dedup.first_time(db, "T1", "event:Ev1", T0) is True
    assert dedup.first_time(db, "T1", "event:Ev1", T0) is False
    assert dedup.first_time(db, "T2", "event:Ev1", T0) is True


def test_exactly_one_of_eight_concurrent_callers_goes_first(db: Database) -> None:
    answers = together(8, lambda _: dedup.first_time(db, "T1", "click:1.2:b:approve:PA-3", T0))
    assert sorted(answers) == [False] * 7 + [True]


def test_a_key_claimed_in_a_rolled_back_unit_of_work_is_free_again(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session() as session:
        assert dedup.first_time(session, "T1", "event:Ev2", T0)
        raise RuntimeError("booking failed")
    assert dedup.first_time(db, "T1", "event:Ev2", T0) is True


def test_forget_lets_a_key_through_again(db: Database) -> None:
    dedup.first_time(db, "T1", "event:Ev3", T0)
    with db.session() as session:
        dedup.forget(session, "T1", "event:Ev3")
    assert dedup.first_time(db, "T1", "event:Ev3", T0) is True


def test_long_keys_still_match_themselves(db: Database) -> None:
    key = "click:" + "x" * 400
    assert dedup.first_time(db, "T1", key, T0) is True
    assert dedup.first_time(db, "T1", key, T0) is False
    assert dedup.first_time(db, "T1", key + "y", T0) is True


def test_purge_removes_only_old_keys(db: Database) -> None:
    dedup.first_time(db, "T1", "old", T0)
    dedup.first_time(db, "T1", "new", T0 + timedelta(days=8))
    with db.session() as session:
        assert dedup.purge_older_than(session, T0 + timedelta(days=7)) == 1
    assert dedup.first_time(db, "T1", "old", T0) is True
    assert dedup.first_time(db, "T1", "new", T0) is False


def test_first_time_gives_up_on_a_busy_database_instead_of_waiting_ten_seconds(
    db: Database,
) -> None:
    @contextmanager
    def claim_and_hold() -> Iterator[None]:
        # SQLite: the write lock. PostgreSQL: the uncommitted key, which the insert waits on.
        with db.session() as session:
            assert dedup.first_time(session, "T1", "event:Ev9", T0)
            session.flush()
            yield

    busy = pytest.raises(DatabaseBusy, match=r"gave up after 1\.5 s")
    with held_elsewhere(claim_and_hold), busy:
        dedup.first_time(db, "T1", "event:Ev9", T0)

    assert dedup.first_time(db, "T1", "event:Ev9", T0) is False  # the holder's claim stands
