"""Errors the storage layer raises for problems an admin has to fix."""

from __future__ import annotations


class DatabaseConfigError(ValueError):
    """DATABASE_URL is malformed, names an unsupported database, or its driver is missing."""


class DatabaseUnavailable(RuntimeError):
    """The database did not accept a connection."""


class DatabaseBusy(RuntimeError):
    """A unit of work gave up waiting for a connection, a lock or a slow statement."""
