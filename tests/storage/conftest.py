"""Every storage test runs on SQLite and on PostgreSQL, from an empty, migrated schema.

The database fixtures it builds on (per-worker PostgreSQL databases, a migrated SQLite
template) live in tests/conftest.py; migration tests get a brand-new empty database each.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Database
from tests.conftest import DIALECTS, PostgresServer, WorkerDatabase


def _database(request: pytest.FixtureRequest, tmp_path: Path, migrated: bool) -> Iterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "carebot.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        database = Database(f"sqlite:///{path}")
        yield database
        database.dispose()
        return
    if migrated:
        worker_db: WorkerDatabase = request.getfixturevalue("postgres_worker_db")
        worker_db.empty()
        database = Database(worker_db.url)
        yield database
        database.dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create()
    database = Database(server.url_for(name))
    yield database
    database.dispose()
    server.drop(name)


@pytest.fixture(params=DIALECTS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database of its own for this test."""
    yield from _database(request, tmp_path, migrated=True)


@pytest.fixture(params=DIALECTS)
def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database of its own with no schema at all, for migration tests."""
    yield from _database(request, tmp_path, migrated=False)
