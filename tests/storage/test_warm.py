"""The start's warm-up reads what commands read, finds nothing and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, inspect, select
from sqlalchemy.engine.interfaces import CacheStats

from storage import Database, people
from storage.models import Base
from storage.warm import compile_hot_reads, rehearse_hot_writes


def row_counts(db: Database) -> dict[str, int]:
    names = set(inspect(db.engine).get_table_names())
    with db.session(read_only=True) as session:
        return {
            table.name: int(session.execute(select(func.count()).select_from(table)).scalar_one())
            for table in Base.metadata.sorted_tables
            if table.name in names
        }


@dataclass(frozen=True)
class Executed:
    """One statement the database ran, as the warm-up's tests look at it."""

    statement: str
    params: str
    cached: bool  # its compiled form was found in the cache

    @property
    def verb(self) -> str:
        return self.statement.lstrip().split(None, 1)[0].upper()


@contextmanager
def executed(db: Database) -> Iterator[list[Executed]]:
    """Every statement run on the database inside the block, in order."""
    seen: list[Executed] = []

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: Any) -> None:
        hit = getattr(context, "cache_hit", None) is CacheStats.CACHE_HIT
        seen.append(Executed(statement, str(params), hit))

    event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(db.engine, "after_cursor_execute", after)


def test_the_warm_up_reads_and_leaves_every_table_as_it_was(db: Database) -> None:
    before = row_counts(db)
    with executed(db) as ran, db.session(read_only=True) as session:
        compile_hot_reads(session)

    statements = [e.verb for e in ran]
    assert row_counts(db) == before
    assert len(statements) >= 10
    assert set(statements) <= {"SELECT", "SET", "BEGIN"}  # reads only, whatever the database


def test_a_second_warm_up_compiles_nothing_new(db: Database) -> None:
    """What the first compiled is kept: the second finds every statement in the cache."""
    with db.session(read_only=True) as session:
        compile_hot_reads(session)
    with executed(db) as ran, db.session(read_only=True) as session:
        compile_hot_reads(session)

    compiled = [e.cached for e in ran if e.verb == "SELECT"]
    assert compiled
    assert all(compiled)


def test_a_person_on_file_is_read_too_and_nothing_changes(db: Database) -> None:
    """Reading a row costs its first time as much as compiling did: one person is read."""
    now = datetime.now(UTC)
    with db.session() as session:
        people.upsert(
            session, "T1", "U1", name="dana", real_name="Dana", timezone="America/New_York",
            is_bot=False, deleted=False, now=now,
        )  # fmt: skip
    before = row_counts(db)
    with executed(db) as ran, db.session(read_only=True) as session:
        compile_hot_reads(session)

    reads = [e.params for e in ran if "FROM people" in e.statement]
    assert row_counts(db) == before
    assert any("U1" in params for params in reads)


class RolledBack(Exception):
    pass


def test_the_rehearsed_write_is_compiled_and_rolled_back(db: Database) -> None:
    before = row_counts(db)
    with executed(db) as ran:
        for _ in range(2):
            with pytest.raises(RolledBack), db.session() as session:
                rehearse_hot_writes(session)
                raise RolledBack

    inserts = [e.cached for e in ran if e.verb == "INSERT"]
    assert row_counts(db) == before
    assert inserts == [False, True]  # the second found the first's compiled INSERT
