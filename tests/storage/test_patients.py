"""Patients: P-refs, names kept as typed, MRNs unique within a workspace only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from storage import Database, patients
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
    assert unclear.value.candidates == [("P-1", None), ("P-3", "MRN-2")]
    with db.session() as session, pytest.raises(patients.UnclearPatient) as one:
        patients.find(session, "T1", "Omar Haddad", None)  # his MRN was not given
    assert one.value.candidates == [(omar.ref, "MRN-1")]
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
