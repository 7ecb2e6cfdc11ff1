"""Retention: closed records past the cutoff go with their reminders; the audit trail stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.handoffs.rules.actions import ActionItem
from bot.shared.retention import purge
from storage import Database, SqlAuditLog, patients, reminders, workspaces
from storage.appointments import queries as appointments
from storage.handoffs import queries as handoffs
from storage.handoffs.models import HandoffActionRow
from storage.models import AuditRow, PatientRow, WorkspaceRow
from tests.storage.test_appointments import book

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
CUTOFF = T0 - 30 * DAY
OLD = T0 - 400 * DAY


def patient(db: Database, name: str) -> int:
    with db.session() as session:
        return patients.find_or_create(session, "T1", name, None, "U1", now=OLD).id


def handoff(
    db: Database, patient_id: int, acknowledged: datetime | None, *, item_done: bool = True
) -> str:
    with db.session() as session:
        row = handoffs.add(
            session,
            "T1",
            patient_id=patient_id,
            template="ipass",
            severity="stable",
            sections={"summary": "stable"},
            channel_id="C1",
            author_id="U1",
            receiver_user="U2",
            receiver_group=None,
            actions=[ActionItem("Recheck K+", "U2", OLD)],
            now=OLD,
        )
        handoffs.set_posted(session, "T1", row.id, "1.0", OLD)
        reminders.schedule(session, "T1", "handoff-escalation", row.ref, OLD, now=OLD)
        reminders.schedule(session, "T1", "handoff-action", f"{row.ref}/1", OLD, now=OLD)
        if acknowledged is not None:
            handoffs.acknowledge(session, "T1", row.id, "U2", "read back", acknowledged)
        if acknowledged is not None and item_done:
            handoffs.mark_done(session, "T1", row.id, 1, "U2", acknowledged)
        SqlAuditLog(session).record("T1", "U1", "handoff.create", row.ref, at=OLD)
        return row.ref


def count(db: Database, table: type) -> int:
    with db.session(read_only=True) as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_closed_records_past_the_cutoff_go_and_a_dry_run_says_so_first(db: Database) -> None:
    gone, kept, mixed = (
        patient(db, "Gone Patient"),
        patient(db, "Kept Patient"),
        patient(db, "Mixed"),
    )
    done = book(db, gone, OLD, status="fulfilled")
    book(db, kept, OLD)  # still booked: not closed, however old
    book(db, mixed, OLD, status="cancelled")
    book(db, mixed, T0 - DAY, status="fulfilled")  # closed, but within the period
    old_ack = handoff(db, gone, OLD)
    waiting = handoff(db, kept, None)
    still_to_do = handoff(db, kept, OLD, item_done=False)  # read back, but an item is open
    with db.session() as session:
        reminders.schedule(session, "T1", "appt-noshow", done.ref, OLD, now=OLD)
    trail = count(db, AuditRow)

    dry = purge(db, CUTOFF, dry_run=True, now=T0)
    real = purge(db, CUTOFF, dry_run=False, now=T0)

    expected = {"appointments": 2, "handoffs": 1, "pre-approvals": 0, "patients": 1}
    assert dry.removed == real.removed == {"T1": expected}
    assert (
        dry.lines()[1] == "T1: would remove 2 appointments, 1 handoffs, 0 pre-approvals, 1 patients"
    )
    assert real.lines()[1] == "T1: removed 2 appointments, 1 handoffs, 0 pre-approvals, 1 patients"
    with db.session(read_only=True) as session:
        assert appointments.get_by_ref(session, "T1", done.ref) is None
        assert handoffs.get_by_ref(session, "T1", old_ack) is None
        assert handoffs.get_by_ref(session, "T1", waiting) is not None
        assert reminders.get(session, "T1", "appt-noshow", done.ref) is None
        assert reminders.get(session, "T1", "handoff-action", f"{old_ack}/1") is None
        assert reminders.get(session, "T1", "handoff-escalation", waiting) is not None
        names = set(session.scalars(select(PatientRow.display_name)))
    assert names == {"Kept Patient", "Mixed"}
    assert count(db, HandoffActionRow) == 2
    with db.session(read_only=True) as session:
        assert handoffs.get_by_ref(session, "T1", still_to_do) is not None
    assert count(db, AuditRow) == trail + 1  # kept, plus the purge itself


def test_nothing_to_remove_says_so_and_writes_nothing(db: Database) -> None:
    book(db, patient(db, "Jane Doe"), T0, status="fulfilled")

    report = purge(db, CUTOFF, dry_run=False, now=T0)

    assert report.lines() == [
        "nothing to remove (closed before 2026-01-31 09:00 UTC; the audit trail is kept)"
    ]
    assert count(db, AuditRow) == 0


def test_resolved_pre_approvals_go_and_open_ones_keep_their_patient_but_not_a_gone_visit(
    db: Database,
) -> None:
    from storage.preapprovals import queries as preapprovals
    from storage.preapprovals import sent as preapproval_sent
    from storage.preapprovals.models import PreapprovalMessageRow, PreapprovalRow

    resolved_patient, open_patient = patient(db, "Resolved Patient"), patient(db, "Open Patient")
    visit = book(db, open_patient, OLD, timedelta(hours=1), status="fulfilled")
    with db.session() as session:

        def request(patient_id: int, status: str, **more: object) -> PreapprovalRow:
            row = preapprovals.add(
                session,
                "T1",
                now=OLD,
                patient_id=patient_id,
                payer="Aetna",
                service="MRI",
                owner_id="U1",
                created_by="U1",
                urgency="standard",
                status=status,
                **more,
            )
            reminders.schedule(session, "T1", "preauth-risk", row.ref, OLD, now=OLD)
            return row

        denied = request(resolved_patient, "denied", resolved_at=OLD, resolved_by="U1")
        still = request(open_patient, "submitted", appointment_id=visit.id)
        preapproval_sent.remember_messages(
            session, "T1", [("D1", "1.0", "round", [denied.id, still.id])], now=OLD
        )

    report = purge(db, CUTOFF, dry_run=False, now=T0)

    assert report.removed["T1"] == {
        "appointments": 1,
        "handoffs": 0,
        "pre-approvals": 1,
        "patients": 1,
    }
    with db.session(read_only=True) as session:
        assert preapprovals.get_by_ref(session, "T1", denied.ref) is None
        kept = preapprovals.get_by_ref(session, "T1", still.ref)
        assert kept is not None and kept.appointment_id is None
        assert reminders.get(session, "T1", "preauth-risk", denied.ref) is None
        assert reminders.get(session, "T1", "preauth-risk", still.ref) is not None
    assert count(db, PreapprovalMessageRow) == 1
    assert count(db, PatientRow) == 1  # the open request keeps its patient


def test_a_workspace_uninstalled_before_the_cutoff_loses_even_its_open_records(
    db: Database,
) -> None:
    jane = patient(db, "Jane Doe")
    booked = book(db, jane, T0 + DAY)  # still booked: open, and in the future
    waiting = handoff(db, jane, None)  # never read back
    with db.session() as session:
        workspaces.mark_uninstalled(session, "T1", now=CUTOFF + DAY)  # after the cutoff: kept

    assert purge(db, CUTOFF, dry_run=True, now=T0).removed["T1"]["appointments"] == 0

    with db.session() as session:
        session.get(WorkspaceRow, "T1").uninstalled_at = CUTOFF - DAY  # type: ignore[union-attr]
    report = purge(db, CUTOFF, dry_run=False, now=T0)

    assert report.removed["T1"] == {
        "appointments": 1,
        "handoffs": 1,
        "pre-approvals": 0,
        "patients": 1,
    }
    with db.session(read_only=True) as session:
        assert appointments.get_by_ref(session, "T1", booked.ref) is None
        assert handoffs.get_by_ref(session, "T1", waiting) is None
        assert reminders.pending_count(session, "T1") == 0
