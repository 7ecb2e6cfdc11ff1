"""The Database: migrations, sessions as units of work, health checks and URL errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import QueuePool

from storage import Database, DatabaseBusy, DatabaseConfigError, DatabaseUnavailable
from storage.models import Base, WorkspaceRow
from storage.refs import next_number
from tests.storage.concurrency import held_elsewhere, together

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TABLES = {
    "alembic_version",
    "appointment_series",
    "appointments",
    "audit_log",
    "care_channels",
    "drafts",
    "handoff_actions",
    "handoffs",
    "patients",
    "people",
    "preapproval_messages",
    "preapproval_rounds",
    "preapprovals",
    "processed_keys",
    "ref_counters",
    "reminders",
    "slack_bots",
    "slack_installations",
    "slack_oauth_states",
    "workspaces",
}


def table_names(db: Database) -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_migrations_create_the_schema_and_report_up_to_date(fresh_db: Database) -> None:
    assert fresh_db.current_revision() is None
    assert not fresh_db.is_up_to_date()

    fresh_db.upgrade()

    assert table_names(fresh_db) == TABLES
    assert fresh_db.current_revision() == "0013"
    assert fresh_db.is_up_to_date()


def test_a_second_upgrade_changes_nothing(fresh_db: Database) -> None:
    fresh_db.upgrade()
    with fresh_db.session() as session:
        session.add(WorkspaceRow(team_id="T1", created_at=T0))

    fresh_db.upgrade()

    assert fresh_db.current_revision() == "0013"
    with fresh_db.session() as session:
        assert session.scalars(sa.select(WorkspaceRow.team_id)).all() == ["T1"]


def test_the_migration_matches_the_models(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_in_memory_sqlite_is_migrated_and_shared_safely_by_threads() -> None:
    memory = Database("sqlite://")
    memory.upgrade()

    def take(_: int) -> list[int]:
        taken = []
        for _ in range(10):
            with memory.session() as session:
                taken.append(next_number(session, "T1", "A"))
        return taken

    numbers = together(8, take)

    assert sorted(n for per_thread in numbers for n in per_thread) == list(range(1, 81))
    assert memory.is_up_to_date() and memory.ping() is None
    memory.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    sqlite = Database(f"sqlite:///{tmp_path / 'carebot.db'}")
    with sqlite.session() as session:
        assert session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 10_000
        assert session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
    sqlite.dispose()


def test_session_commits_on_success_and_rolls_back_on_error(db: Database) -> None:
    with db.session() as session:
        session.add(WorkspaceRow(team_id="T1", created_at=T0))
    with pytest.raises(RuntimeError), db.session() as session:
        session.add(WorkspaceRow(team_id="T2", created_at=T0))
        session.flush()
        raise RuntimeError("changed my mind")

    with db.session(read_only=True) as session:
        assert session.scalars(sa.select(WorkspaceRow.team_id)).all() == ["T1"]


def waits(session: sa.orm.Session) -> tuple[str, ...]:
    """The wait settings the session's connection runs under."""
    if session.get_bind().dialect.name == "sqlite":
        return (str(session.execute(sa.text("PRAGMA busy_timeout")).scalar()),)
    return tuple(
        str(session.execute(sa.text(f"SHOW {name}")).scalar())
        for name in ("lock_timeout", "statement_timeout")
    )


def test_a_max_wait_applies_to_its_own_unit_of_work_only(db: Database) -> None:
    with db.session() as session:
        default = waits(session)
    with db.session(max_wait_s=0.25) as session:
        quick = waits(session)
    with db.session() as session:  # the same pooled connection again
        after = waits(session)

    if db.dialect == "sqlite":
        assert (default, quick) == (("10000",), ("250",))
    else:
        assert (default, quick) == (("0", "0"), ("250ms", "250ms"))
    assert after == default


def test_a_max_wait_bounds_the_wait_for_a_pooled_connection() -> None:
    memory = Database("sqlite://")  # exactly one connection, which the other thread holds
    quick = memory.session(max_wait_s=0.5)
    busy = pytest.raises(DatabaseBusy, match=r"after 0\.5 s")
    with held_elsewhere(memory.session), busy, quick:
        pass

    pool = memory.engine.pool
    assert isinstance(pool, QueuePool) and pool.timeout() == 10  # later units wait as usual
    with memory.session(read_only=True) as session:
        assert session.execute(sa.text("SELECT 1")).scalar() == 1
    memory.dispose()


