"""Workspace settings: how patients are shown, the clinic's time zone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.models import WorkspaceRow
from storage.sql import insert, read
from storage.stamp import utc_now

DEFAULT_PATIENT_DISPLAY = "initials"


def get_or_create(session: Session, team_id: str, *, now: datetime | None = None) -> WorkspaceRow:
    """The workspace's row, created with defaults the first time it is seen."""
    session.execute(
        insert(session, WorkspaceRow)
        .values(team_id=team_id, patient_display=DEFAULT_PATIENT_DISPLAY, created_at=utc_now(now))
        .on_conflict_do_nothing()
    )
    return session.execute(select(WorkspaceRow).where(WorkspaceRow.team_id == team_id)).scalar_one()


def get(session: Session, team_id: str) -> WorkspaceRow | None:
    """The workspace's row, or None if it was never stored."""
    return session.get(WorkspaceRow, team_id)


def patient_display(session: Session, team_id: str) -> str:
    """The workspace's patient display policy ("full", "initials", "id"), default "initials"."""
    found = read(session, _PATIENT_DISPLAY, {"team_id": team_id}).scalar()
    return found if found is not None else DEFAULT_PATIENT_DISPLAY


# Read on every list: one column, built once (no row to load and track).
_PATIENT_DISPLAY = select(WorkspaceRow.patient_display).where(
    WorkspaceRow.team_id == bindparam("team_id")
)


def set_patient_display(
    session: Session, team_id: str, policy: str, *, now: datetime | None = None
) -> WorkspaceRow:
    """Store the patient display policy; the core decides which values are valid."""
    if not policy or len(policy) > 16:
        raise ValueError(
            f"patient display policy {policy!r} must be 1-16 characters, like initials"
        )
    row = get_or_create(session, team_id, now=now)
    row.patient_display = policy
    session.flush()
    return row


def set_timezone(
    session: Session, team_id: str, timezone: str | None, *, now: datetime | None = None
) -> WorkspaceRow:
    """Store the workspace's IANA time zone (None: use the clinic default)."""
    row = get_or_create(session, team_id, now=now)
    row.timezone = timezone
    session.flush()
    return row


def mark_uninstalled(session: Session, team_id: str, *, now: datetime | None = None) -> bool:
    """carebot was uninstalled (or its bot token revoked): the workspace's reminders stop.
    False if it was marked already (Slack sends app_uninstalled and tokens_revoked)."""
    row = get_or_create(session, team_id, now=now)
    if row.uninstalled_at is not None:
        return False
    row.uninstalled_at = utc_now(now)
    session.flush()
    return True


def mark_installed(
    session: Session, team_id: str, by: str | None, *, now: datetime | None = None
) -> None:
    """carebot is installed (again), by `by`, an admin there from now on: the workspace's
    reminders run, overdue ones first."""
    row = get_or_create(session, team_id, now=now)
    row.uninstalled_at = None
    if by:
        row.installed_by = by
    session.flush()


def installed_by(session: Session, team_id: str) -> str | None:
    """Who installed carebot in this workspace last (many workspaces), if anyone did."""
    row = session.get(WorkspaceRow, team_id)
    return row.installed_by if row is not None else None


def uninstalled(session: Session, team_id: str) -> bool:
    row = session.get(WorkspaceRow, team_id)
    return row is not None and row.uninstalled_at is not None
