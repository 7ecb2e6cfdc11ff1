"""`/preauth list` reads requests as plain values: the same as a loaded PreapprovalRow shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from storage import Database, patients
from storage.appointments import queries as appointments
from storage.appointments import series as series_store
from storage.preapprovals import queries as preapprovals
from storage.preapprovals.listed import listed_values
from storage.preapprovals.models import PreapprovalRow

T0 = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)
CALLED = "U0DANA|2027-03-01T14:00:00+00:00|called the payer"
OPEN = ["not_started", "submitted", "pending_info"]
# What /preauth list shows of a request (bot.preapprovals.items.item_of reads these).
READ = (
    "id", "ref", "number", "status", "urgency", "payer", "service", "service_codes",
    "diagnosis_codes", "series_id", "needed_by", "owner_id", "created_by", "channel_id",
    "payer_ref", "auth_number", "approved_units", "valid_from", "valid_to", "denial_reason",
    "notes", "submitted_at", "snoozed_until", "resolved_by",
)  # fmt: skip


def shown(row: Any) -> dict[str, Any]:
    """Everything a reader reads of a request, the ORM row's and the plain one alike."""
    seen = {name: getattr(row, name) for name in READ}
    seen["patient"] = (row.patient.ref, row.patient.display_name, row.patient.mrn)
    seen["appointment"] = row.appointment.ref if row.appointment is not None else None
    seen["series"] = (
        (row.series.ref, [(v.ref, v.start_at, v.status) for v in row.series.visits])
        if row.series is not None
        else None
    )
    return seen


def visit(session: Any, patient_id: int, start: datetime, series_id: int | None = None) -> Any:
    return appointments.add(
        session,
        "T1",
        patient_id=patient_id,
        kind="procedure",
        label="MRI",
        start_at=start,
        end_at=start + timedelta(minutes=30),
        clinician_id="U0DOC",
        location=None,
        notes=None,
        booked_by="U0DANA",
        channel_id="C1",
        now=T0,
        series_id=series_id,
        series_start=start if series_id is not None else None,
    )


def request(session: Any, team_id: str = "T1", **fields: Any) -> PreapprovalRow:
    given: dict[str, Any] = {
        "payer": "Aetna",
        "service": "MRI lumbar spine",
        "service_codes": None,
        "diagnosis_codes": None,
        "appointment_id": None,
        "needed_by": T0 + timedelta(days=5),
        "owner_id": "U0DANA",
        "created_by": "U0DANA",
        "channel_id": "C1",
        "urgency": "standard",
        "status": "not_started",
        "payer_ref": None,
        "notes": None,
        **fields,
    }
    return preapprovals.add(session, team_id, now=T0, **given)


def test_a_listed_request_reads_as_its_loaded_row_does(db: Database) -> None:
    with db.session() as session:
        jane = patients.find_or_create(session, "T1", "Jane Doe", "4242", "U0DANA", now=T0)
        raj = patients.find_or_create(session, "T1", "Raj Patel", None, "U0DANA", now=T0)
        mri = visit(session, jane.id, T0 + timedelta(days=3))
        weekly = series_store.add(
            session, "T1", rule="FREQ=WEEKLY;COUNT=3", zone="America/New_York",
            first_start=T0 + timedelta(days=7), booked_by="U0DANA", channel_id="C1", now=T0,
        )  # fmt: skip
        # Out of order on purpose: a series' visits read by start time, then ref.
        for days in (21, 7, 14):
            visit(session, raj.id, T0 + timedelta(days=days), series_id=weekly.id)
        request(session, patient_id=jane.id, appointment_id=mri.id, service_codes="72148")
        request(
            session, patient_id=raj.id, series_id=weekly.id, status="submitted",
            submitted_at=T0, urgency="urgent", payer_ref="AET-1", notes=CALLED,
            snoozed_until=T0 + timedelta(hours=3), channel_id=None,
        )  # fmt: skip
        request(
            session, patient_id=jane.id, status="approved", auth_number="A1",
            approved_units=2, valid_from=date(2027, 3, 1), valid_to=date(2027, 4, 1),
        )  # fmt: skip
        request(session, patient_id=raj.id, owner_id="U0SAM", status="pending_info")
        request(session, "T2", patient_id=raj.id)  # another workspace's: never listed
    every = [*OPEN, "approved"]
    for owner in (None, "U0DANA", "U0SAM"):
        with db.session(read_only=True) as session:
            plain = [shown(r) for r in listed_values(session, "T1", every, owner_id=owner)]
        with db.session(read_only=True) as session:
            loaded = [shown(r) for r in preapprovals.listed(session, "T1", every, owner_id=owner)]
        assert plain == loaded
        assert plain, "the workspace has requests to list"
    with db.session(read_only=True) as session:
        open_ones = listed_values(session, "T1", OPEN, owner_id="U0DANA")
    assert [r.ref for r in open_ones] == ["PA-1", "PA-2"]
    [_, weekly_request] = open_ones
    assert weekly_request.series is not None
    assert [v.ref for v in weekly_request.series.visits] == ["A-3", "A-4", "A-2"]


def test_a_list_takes_two_statements_however_many_series_it_shows(db: Database) -> None:
    with db.session() as session:
        jane = patients.find_or_create(session, "T1", "Jane Doe", "4242", "U0DANA", now=T0)
        for n in range(6):
            weekly = series_store.add(
                session, "T1", rule="FREQ=WEEKLY;COUNT=2", zone="UTC",
                first_start=T0 + timedelta(days=7 * n), booked_by="U0DANA", channel_id="C1",
                now=T0,
            )  # fmt: skip
            visit(session, jane.id, T0 + timedelta(days=7 * n), series_id=weekly.id)
            request(session, patient_id=jane.id, series_id=weekly.id)
            request(session, patient_id=jane.id)
    statements: list[str] = []
    sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with db.session(read_only=True) as session:
        found = listed_values(session, "T1", OPEN, limit=10)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(found) == 10
    assert len(selects) == 2


def test_a_list_in_a_unit_of_work_sees_its_own_unwritten_changes(db: Database) -> None:
    with db.session() as session:
        jane = patients.find_or_create(session, "T1", "Jane Doe", "4242", "U0DANA", now=T0)
        row = request(session, patient_id=jane.id)
        row.status = "denied"  # not flushed yet
        assert listed_values(session, "T1", OPEN) == []
