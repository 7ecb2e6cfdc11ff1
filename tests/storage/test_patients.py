"""Patients: P-refs, names kept as typed, MRNs unique within a workspace only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from storage import Database, patients
from storage.appointments import queries as appointments
from storage.models import PatientRow
from tests.storage.concurrency import together

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_a_new_patient_gets_the_next_p_ref(db: Database) -> None:
    with db.session() as session:
        first = patients.find_or_create(session, "T1", "Jane Doe", "MRN-1", "U1", now=T0)
        second = patients.find_or_create(session, "T1", "John Roe", None, "U1", now=T0)

    assert (first.ref, second.ref) == ("P-1", "P-2")
    assert first.created_at == T0 and first.created_by == "U1"


def test_the_same_mrn_finds_the_same_patient(db: Database) -> None:
    with db.session() as session:
        created = patients.find_or_create(session, "T1", "Jane Doe", "MRN-1", "U1")
    with db.session() as session:
        again = patients.find_or_create(session, "T1", "Jane A. Doe", " MRN-1 ", "U2")
        by_mrn = patients.get_by_mrn(session, "T1", "MRN-1")

    assert again.id == created.id and again.display_name == "Jane Doe"
    assert by_mrn is not None and by_mrn.id == created.id


def test_an_mrn_is_unique_per_workspace_but_may_repeat_across_workspaces(db: Database) -> None:
    with db.session() as session:
        here = patients.find_or_create(session, "T1", "Jane Doe", "MRN-1", "U1")
        there = patients.find_or_create(session, "T2", "Jane Doe", "MRN-1", "U9")
    assert here.id != there.id and (here.ref, there.ref) == ("P-1", "P-1")

    with pytest.raises(sa.exc.IntegrityError), db.session() as session:
        session.add(
            PatientRow(
                team_id="T1",
                number=99,
                display_name="Someone Else",
                name_key="someone else",
                mrn="MRN-1",
                created_at=T0,
                created_by="U1",
            )
        )


def test_a_name_that_is_not_one_patient_for_sure_is_asked_about_never_picked(
    db: Database,
) -> None:
    with db.session() as session:
        plain = patients.find_or_create(session, "T1", "Jane  DOE", None, "U1")
        again = patients.find_or_create(session, "T1", "jane doe", None, "U1")
        omar = patients.find_or_create(session, "T1", "Omar Haddad", "MRN-1", "U1")
        patients.find_or_create(session, "T1", "Jane Doe", "MRN-2", "U1")  # her MRN: a new one
    assert again.id == plain.id  # one of that name, no MRN on either side: the same person

    with db.session() as session, pytest.raises(patients.UnclearPatient) as unclear:
        patients.find_or_create(session, "T1", "JANE doe", None, "U1")
    assert [(c.ref, c.mrn) for c in unclear.value.candidates] == [("P-1", None), ("P-3", "MRN-2")]
    with db.session() as session, pytest.raises(patients.UnclearPatient) as one:
        patients.find(session, "T1", "Omar Haddad", None)  # his MRN was not given
    assert [(c.ref, c.mrn) for c in one.value.candidates] == [(omar.ref, "MRN-1")]
    with db.session() as session, pytest.raises(patients.MrnOfAnother) as wrong:
        patients.find(session, "T1", "John Smith", "MRN-1")
    assert wrong.value.owner == ("P-2", "Omar Haddad")


def test_names_are_stored_as_typed(db: Database) -> None:
    with db.session() as session:
        patients.find_or_create(session, "T1", "<!channel> & O'Brien", None, "U1")
    with db.session() as session:
        stored = patients.get_by_ref(session, "T1", "p1")
    assert stored is not None and stored.display_name == "<!channel> & O'Brien"


def test_get_by_ref_stays_in_its_workspace(db: Database) -> None:
    with db.session() as session:
        patients.find_or_create(session, "T1", "Jane Doe", None, "U1")
        assert patients.get_by_ref(session, "T2", "P-1") is None
        assert patients.get_by_ref(session, "T1", "P-2") is None
        assert patients.get_by_ref(session, "T1", "A-1") is None


@pytest.mark.parametrize("mrn", [None, "MRN-7"], ids=["no-mrn", "same-mrn"])
def test_concurrent_creates_of_one_patient_make_one_row(db: Database, mrn: str | None) -> None:
    def create(index: int) -> int:
        with db.session() as session:
            return patients.find_or_create(session, "T1", "Jane Doe", mrn, f"U{index}").id

    ids = together(8, create)

    assert len(set(ids)) == 1
    with db.session(read_only=True) as session:
        stored = session.scalars(sa.select(PatientRow)).all()
    assert [(p.ref, p.mrn) for p in stored] == [("P-1", mrn)]


def test_a_blank_name_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="Jane Doe"), db.session() as session:
        patients.find_or_create(session, "T1", "   ", None, "U1")


def test_a_near_spelling_is_offered_and_new_says_it_is_someone_else(db: Database) -> None:
    with db.session() as session:
        for name in ("Jane Doe", "Janet Doe", "Jane Dow", "Omar Haddad", "J", "Unknown Male 12"):
            patients.find_or_create(session, "T1", name, None, "U1", new=True)
        patients.find_or_create(session, "T2", "Jane Doe", None, "U1")  # another workspace

    with db.session() as session, pytest.raises(patients.UnclearPatient) as close:
        patients.find(session, "T1", "jane  do", None)
    assert close.value.close
    assert [c.name for c in close.value.candidates] == ["Jane Doe", "Jane Dow", "Janet Doe"]
    with db.session() as session:
        assert patients.find(session, "T1", "Jane Do", None, new=True) is None
        made = patients.find_or_create(session, "T1", "Jane Do", None, "U1", new=True)
        twin = patients.find_or_create(session, "T1", "Jane Doe", None, "U1", new=True)
        assert (made.ref, twin.ref) == ("P-7", "P-8")  # a second Jane Doe, on purpose
        assert patients.find(session, "T1", "Unknown Male 13", None) is None  # digits differ
        assert patients.find(session, "T1", "Zed Quux", None) is None  # nobody near: new
        assert patients.find(session, "T1", "Jo", None) is None  # too short to guess at


def test_visits_of_patients_are_their_next_booked_and_last_held(db: Database) -> None:
    now = datetime(2027, 3, 1, 12, tzinfo=UTC)

    def visit(session: Session, patient_id: int, days: int, status: str = "booked") -> None:
        start = now + timedelta(days=days)
        row = appointments.add(
            session,
            "T1",
            patient_id=patient_id,
            kind="consult",
            label="consult",
            start_at=start,
            end_at=start + timedelta(hours=1),
            clinician_id=None,
            location=None,
            notes=None,
            booked_by="U1",
            channel_id="C1",
            now=now,
        )
        appointments.set_status(session, row, status, now=now)

    with db.session() as session:
        jane = patients.find_or_create(session, "T1", "Jane Doe", None, "U1")
        omar = patients.find_or_create(session, "T1", "Omar Haddad", None, "U1")
        nobody = patients.find_or_create(session, "T1", "Nobody Seen", None, "U1")
        for days, status in ((-9, "fulfilled"), (-2, "cancelled"), (3, "booked"), (5, "booked")):
            visit(session, jane.id, days, status)
        visit(session, omar.id, -30)
        visit(session, omar.id, 4, "noshow")
        ids = [jane.id, omar.id, nobody.id]
    with db.session() as session:
        found = patients.visits_of(session, "T1", ids, now)
    assert found == {
        jane.id: (now + timedelta(days=3), now - timedelta(days=9)),
        omar.id: (None, now - timedelta(days=30)),
    }
