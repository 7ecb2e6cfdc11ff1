"""carebot's storage: SQLAlchemy models, units of work, queries and Alembic migrations."""

from __future__ import annotations

from storage import (
    appointments,
    audit,
    channels,
    dedup,
    drafts,
    handoffs,
    patients,
    people,
    preapproval_sent,
    preapprovals,
    refs,
    reminders,
    retention,
    workspaces,
)
from storage.audit import SqlAuditLog
from storage.db import Database
from storage.errors import DatabaseBusy, DatabaseConfigError, DatabaseUnavailable
from storage.handoff_models import HandoffActionRow, HandoffRow
from storage.models import (
    AppointmentRow,
    AuditRow,
    CareChannelRow,
    DraftRow,
    PatientRow,
    PersonRow,
    ReminderRow,
    UTCDateTime,
    WorkspaceRow,
)
from storage.preapproval_models import PreapprovalMessageRow, PreapprovalRoundRow, PreapprovalRow
from storage.reminders import SqlReminderStore

__all__ = [
    "AppointmentRow",
    "AuditRow",
    "CareChannelRow",
    "Database",
    "DatabaseBusy",
    "DatabaseConfigError",
    "DatabaseUnavailable",
    "DraftRow",
    "HandoffActionRow",
    "HandoffRow",
    "PatientRow",
    "PersonRow",
    "PreapprovalMessageRow",
    "PreapprovalRoundRow",
    "PreapprovalRow",
    "ReminderRow",
    "SqlAuditLog",
    "SqlReminderStore",
    "UTCDateTime",
    "WorkspaceRow",
    "appointments",
    "audit",
    "channels",
    "dedup",
    "drafts",
    "handoffs",
    "patients",
    "people",
    "preapproval_sent",
    "preapprovals",
    "refs",
    "reminders",
    "retention",
    "workspaces",
]
