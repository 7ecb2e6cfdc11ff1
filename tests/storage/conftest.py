"""Every storage test runs on SQLite and on PostgreSQL, each on its own freshly migrated database.

PostgreSQL: each xdist worker migrates one template database once, and every test gets
`CREATE DATABASE ... TEMPLATE` of it (tens of milliseconds), dropped afterwards.
SQLite: the worker migrates one file once; every test gets a copy in its tmp_path.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from storage import Database

POSTGRES_ENV = "CAREBOT_TEST_POSTGRES_URL"
DIALECTS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def postgres_base_url() -> URL:
    """The test server's URL; skips the test when unset, fails it when unset under CI."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"{POSTGRES_ENV} is not set but CI=true: CI must run the PostgreSQL tests")
        pytest.skip(f"{POSTGRES_ENV} is not set: PostgreSQL tests skipped")
    return Database.check_url(url)


class PostgresServer:
    """Creates and drops throwaway databases on the PostgreSQL test server."""

    def __init__(self, url: URL, worker: str) -> None:
        self.url = url
        self.admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.prefix = f"carebot_test_{worker}_{uuid.uuid4().hex[:8]}"
        self.created = 0

    def create(self, template: str | None = None) -> str:
        self.created += 1
        name = f"{self.prefix}_{self.created}"
        source = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{source}')
        return name

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def url_for(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def postgres_server(worker: str) -> Iterator[PostgresServer]:
    server = PostgresServer(postgres_base_url(), worker)
    yield server
    server.admin.dispose()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> Iterator[str]:
    name = postgres_server.create()
    migrated = Database(postgres_server.url_for(name))
    migrated.upgrade()
    migrated.dispose()  # CREATE DATABASE ... TEMPLATE needs the template to have no sessions
    yield name
    postgres_server.drop(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "carebot.db"
    migrated = Database(f"sqlite:///{path}")
    migrated.upgrade()
    migrated.dispose()  # the last close checkpoints the WAL into the main file
    return path


def _database(request: pytest.FixtureRequest, tmp_path: Path, migrated: bool) -> Iterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "carebot.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        database = Database(f"sqlite:///{path}")
        yield database
        database.dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("postgres_template") if migrated else None
    name = server.create(template)
    database = Database(server.url_for(name))
    try:
        yield database
    finally:
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
