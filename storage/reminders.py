"""Reminder rows: features schedule them; sweeps lease the due ones and record outcomes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, exists, func, or_, select, update
from sqlalchemy.orm import Session

from bot.shared.rules.reminders import DueReminder, Lease, Outcome
from storage.db import Database
from storage.models import ReminderRow, WorkspaceRow
from storage.sql import insert, rowcount
from storage.stamp import utc_now

_table = cast(Table, ReminderRow.__table__)


class SqlReminderStore:
    """The sweep's ReminderStore: each call is its own short transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def claim_due(self, now: datetime, lease: Lease, limit: int) -> list[DueReminder]:
        """Lease up to `limit` due rows nobody holds a live lease on, oldest due first."""
        due = (
            select(ReminderRow.id)
            .where(ReminderRow.next_at <= now, _unleased(now), _installed())
            .order_by(ReminderRow.next_at, ReminderRow.id)
            .limit(limit)
            # PostgreSQL: rows another sweep is claiming are skipped, not waited for.
            # SQLite has no row locks; its BEGIN IMMEDIATE serializes claimers instead.
            .with_for_update(skip_locked=True)
        )
        claimed = self._claim(ReminderRow.id.in_(due.scalar_subquery()), lease)
        return sorted(claimed, key=lambda reminder: (reminder.next_at, reminder.id))

    def claim_one(
        self,
        team_id: str,
        kind: str,
        subject_ref: str,
        now: datetime,
        lease: Lease,
    ) -> DueReminder | None:
        """Lease this one row if it is due and unleased; None if not (the sweep owns it)."""
        claimed = self._claim(
            and_(
                ReminderRow.team_id == team_id,
                ReminderRow.kind == kind,
                ReminderRow.subject_ref == subject_ref,
                ReminderRow.next_at <= now,
                _unleased(now),
            ),
            lease,
        )
        return claimed[0] if claimed else None

    def _claim(self, which: Any, lease: Lease) -> list[DueReminder]:
        with self.db.session() as session:
            rows = session.execute(
                update(ReminderRow)
                .where(which)
                .values(
                    lease_owner=lease.owner,
                    lease_until=lease.until,
                    claims=ReminderRow.claims + 1,
                    first_claimed_at=func.coalesce(ReminderRow.first_claimed_at, lease.claimed_at),
                )
                .returning(
                    ReminderRow.id,
                    ReminderRow.team_id,
                    ReminderRow.kind,
                    ReminderRow.subject_ref,
                    ReminderRow.next_at,
                    ReminderRow.attempts,
                    ReminderRow.payload,
                    ReminderRow.claims,
                    ReminderRow.first_claimed_at,
                )
            ).all()
        return [
            DueReminder(
                id=row.id,
                team_id=row.team_id,
                kind=row.kind,
                subject_ref=row.subject_ref,
                next_at=row.next_at,
                attempts=row.attempts,
                payload=dict(row.payload or {}),
                maybe_sent_since=row.first_claimed_at if row.claims > 1 else None,
            )
            for row in rows
        ]

    def record(self, outcomes: Sequence[Outcome], owner: str, now: datetime) -> None:
        """Store outcomes of rows still leased to `owner` and release them; others are left be."""
        succeeded = [_params(o) for o in outcomes if o.error is None]
        failed = [_params(o) for o in outcomes if o.error is not None]
        mine = and_(_table.c.id == bindparam("b_id"), _table.c.lease_owner == owner)
        released: dict[str, Any] = {
            "next_at": bindparam("b_next_at"),
            "lease_owner": None,
            "lease_until": None,
        }
        with self.db.session() as session:
            connection = session.connection()
            if succeeded:
                connection.execute(
                    _table.update()
                    .where(mine)
                    .values(
                        **released,
                        attempts=0,
                        claims=0,
                        first_claimed_at=None,
                        last_error=None,
                        updated_at=now,
                    ),
                    succeeded,
                )
            if failed:
                connection.execute(
                    _table.update()
                    .where(mine)
                    .values(
                        **released,
                        attempts=_table.c.attempts + 1,
                        claims=0,
                        first_claimed_at=None,
                        last_error=bindparam("b_error"),
                        updated_at=now,
                    ),
                    failed,
                )


