"""The database: one engine per process, sessions as units of work, and migrations."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from storage.errors import DatabaseBusy, DatabaseConfigError, DatabaseUnavailable

EXAMPLE_URLS = "sqlite:///carebot.db or postgresql+psycopg://user@host/carebot"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_S = 10
CONNECT_TIMEOUT_S = 3
# Listeners run on up to ~64 threads. Units of work take milliseconds, so 10 pooled
# connections plus 20 overflow serve them; past that a unit waits for a free connection,
# at most POOL_TIMEOUT_S (units on the request path wait less, see Database.session).
# 30 per process keeps three replicas under PostgreSQL's default max_connections of 100.
POOL_SIZE = 10
POOL_OVERFLOW = 20
POOL_TIMEOUT_S = 10
# Any fixed number: replicas starting together take turns migrating.
_MIGRATION_LOCK = 4_242_001
_READ_ONLY = "carebot_read_only"
_MAX_WAIT = "carebot_max_wait_s"
_BUSY_TIMEOUT_MS = "carebot_busy_timeout_ms"
_PASSWORD_IN_URL = re.compile(r":[^:@/\s]*@")
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_PG_LOCK_NOT_AVAILABLE, _PG_QUERY_CANCELED = "55P03", "57014"
_Failure = TypeVar("_Failure", DatabaseBusy, DatabaseUnavailable)
# How long this thread's current unit of work may wait for a pooled connection.
_checkout_wait: ContextVar[float | None] = ContextVar("carebot_checkout_wait", default=None)


class Database:
    """A SQLite or PostgreSQL database reached through one pooled engine."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = self.check_url(url)
        self.engine = (
            _sqlite_engine(self.url, echo) if _is_sqlite(self.url) else _pg_engine(self.url, echo)
        )
        self._reader = self.engine.execution_options(**{_READ_ONLY: True})
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self._reader, expire_on_commit=False)
        self._watchers: list[Callable[[DatabaseBusy | DatabaseUnavailable], None]] = []
        self._before_work: list[Callable[[], None]] = []

    def watch_failures(self, watcher: Callable[[DatabaseBusy | DatabaseUnavailable], None]) -> None:
        """Tell `watcher` of each DatabaseBusy and DatabaseUnavailable as it is raised."""
        self._watchers.append(watcher)

    def before_work(self, hook: Callable[[], None]) -> None:
        """Call `hook` as each unit of work starts (the runtime paces listeners with it)."""
        self._before_work.append(hook)

    def __repr__(self) -> str:
        return f"Database({self.safe_url!r})"

    @staticmethod
    def check_url(url: str) -> URL:
        """Parse a DATABASE_URL, or raise DatabaseConfigError saying what is wrong in one line."""
        text = url.strip()
        shown = _PASSWORD_IN_URL.sub(":***@", text)
        try:
            parsed = make_url(text)
        except (exc.ArgumentError, ValueError):
            raise DatabaseConfigError(
                f'DATABASE_URL "{shown}" is not a database URL; example: {EXAMPLE_URLS}'
            ) from None
        if parsed.drivername in ("postgres", "postgresql", "postgres+psycopg"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
            raise DatabaseConfigError(
                f'DATABASE_URL "{shown}" names an unsupported database or driver '
                f'"{parsed.drivername}"; example: {EXAMPLE_URLS}'
            )
        try:
            parsed.get_dialect().import_dbapi()
        except ImportError:
            if _is_sqlite(parsed):
                raise DatabaseConfigError(
                    "DATABASE_URL is SQLite but this Python has no sqlite3 module; "
                    "use a Python built with SQLite or a postgresql+psycopg:// URL"
                ) from None
            raise DatabaseConfigError(
                "DATABASE_URL is PostgreSQL but the psycopg driver is not installed; "
                'run: pip install "carebot[postgres]"'
            ) from None
        return parsed

    @property
    def dialect(self) -> str:
        """The database kind: "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    @property
    def safe_url(self) -> str:
        """The URL with any password masked, fit for logs and error messages."""
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def session(
        self, *, read_only: bool = False, max_wait_s: float | None = None
    ) -> Iterator[Session]:
        """A unit of work: commit on success, roll back on error, always close.

        read_only=True skips SQLite's up-front write lock; use it for pure lookups.
        max_wait_s bounds each wait of this unit of work, for the request path (Slack wants
        an answer within 3 s): for a pooled connection, for SQLite's write lock (its busy
        timeout), and on PostgreSQL for any lock (lock_timeout) and statement
        (statement_timeout). None keeps the usual waits: 10 s for a connection and for
        SQLite's write lock, none on PostgreSQL locks. Giving up, in any unit of work,
        raises DatabaseBusy.
        """
        options: dict[str, Any] = {}
        if max_wait_s is not None:
            if not (math.isfinite(max_wait_s) and max_wait_s > 0):
                raise ValueError(f"max_wait_s must be a positive number of seconds: {max_wait_s}")
            options[_MAX_WAIT] = max_wait_s
        for hook in self._before_work:
            hook()
        session = (self._read_sessions if read_only else self._sessions)()
        checkout = _checkout_wait.set(max_wait_s)
        try:
            try:
                # Begin now: on SQLite this takes the write lock before anything is read.
                connection = session.connection(execution_options=options)
            except (exc.DBAPIError, exc.TimeoutError) as error:
                if _is_busy(error):
                    raise self._busy(error, max_wait_s) from error
                raise self._unavailable(error) from error
            finally:
                _checkout_wait.reset(checkout)
            if max_wait_s is not None and self.dialect == "postgresql":
                wait = f"'{_milliseconds(max_wait_s)}ms'"
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {wait}")
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {wait}")
            yield session
            session.commit()
        except BaseException as error:
            session.rollback()
            if _is_busy(error):
                raise self._busy(error, max_wait_s) from error
            raise
        finally:
            session.close()

    def ping(self) -> str | None:
        """None when the database answers, else a short reason (never the password)."""
        try:
            with self._reader.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except Exception as error:
            return self._reason(error)
        return None

    def upgrade(self) -> None:
        """Apply every migration not applied yet, in one transaction."""
        with self._connect(self.engine) as connection, connection.begin():
            if self.dialect == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            command.upgrade(self._alembic_config(connection), "head")

    def current_revision(self) -> str | None:
        """The migration revision the database is at; None before the first upgrade."""
        with self._connect(self._reader) as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def is_up_to_date(self) -> bool:
        """Whether every migration has been applied."""
        heads = set(ScriptDirectory.from_config(self._alembic_config()).get_heads())
        with self._connect(self._reader) as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
        return current == heads

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def _connect(self, engine: Engine) -> Connection:
        try:
            return engine.connect()
        except exc.DBAPIError as error:
            raise self._unavailable(error) from error

    def _unavailable(self, error: BaseException) -> DatabaseUnavailable:
        return self._told(
            DatabaseUnavailable(
                f"cannot connect to the database {self.safe_url}: {self._reason(error)}"
            )
        )

    def _busy(self, error: BaseException, max_wait_s: float | None) -> DatabaseBusy:
        waited = f"after {max_wait_s:g} s" if max_wait_s is not None else "waiting"
        return self._told(
            DatabaseBusy(f"the database is busy; gave up {waited}: {self._reason(error)}")
        )

    def _told(self, failure: _Failure) -> _Failure:
        for watcher in self._watchers:
            watcher(failure)
        return failure

    def _reason(self, error: BaseException) -> str:
        cause = getattr(error, "orig", None) or error
        lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
        reason = lines[0] if lines else type(cause).__name__
        if self.url.password:
            reason = reason.replace(str(self.url.password), "***")
        return reason[:300]

    @staticmethod
    def _alembic_config(connection: Connection | None = None) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
        config.attributes["connection"] = connection
        return config


class _Pool(QueuePool):
    """A QueuePool whose checkout wait a unit of work may shorten for itself."""

    @property
    def _timeout(self) -> float:
        # QueuePool reads self._timeout on every checkout.
        wait = _checkout_wait.get()
        return self._default_timeout if wait is None else min(wait, self._default_timeout)

    @_timeout.setter
    def _timeout(self, value: float) -> None:
        self._default_timeout = value


def _is_busy(error: BaseException) -> bool:
    """Whether the error is a wait given up on, rather than a broken query or connection."""
    if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    code = getattr(error.orig, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return True
    return getattr(error.orig, "sqlstate", None) in (_PG_LOCK_NOT_AVAILABLE, _PG_QUERY_CANCELED)


def _milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def _sqlite_engine(url: URL, echo: bool) -> Engine:
    memory = _is_memory(url)
    # In memory, every connection is its own database: keep exactly one, and let threads
    # wait their turn for it (StaticPool would hand it to several threads at once).
    # On file, pool as on PostgreSQL; SQLite's write lock serializes writers anyway.
    pool_size, max_overflow = (1, 0) if memory else (POOL_SIZE, POOL_OVERFLOW)
    default_busy_ms = BUSY_TIMEOUT_S * 1000
    engine = create_engine(
        url,
        echo=echo,
        # Errors must not quote bound values: they are patient names and notes.
        hide_parameters=True,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S},
        poolclass=_Pool,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=BUSY_TIMEOUT_S,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # The driver's own implicit BEGIN is off; the "begin" hook below decides the kind.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {default_busy_ms}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if not memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
        record.info[_BUSY_TIMEOUT_MS] = default_busy_ms

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        # The busy timeout bounds the wait for the write lock, so set it before the BEGIN.
        max_wait_s = options.get(_MAX_WAIT)
        busy_ms = default_busy_ms if max_wait_s is None else _milliseconds(max_wait_s)
        if connection.info.get(_BUSY_TIMEOUT_MS) != busy_ms:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {busy_ms}")
            connection.info[_BUSY_TIMEOUT_MS] = busy_ms
        # IMMEDIATE takes the write lock up front so read-check-write steps serialize.
        read_only = options.get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # A short busy timeout was for one unit of work: give the pool back the default.
        if dbapi_connection is None or record.info.get(_BUSY_TIMEOUT_MS) == default_busy_ms:
            return
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {default_busy_ms}")
        cursor.close()
        record.info[_BUSY_TIMEOUT_MS] = default_busy_ms

    return engine


def _pg_engine(url: URL, echo: bool) -> Engine:
    connect_args: dict[str, Any] = {
        "connect_timeout": CONNECT_TIMEOUT_S,
        "application_name": "carebot",
    }
    for key in url.query:  # settings spelled out in the URL win
        connect_args.pop(key, None)
    return create_engine(
        url,
        echo=echo,
        # Errors must not quote bound values: they are patient names and notes.
        hide_parameters=True,
        pool_pre_ping=True,
        poolclass=_Pool,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        pool_timeout=POOL_TIMEOUT_S,
        pool_recycle=1800,
        connect_args=connect_args,
    )
