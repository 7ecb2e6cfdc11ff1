"""Dialect helpers shared by the query modules."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Executable, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session


def read(session: Session, query: Executable, values: dict[str, Any] | None = None) -> Any:
    """Run a built read on the session's connection, past the ORM's per-statement work (for
    the hot read paths: their statements are built once, with bound parameters). What the
    session holds unwritten is flushed first, as the ORM's autoflush would."""
    session.flush()
    return session.connection().execute(query, values)


def insert(session: Session, entity: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that knows ON CONFLICT for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(entity)
    return sqlite.insert(entity)


def rowcount(result: object) -> int:
    """How many rows an UPDATE or DELETE touched; 0 for results that do not say."""
    return result.rowcount if isinstance(result, CursorResult) else 0


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock number for a name (hash() varies by process)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def advisory_lock(session: Session, *names: str) -> None:
    """Make units of work that name the same thing take turns, until this transaction ends.

    Name things with the team first, e.g. "T1:patient-name:jane doe", so workspaces never
    wait on each other. Call it before the lookup that decides whether to insert.
    PostgreSQL: one transaction-scoped advisory lock per distinct name, taken in sorted
    key order so two units of work sharing two names cannot deadlock; statements after
    the lock run under READ COMMITTED, so they see what the previous holder committed.
    SQLite: nothing to do; a write session's BEGIN IMMEDIATE already lets one writer in.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted({lock_key(name) for name in names}):
        session.execute(select(func.pg_advisory_xact_lock(key)))