def schedule(
    session: Session,
    team_id: str,
    kind: str,
    subject_ref: str,
    next_at: datetime,
    payload: Mapping[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> None:
    """Make this subject's reminder of this kind due at `next_at`, replacing any earlier plan.

    Any lease is dropped too, so an in-flight sweep cannot overwrite the new plan.
    """
    stamp = utc_now(now)
    statement = insert(session, ReminderRow).values(
        team_id=team_id,
        kind=kind,
        subject_ref=subject_ref,
        next_at=next_at,
        attempts=0,
        payload=dict(payload or {}),
        created_at=stamp,
        updated_at=stamp,
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[ReminderRow.team_id, ReminderRow.kind, ReminderRow.subject_ref],
            set_={
                "next_at": statement.excluded.next_at,
                "payload": statement.excluded.payload,
                "attempts": 0,
                "claims": 0,
                "first_claimed_at": None,
                "last_error": None,
                "lease_owner": None,
                "lease_until": None,
                "updated_at": statement.excluded.updated_at,
            },
        )
    )


def cancel(
    session: Session, team_id: str, kind: str, subject_ref: str, *, now: datetime | None = None
) -> int:
    """Finish this subject's reminder of this kind; returns 1 if one was pending, else 0."""
    return _finish(
        session,
        now,
        ReminderRow.team_id == team_id,
        ReminderRow.kind == kind,
        ReminderRow.subject_ref == subject_ref,
    )


def cancel_all(
    session: Session, team_id: str, subject_ref: str, *, now: datetime | None = None
) -> int:
    """Finish every reminder about this subject (e.g. a pre-approval was resolved)."""
    return _finish(
        session, now, ReminderRow.team_id == team_id, ReminderRow.subject_ref == subject_ref
    )


def get(session: Session, team_id: str, kind: str, subject_ref: str) -> ReminderRow | None:
    """This subject's reminder row of this kind, pending or finished, or None."""
    return session.execute(
        select(ReminderRow)
        .where(
            ReminderRow.team_id == team_id,
            ReminderRow.kind == kind,
            ReminderRow.subject_ref == subject_ref,
        )
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def pending_count(session: Session, team_id: str | None = None) -> int:
    """How many reminders still have a next_at, in one workspace or all."""
    query = select(func.count()).select_from(ReminderRow).where(ReminderRow.next_at.is_not(None))
    if team_id is not None:
        query = query.where(ReminderRow.team_id == team_id)
    return int(session.execute(query).scalar_one())


def oldest_due(session: Session) -> datetime | None:
    """The earliest next_at of any pending reminder (read through its partial index)."""
    return session.execute(
        select(func.min(ReminderRow.next_at)).where(ReminderRow.next_at.is_not(None), _installed())
    ).scalar_one()


def _installed() -> Any:
    """Not a reminder of a workspace that uninstalled carebot: those wait, unsent, until it
    is installed again or retention removes them."""
    return ~exists().where(
        WorkspaceRow.team_id == ReminderRow.team_id, WorkspaceRow.uninstalled_at.is_not(None)
    )


def _finish(session: Session, now: datetime | None, *criteria: Any) -> int:
    # Dropping the lease too means a sweep firing right now cannot bring the row back.
    result = session.execute(
        update(ReminderRow)
        .where(*criteria, ReminderRow.next_at.is_not(None))
        .values(
            next_at=None,
            lease_owner=None,
            lease_until=None,
            claims=0,
            first_claimed_at=None,
            updated_at=utc_now(now),
        )
    )
    return rowcount(result)


def _unleased(now: datetime) -> Any:
    return or_(ReminderRow.lease_until.is_(None), ReminderRow.lease_until < now)


def _params(outcome: Outcome) -> dict[str, Any]:
    return {"b_id": outcome.reminder_id, "b_next_at": outcome.next_at, "b_error": outcome.error}
