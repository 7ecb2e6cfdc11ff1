"""Appointments: A-refs, conflicts on patient, clinician or room, lists, and the booking race."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.orm import Session

from storage import Database, patients
from storage.appointments import queries as appointments
from storage.db import MIGRATIONS
from storage.models import AppointmentRow
from storage.sql import lock_key
from tests.storage.concurrency import together

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def patient(db: Database, name: str = "Jane Doe", team_id: str = "T1") -> int:
    with db.session() as session:
        return patients.find_or_create(session, team_id, name, None, "U1", now=T0).id


def book(
    db: Database,
    patient_id: int,
    start: datetime = T0,
    length: timedelta = HOUR,
    *,
    team_id: str = "T1",
    clinician: str | None = None,
    location: str | None = None,
    booked_by: str = "U1",
    status: str = "booked",
) -> AppointmentRow:
    with db.session() as session:
        row = add(session, team_id, patient_id, start, length, clinician, location, booked_by)
        if status != "booked":
            appointments.set_status(session, row, status, now=T0)
        return row


def add(
    session: Session,
    team_id: str,
    patient_id: int,
    start: datetime,
    length: timedelta = HOUR,
    clinician: str | None = None,
    location: str | None = None,
    booked_by: str = "U1",
) -> AppointmentRow:
    return appointments.add(
        session,
        team_id,
        patient_id=patient_id,
        kind="consult",
        label="Consult",
        start_at=start,
        end_at=start + length,
        clinician_id=clinician,
        location=location,
        notes=None,
        booked_by=booked_by,
        channel_id="C1",
        now=T0 - DAY,
    )


def clashes(
    db: Database,
    start: datetime,
    end: datetime,
    *,
    team_id: str = "T1",
    patient_id: int | None = None,
    clinician: str | None = None,
    location: str | None = None,
    exclude_id: int | None = None,
) -> list[str]:
    with db.session(read_only=True) as session:
        found = appointments.conflicts(
            session,
            team_id,
            start,
            end,
            patient_id=patient_id,
            clinician_id=clinician,
            location_key=appointments.location_key(location),
            exclude_id=exclude_id,
        )
        return [row.ref for row in found]


def listed(
    db: Database, start: datetime = T0, end: datetime = T0 + DAY, **filters: Any
) -> list[str]:
    with db.session(read_only=True) as session:
        return [row.ref for row in appointments.between(session, "T1", start, end, **filters)]


def test_refs_count_up_per_workspace_and_the_row_keeps_what_was_booked(db: Database) -> None:
    jane, omar = patient(db), patient(db, "Omar Haddad", team_id="T2")

    first = book(db, jane, clinician="U7", location="  Radiology   2 ")
    second = book(db, jane, T0 + HOUR)
    elsewhere = book(db, omar, team_id="T2")

    assert (first.ref, second.ref, elsewhere.ref) == ("A-1", "A-2", "A-1")
    assert first.status == "booked" and first.patient.display_name == "Jane Doe"
    assert (first.location, first.location_key) == ("Radiology 2", "radiology 2")
    assert (first.start_at, first.end_at) == (T0, T0 + HOUR)
    assert first.created_at == first.updated_at == T0 - DAY


def test_the_same_patient_in_an_overlapping_slot_conflicts(db: Database) -> None:
    jane = patient(db)
    book(db, jane, clinician="U7", location="OR 4")

    assert clashes(db, T0 + timedelta(minutes=30), T0 + 2 * HOUR, patient_id=jane) == ["A-1"]


def test_the_same_clinician_in_an_overlapping_slot_conflicts(db: Database) -> None:
    book(db, patient(db), clinician="U7")
    omar, end = patient(db, "Omar"), T0 + timedelta(minutes=1)

    assert clashes(db, T0 - HOUR, end, patient_id=omar, clinician="U7") == ["A-1"]
    assert clashes(db, T0 - HOUR, end, patient_id=omar, clinician="U8") == []


def test_the_same_room_conflicts_however_its_name_is_spaced_or_cased(db: Database) -> None:
    book(db, patient(db), location="OR 4")

    assert clashes(db, T0, T0 + HOUR, location="  or\t 4 ") == ["A-1"]
    assert clashes(db, T0, T0 + HOUR, location="OR 40") == []


def test_overlaps_on_several_resources_are_listed_once_each_by_start(db: Database) -> None:
    jane = patient(db)
    book(db, jane, T0 + HOUR, clinician="U7")
    book(db, patient(db, "Omar"), T0, location="OR 4")

    found = clashes(db, T0, T0 + 2 * HOUR, patient_id=jane, clinician="U7", location="or 4")
    assert found == ["A-2", "A-1"]


def test_touching_slots_do_not_conflict(db: Database) -> None:
    book(db, patient(db), clinician="U7")

    assert clashes(db, T0 + HOUR, T0 + 2 * HOUR, clinician="U7") == []
    assert clashes(db, T0 - HOUR, T0, clinician="U7") == []
    assert clashes(db, T0 + HOUR - timedelta(minutes=1), T0 + 2 * HOUR, clinician="U7") == ["A-1"]


@pytest.mark.parametrize("status", ["cancelled", "noshow", "fulfilled", "entered-in-error"])
def test_visits_that_no_longer_hold_their_slot_do_not_conflict(db: Database, status: str) -> None:
    book(db, patient(db), clinician="U7", status=status)

    assert clashes(db, T0, T0 + HOUR, clinician="U7") == []


@pytest.mark.parametrize("status", ["booked", "arrived", "checked-in"])
def test_visits_holding_their_slot_conflict(db: Database, status: str) -> None:
    book(db, patient(db), clinician="U7", status=status)

    assert clashes(db, T0, T0 + HOUR, clinician="U7") == ["A-1"]


def test_a_move_does_not_conflict_with_the_visit_being_moved(db: Database) -> None:
    moving = book(db, patient(db), clinician="U7")
    book(db, patient(db, "Omar"), T0 + 2 * HOUR, clinician="U7")
    later = T0 + timedelta(minutes=30)

    assert clashes(db, later, later + HOUR, clinician="U7", exclude_id=moving.id) == []
    to = T0 + timedelta(minutes=90)
    assert clashes(db, to, to + HOUR, clinician="U7", exclude_id=moving.id) == ["A-2"]


def test_another_workspace_never_conflicts_or_shows(db: Database) -> None:
    there = patient(db, team_id="T2")
    book(db, there, team_id="T2", clinician="U7", location="OR 4")

    assert clashes(db, T0, T0 + HOUR, clinician="U7", location="OR 4") == []
    assert clashes(db, T0, T0 + HOUR, patient_id=there) == []
    assert listed(db) == []
    with db.session(read_only=True) as session:
        assert appointments.get_by_ref(session, "T1", "A-1") is None
        assert appointments.count_between(session, "T1", T0, T0 + DAY) == 0
        assert (
            appointments.busy_between(
                session, "T1", T0, T0 + DAY, patient_id=None, clinician_id="U7", location_key=None
            )
            == []
        )


def test_busy_spans_are_those_of_the_same_resources_holding_a_slot(db: Database) -> None:
    jane, omar = patient(db), patient(db, "Omar")
    book(db, jane, T0 + 3 * HOUR)
    book(db, omar, T0, clinician="U7")
    book(db, omar, T0 + HOUR, location="OR 4", status="cancelled")
    book(db, omar, T0 + 5 * HOUR, location="Or 4")
    book(db, omar, T0 + 2 * HOUR)  # shares nothing with the query
    book(db, jane, T0 + 2 * DAY)  # outside the window

    with db.session(read_only=True) as session:
        busy = appointments.busy_between(
            session,
            "T1",
            T0,
            T0 + DAY,
            patient_id=jane,
            clinician_id="U7",
            location_key="or 4",
        )

    assert busy == [(T0, T0 + HOUR), (T0 + 3 * HOUR, T0 + 4 * HOUR), (T0 + 5 * HOUR, T0 + 6 * HOUR)]


def test_nothing_to_share_means_nothing_conflicts(db: Database) -> None:
    book(db, patient(db), clinician="U7", location="OR 4")

    assert clashes(db, T0, T0 + HOUR) == []


def test_between_lists_by_start_then_ref_with_filters_and_counts(db: Database) -> None:
    jane, omar = patient(db), patient(db, "Omar")
    book(db, jane, T0 + 2 * HOUR, clinician="U7")
    book(db, omar, T0, clinician="U8", booked_by="U2")
    book(db, omar, T0 + 2 * HOUR, clinician="U7", status="cancelled")
    book(db, jane, T0 - HOUR)  # A-4, before the window
    book(db, jane, T0 + DAY)  # A-5, starts exactly at the window's end

    assert listed(db) == ["A-2", "A-1", "A-3"]
    assert listed(db, clinician_id="U7") == ["A-1", "A-3"]
    assert listed(db, patient_id=omar) == ["A-2", "A-3"]
    assert listed(db, booked_by="U2") == ["A-2"]
    assert listed(db, statuses=appointments.HOLDS_SLOT) == ["A-2", "A-1"]
    assert listed(db, statuses=["cancelled"], clinician_id="U7") == ["A-3"]
    with db.session(read_only=True) as session:
        count = appointments.count_between
        assert count(session, "T1", T0, T0 + DAY) == 3
        assert count(session, "T1", T0, T0 + DAY, clinician_id="U7", statuses=["booked"]) == 1
        assert count(session, "T1", T0 - DAY, T0 + 2 * DAY, patient_id=jane) == 3


def test_two_hundred_visits_page_through_in_order_without_gaps(db: Database) -> None:
    jane = patient(db)
    with db.session() as session:
        for index in range(200):
            # Pairs share a start, so the ref decides their order.
            add(session, "T1", jane, T0 + timedelta(minutes=5 * (index // 2)))

    pages = [listed(db, limit=50, offset=offset) for offset in range(0, 250, 50)]

    assert [len(page) for page in pages] == [50, 50, 50, 50, 0]
    assert [ref for page in pages for ref in page] == [f"A-{n}" for n in range(1, 201)]
    with db.session(read_only=True) as session:
        assert appointments.count_between(session, "T1", T0, T0 + DAY) == 200


def test_listing_fifty_visits_with_their_patients_takes_a_bounded_number_of_statements(
    db: Database,
) -> None:
    with db.session() as session:
        for index in range(50):
            someone = patients.find_or_create(session, "T1", f"Patient {index}", None, "U1")
            add(session, "T1", someone.id, T0 + timedelta(minutes=10 * index))
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    with db.session(read_only=True) as session:
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            rows = appointments.between(session, "T1", T0, T0 + DAY)
            names = {row.patient.display_name for row in rows}
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)

    assert len(rows) == 50 and len(names) == 50
    assert 1 <= len(statements) <= 3


def test_a_patient_is_never_loaded_lazily(db: Database) -> None:
    book(db, patient(db))
    with db.session(read_only=True) as session:
        row = session.execute(sa.select(AppointmentRow)).scalar_one()
        with pytest.raises(sa.exc.InvalidRequestError, match="lazy='raise'"):
            _ = row.patient


@pytest.mark.parametrize("typed", ["A-2", "a2", " a-2 ", "A2"])
def test_get_by_ref_reads_the_forms_people_type(db: Database, typed: str) -> None:
    jane = patient(db)
    book(db, jane)
    book(db, jane, T0 + HOUR, clinician="U7")

    with db.session(read_only=True) as session:
        found = appointments.get_by_ref(session, "T1", typed)
        assert found is not None and found.clinician_id == "U7"
        assert found.patient.display_name == "Jane Doe"


@pytest.mark.parametrize("typed", ["A-3", "A-0", "P-1", "H-2", "A-", "tomorrow", ""])
def test_get_by_ref_is_none_for_anything_else(db: Database, typed: str) -> None:
    book(db, patient(db))
    book(db, patient(db), T0 + HOUR)

    with db.session(read_only=True) as session:
        assert appointments.get_by_ref(session, "T1", typed) is None


def test_get_by_ref_can_lock_the_row_for_a_status_change(db: Database) -> None:
    book(db, patient(db))
    with db.session() as session:
        row = appointments.get_by_ref(session, "T1", "A-1", for_update=True)
        assert row is not None and row.patient.display_name == "Jane Doe"


def test_status_moves_and_the_confirmation_message_are_stored(db: Database) -> None:
    row = book(db, patient(db))
    later = T0 + DAY
    with db.session() as session:
        appointments.set_message(session, row, "C1", "1700000000.000100", now=T0)
        appointments.reschedule(session, row, T0 + 2 * HOUR, T0 + 3 * HOUR, now=T0)
        appointments.set_status(session, row, "cancelled", now=later, reason="  patient unwell ")

    with db.session(read_only=True) as session:
        stored = appointments.get_by_ref(session, "T1", "A-1")
    assert stored is not None
    assert (stored.message_channel, stored.message_ts) == ("C1", "1700000000.000100")
    assert (stored.start_at, stored.end_at) == (T0 + 2 * HOUR, T0 + 3 * HOUR)
    assert (stored.status, stored.cancel_reason) == ("cancelled", "patient unwell")
    assert stored.updated_at == later

    with db.session() as session:
        appointments.set_status(session, stored, "booked", now=later)
    assert stored.cancel_reason is None


def test_bad_values_are_refused_before_they_reach_the_database(db: Database) -> None:
    jane, elsewhere = patient(db), patient(db, team_id="T2")
    row = book(db, jane)

    with pytest.raises(ValueError, match="end after it starts"), db.session() as session:
        add(session, "T1", jane, T0, timedelta(0))
    with pytest.raises(ValueError, match="no patient"), db.session() as session:
        add(session, "T1", elsewhere, T0)
    with pytest.raises(ValueError, match="location must be 1-80"), db.session() as session:
        add(session, "T1", jane, T0, location="x" * 81)
    with pytest.raises(ValueError, match="FHIR"), db.session() as session:
        appointments.set_status(session, row, "done", now=T0)
    with pytest.raises(ValueError, match="end after it starts"), db.session() as session:
        appointments.reschedule(session, row, T0, T0 - HOUR, now=T0)


def test_the_database_itself_refuses_a_visit_that_ends_before_it_starts(db: Database) -> None:
    jane = patient(db)
    with pytest.raises(sa.exc.IntegrityError), db.session() as session:
        session.add(
            AppointmentRow(
                team_id="T1",
                number=1,
                patient_id=jane,
                kind="consult",
                label="Consult",
                start_at=T0,
                end_at=T0,
                booked_by="U1",
                created_at=T0,
                updated_at=T0,
            )
        )


def test_lock_keys_are_the_same_in_every_process_and_fit_a_bigint() -> None:
    # Replicas must agree on the number, so it cannot come from Python's salted hash().
    assert lock_key("T1:clinician:U7") == 5_962_087_119_349_686_855
    assert lock_key("T2:clinician:U7") != 5_962_087_119_349_686_855


@pytest.mark.parametrize("shared", ["patient", "clinician", "location"])
def test_eight_coordinators_confirming_at_once_get_one_booking(db: Database, shared: str) -> None:
    ids = [patient(db, f"Patient {index}") for index in range(8)]
    spellings = ["OR 4", "or  4", " Or 4 "]

    def confirm(index: int) -> str | None:
        start = T0 + timedelta(minutes=5 * index)
        patient_id = ids[0] if shared == "patient" else ids[index]
        clinician = "U7" if shared == "clinician" else f"U{10 + index}"
        location = spellings[index % 3] if shared == "location" else f"Room {index}"
        key = appointments.location_key(location)
        with db.session() as session:
            appointments.lock_for_booking(
                session, "T1", patient_id=patient_id, clinician_id=clinician, location_key=key
            )
            found = appointments.conflicts(
                session,
                "T1",
                start,
                start + HOUR,
                patient_id=patient_id,
                clinician_id=clinician,
                location_key=key,
            )
            if found:
                return None
            return add(session, "T1", patient_id, start, HOUR, clinician, location).ref

    results = together(8, confirm)

    assert len([ref for ref in results if ref is not None]) == 1
    assert results.count(None) == 7
    with db.session(read_only=True) as session:
        assert appointments.count_between(session, "T1", T0 - DAY, T0 + DAY) == 1


def test_the_migrations_go_down_to_0001_and_up_again(fresh_db: Database) -> None:
    fresh_db.upgrade()
    assert fresh_db.is_up_to_date()

    with fresh_db.engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")

    tables = set(sa.inspect(fresh_db.engine).get_table_names())
    assert fresh_db.current_revision() == "0001"
    assert not {"appointments", "drafts", "handoffs", "handoff_actions", "slack_bots"} & tables
    assert "patients" in tables
    fresh_db.upgrade()
    assert fresh_db.is_up_to_date()


def test_a_list_in_a_unit_of_work_sees_its_own_unwritten_changes(db: Database) -> None:
    """Lists run on the connection, past the ORM, and still see what the session holds."""
    jane = patient(db)
    with db.session() as session:
        row = add(session, "T1", jane, T0 + HOUR)
        row.status = "cancelled"  # not flushed yet
        row.start_at, row.end_at = T0 + 2 * HOUR, T0 + 3 * HOUR
        booked = appointments.count_between(session, "T1", T0, T0 + DAY, statuses=["booked"])
        shown = appointments.between(session, "T1", T0, T0 + DAY, statuses=["cancelled"])
    assert booked == 0
    assert [(r.ref, r.start_at) for r in shown] == [(row.ref, T0 + 2 * HOUR)]
