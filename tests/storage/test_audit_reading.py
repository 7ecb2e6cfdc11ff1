"""Reading the audit trail back: one record's history, a patient's records, a streamed export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.handoffs.rules.actions import ActionItem
from storage import Database, SqlAuditLog, audit, patients
from storage.appointments import queries as appointments
from storage.handoffs import queries as handoffs

T0 = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_a_records_trail_is_newest_first_in_its_own_workspace_only(db: Database) -> None:
    with db.session() as session:
        log = SqlAuditLog(session)
        log.record("T1", "U1", "handoff.create", "H-7", "C1", at=T0)
        log.record("T1", "U2", "handoff.acknowledge", "H-7", "C1", at=T0 + HOUR)
        log.record("T1", "U1", "handoff.create", "H-8", "C1", at=T0)
        log.record("T2", "U9", "handoff.create", "H-7", "C9", at=T0 + 2 * HOUR)

    with db.session(read_only=True) as session:
        rows, total = audit.trail(session, "T1", ["H-7"])
        capped, capped_total = audit.trail(session, "T1", ["H-7", "H-8"], limit=1)
        other, none = audit.trail(session, "T3", ["H-7"])

    assert [(r.actor, r.action) for r in rows] == [
        ("U2", "handoff.acknowledge"),
        ("U1", "handoff.create"),
    ]
    assert total == 2
    assert [r.action for r in capped] == ["handoff.acknowledge"] and capped_total == 3
    assert (other, none) == ([], 0)


def test_a_patients_records_are_its_visits_and_handoffs_in_its_workspace(db: Database) -> None:
    with db.session() as session:
        jane = patients.find_or_create(session, "T1", "Jane Doe", None, "U1", now=T0)
        omar = patients.find_or_create(session, "T1", "Omar Haddad", None, "U1", now=T0)
        for patient in (jane, omar, jane):
            appointments.add(
                session,
                "T1",
                patient_id=patient.id,
                kind="consult",
                label="Consult",
                start_at=T0,
                end_at=T0 + HOUR,
                clinician_id=None,
                location=None,
                notes=None,
                booked_by="U1",
                channel_id="C1",
                now=T0,
            )
        handoffs.add(
            session,
            "T1",
            patient_id=jane.id,
            template="ipass",
            severity="stable",
            sections={"summary": "stable"},
            channel_id="C1",
            author_id="U1",
            receiver_user=None,
            receiver_group=None,
            actions=[ActionItem("Call")],
            now=T0,
        )

    with db.session(read_only=True) as session:
        janes = audit.records_of_patient(session, "T1", jane.number)
        elsewhere = audit.records_of_patient(session, "T2", jane.number)
        nobody = audit.records_of_patient(session, "T1", 99)

    assert sorted(janes) == ["A-1", "A-3", "H-1"]
    assert elsewhere == [] and nobody == []


def test_the_export_streams_a_range_oldest_first_in_batches(db: Database) -> None:
    with db.session() as session:
        log = SqlAuditLog(session)
        for hour in range(7):
            team = "T1" if hour % 2 == 0 else "T2"
            log.record(team, "U1", "appointment.book", f"A-{hour + 1}", at=T0 + hour * HOUR)

    with db.session(read_only=True) as session:
        every = [r.ref for r in audit.stream(session, T0, batch=2)]
        middle = [r.ref for r in audit.stream(session, T0 + HOUR, T0 + 4 * HOUR, batch=2)]
        t1 = [r.ref for r in audit.stream(session, T0, teams=["T1"], batch=3)]
        later = list(audit.stream(session, T0 + 7 * HOUR))

    assert every == ["A-1", "A-2", "A-3", "A-4", "A-5", "A-6", "A-7"]
    assert middle == ["A-2", "A-3", "A-4"]
    assert t1 == ["A-1", "A-3", "A-5", "A-7"]
    assert later == []
