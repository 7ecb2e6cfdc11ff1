"""carebot's storage: SQLAlchemy models, units of work, queries and Alembic migrations."""

from __future__ import annotations

from storage import audit, channels, dedup, patients, people, refs, reminders, workspaces
from storage.audit import SqlAuditLog
from storage.db import Database
from storage.errors import DatabaseConfigError, DatabaseUnavailable
from storage.models import (
    AuditRow,
    CareChannelRow,
    PatientRow,
    PersonRow,
    ReminderRow,
    UTCDateTime,
    WorkspaceRow,
)
from storage.reminders import SqlReminderStore

__all__ = [
    "AuditRow",
    "CareChannelRow",
    "Database",
    "DatabaseConfigError",
    "DatabaseUnavailable",
    "PatientRow",
    "PersonRow",
    "ReminderRow",
    "SqlAuditLog",
    "SqlReminderStore",
    "UTCDateTime",
    "WorkspaceRow",
    "audit",
    "channels",
    "dedup",
    "patients",
    "people",
    "refs",
    "reminders",
    "workspaces",
]