def test_a_held_lock_past_the_max_wait_raises_database_busy_and_rolls_back(db: Database) -> None:
    with db.session() as session:
        session.add(WorkspaceRow(team_id="T1", created_at=T0))

    @contextmanager
    def lock_the_row() -> Iterator[None]:
        with db.session() as session:
            session.execute(sa.select(WorkspaceRow).with_for_update())
            yield

    quick = db.session(max_wait_s=0.5)
    with held_elsewhere(lock_the_row), pytest.raises(DatabaseBusy) as raised, quick as session:
        session.add(WorkspaceRow(team_id="T2", created_at=T0))
        session.execute(sa.update(WorkspaceRow).values(created_at=T0 + timedelta(days=1)))

    assert str(raised.value).startswith("the database is busy; gave up after 0.5 s: ")
    with db.session(read_only=True) as session:
        assert session.scalars(sa.select(WorkspaceRow.team_id)).all() == ["T1"]


@pytest.mark.parametrize("max_wait_s", [0, -1, float("nan"), float("inf")])
def test_a_max_wait_must_be_a_positive_number_of_seconds(db: Database, max_wait_s: float) -> None:
    with pytest.raises(ValueError, match="max_wait_s"), db.session(max_wait_s=max_wait_s):
        pass


def test_aware_datetimes_come_back_as_the_same_instant_in_utc(db: Database) -> None:
    clinic = timezone(timedelta(hours=-5))
    local = datetime(2026, 3, 2, 23, 45, 1, 123456, tzinfo=clinic)
    with db.session() as session:
        session.add(WorkspaceRow(team_id="T1", created_at=local))

    with db.session() as session:
        stored = session.get(WorkspaceRow, "T1")
        assert stored is not None
        assert stored.created_at == local
        assert stored.created_at.tzinfo is UTC
        assert stored.created_at == datetime(2026, 3, 3, 4, 45, 1, 123456, tzinfo=UTC)


def test_naive_datetimes_are_refused(db: Database) -> None:
    refused = pytest.raises(sa.exc.StatementError, match="naive datetime")
    with refused as raised, db.session() as session:
        session.add(WorkspaceRow(team_id="T1", created_at=datetime(2026, 3, 2, 9, 30)))
    assert isinstance(raised.value.orig, ValueError)


def test_ping_is_none_when_the_database_answers(db: Database) -> None:
    assert db.ping() is None


def test_ping_reports_an_unreachable_postgres_in_one_line_without_the_password() -> None:
    unreachable = Database("postgresql+psycopg://carebot:s3cret@127.0.0.1:1/carebot")

    problem = unreachable.ping()

    assert problem is not None and "\n" not in problem
    assert "127.0.0.1" in problem and "refused" in problem.lower()
    assert "s3cret" not in problem
    unreachable.dispose()


def test_a_first_connection_that_fails_raises_database_unavailable() -> None:
    unreachable = Database("postgresql+psycopg://carebot:s3cret@127.0.0.1:1/carebot")
    with pytest.raises(DatabaseUnavailable) as raised, unreachable.session():
        pass
    message = str(raised.value)
    assert message.startswith("cannot connect to the database postgresql+psycopg://carebot:***@")
    assert "s3cret" not in message and "\n" not in message
    unreachable.dispose()


@pytest.mark.parametrize(
    "url", ["foo", "", "localhost:5432/carebot", "mysql://u:pw@db/carebot", "u:pw@db/carebot"]
)
def test_a_malformed_or_unsupported_url_raises_one_clear_line(url: str) -> None:
    with pytest.raises(DatabaseConfigError) as raised:
        Database(url)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("DATABASE_URL ")
    assert "example: sqlite:///carebot.db or postgresql+psycopg://" in message
    assert "pw@" not in message


def test_postgres_without_the_driver_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(DatabaseConfigError, match=r'pip install "carebot\[postgres\]"'):
        Database("postgresql+psycopg://carebot@db/carebot")


def test_plain_postgres_urls_use_psycopg() -> None:
    assert Database.check_url("postgres://carebot@db/carebot").drivername == "postgresql+psycopg"
    assert Database.check_url("postgresql://carebot@db/carebot").drivername == (
        "postgresql+psycopg"
    )


def test_database_errors_never_quote_the_values_sent(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'errors.db'}")
    with pytest.raises(sa.exc.OperationalError) as error, db.session() as session:
        session.execute(sa.text("INSERT INTO no_such_table VALUES (:name)"), {"name": "Jane Doe"})
    assert "Jane Doe" not in str(error.value)


def test_watchers_are_told_of_each_busy_or_unavailable_database_once() -> None:
    told: list[str] = []
    memory = Database("sqlite://")  # exactly one connection, which the other thread holds
    unreachable = Database("postgresql+psycopg://carebot@127.0.0.1:1/carebot")
    for db in (memory, unreachable):
        db.watch_failures(lambda failure: told.append(type(failure).__name__))

    quick = memory.session(max_wait_s=0.2)
    with held_elsewhere(memory.session), pytest.raises(DatabaseBusy), quick:
        pass
    with pytest.raises(DatabaseUnavailable), unreachable.session():
        pass
    with memory.session(read_only=True) as session:
        session.execute(sa.text("SELECT 1"))

    assert told == ["DatabaseBusy", "DatabaseUnavailable"]
    memory.dispose()
    unreachable.dispose()
