"""Databases for the tests: SQLite files, and PostgreSQL when CAREBOT_TEST_POSTGRES_URL is set.

PostgreSQL: each xdist worker creates its own database (carebot_test_<worker>_<random>),
migrates it once and drops it at the end; before each test the worker empties every
table (a TRUNCATE, ~30 ms, where CREATE DATABASE costs ~300 ms on a busy disk).
Without the URL the PostgreSQL tests skip and say why; under CI=true they fail instead.
SQLite: the worker migrates one file once; every test gets a copy in its tmp_path.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from storage import Database
from storage.models import Base

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

    def create(self) -> str:
        self.created += 1
        name = f"{self.prefix}_{self.created}"
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
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


class WorkerDatabase:
    """This worker's migrated PostgreSQL database, emptied before each test."""

    def __init__(self, url: str) -> None:
        self.url = url
        migrated = Database(url)
        migrated.upgrade()
        migrated.dispose()
        self.owner = sa.create_engine(url, poolclass=NullPool)

    def empty(self) -> None:
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with self.owner.begin() as connection:
            # A test that leaked a connection should fail here, not hang the run.
            connection.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
            # The append-only guard is the table owner's to lift, inside this transaction only.
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
            connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY")
            connection.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER USER")


@pytest.fixture(scope="session")
def postgres_worker_db(postgres_server: PostgresServer) -> Iterator[WorkerDatabase]:
    name = postgres_server.create()
    worker_db = WorkerDatabase(postgres_server.url_for(name))
    yield worker_db
    worker_db.owner.dispose()
    postgres_server.drop(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "carebot.db"
    migrated = Database(f"sqlite:///{path}")
    migrated.upgrade()
    migrated.dispose()  # the last close checkpoints the WAL into the main file
    return path
