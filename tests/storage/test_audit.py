"""The audit trail: ids only, and the database itself refuses to change or delete a row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from storage import Database, SqlAuditLog, audit
from storage.models import AuditRow

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def write_two(db: Database) -> None:
    with db.session() as session:
        log = SqlAuditLog(session)
        log.record("T1", "U1", "appointment.book", ref="A-12", channel_id="C1", at=T0)
        log.record(
            "T1", "carebot", "preauth.nag", ref="PA-3", request_id="req-1", at=T0 + timedelta(1)
        )
        log.record("T2", "U9", "patient.create", ref="P-1", at=T0)


def test_recent_rows_come_newest_first_per_workspace(db: Database) -> None:
    write_two(db)
    with db.session() as session:
        rows = audit.recent(session, "T1", limit=10)
    assert [(r.action, r.ref, r.at) for r in rows] == [
        ("preauth.nag", "PA-3", T0 + timedelta(1)),
        ("appointment.book", "A-12", T0),
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'U2'",
        "DELETE FROM audit_log",
    ],
)
def test_the_database_refuses_to_change_audit_rows(db: Database, statement: str) -> None:
    write_two(db)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.session() as session:
        session.execute(sa.text(statement))
    with db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditRow)) == 3


def test_an_orm_edit_of_an_audit_row_is_refused_too(db: Database) -> None:
    write_two(db)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.session() as session:
        row = audit.recent(session, "T1", limit=1)[0]
        row.ref = "A-13"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("action", "Booked MRI for Jane Doe"),
        ("action", "appointment.book\nJane Doe"),
        ("ref", "Jane Doe"),
        ("ref", "a-12"),
        ("ref", "A-12 chest pain"),
        ("channel_id", "#4-west nurses"),
        ("request_id", "jane doe's admission"),
    ],
)
def test_clinical_looking_text_is_refused(db: Database, field: str, value: str) -> None:
    fields = {"action": "appointment.book", "ref": "A-12", field: value}
    refused = pytest.raises(ValueError, match=f"audit {field} must be a short id")
    with refused as raised, db.session() as session:
        SqlAuditLog(session).record("T1", "U1", **fields)
    assert value.strip() not in str(raised.value)
    with db.session() as session:
        assert audit.recent(session, "T1", 10) == []
