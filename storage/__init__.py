"""carebot's storage: SQLAlchemy models, units of work, queries and Alembic migrations."""

from __future__ import annotations

from storage import (
    audit,
    channels,
    dedup,
    drafts,
    patients,
    people,
    refs,
    reminders,
    retention,
    workspaces,
)
from storage.appointments import queries as appointments
from storage.audit import SqlAuditLog
from storage.db import Database
from storage.errors import DatabaseBusy, DatabaseConfigError, DatabaseUnavailable
from storage.handoffs import queries as handoffs
from storage.handoffs.models import HandoffActionRow, HandoffRow
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
from storage.preapprovals import queries as preapprovals
from storage.preapprovals import sent as preapproval_sent
from storage.preapprovals.models import PreapprovalMessageRow, PreapprovalRoundRow, PreapprovalRow
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
