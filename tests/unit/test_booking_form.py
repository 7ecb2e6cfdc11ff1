"""The booking modal's fields read into a proposal, or one message per field, and back."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.appointments import form
from bot.appointments.booking import Proposal
from bot.appointments.form import BookingForm, FormFields, prefill_of
from bot.appointments.rules.appointment import KindChoice
from bot.runtime.config import Settings
from bot.sandbox.limits import view_problems
from bot.shared.records import Records
from bot.shared.rules.clock import FakeClock
from bot.shared.rules.people import Person, UnknownPerson
from bot.shared.rules.timeparse import TimeParser
from handlers.appointments.form import FormMeta, fields_of, form_view
from storage import Database, patients

NEW_YORK = ZoneInfo("America/New_York")
# Monday 1 March 2027, 2:00 PM in New York.
NOW = datetime(2027, 3, 1, 19, 0, tzinfo=UTC)
TEAM, DANA, PATEL, GONE = "T1", "U0COORD01", "U0DRPATEL", "U0FORMER1"
GOOD = FormFields(
    patient="Jane Doe",
    mrn="88123",
    kind="imaging",
    date="2027-03-02",
    time="15:00",
    duration="45 min",
    clinician=PATEL,
    location="  Radiology   2 ",
    notes="Call <!channel> & ward\nif late",
)


@dataclass
class FakePeople:
    """The directory with three people in it, all in New York."""

    known: dict[str, Person] = field(
        default_factory=lambda: {
            user: Person(user, user, user, NEW_YORK, deleted=user == GONE)
            for user in (DANA, PATEL, GONE)
        }
    )

    def timezone(self, team_id: str, user_id: str) -> ZoneInfo:
        return NEW_YORK

    def person(self, team_id: str, user_id: str) -> Person:
        if user_id not in self.known:
            raise UnknownPerson(user_id)
        return self.known[user_id]


@pytest.fixture(scope="module")
def times() -> TimeParser:
    parser = TimeParser()
    parser.warm()
    return parser


@pytest.fixture
def reader(times: TimeParser, sqlite_template: Path, tmp_path: Path) -> Iterator[BookingForm]:
    path = tmp_path / "carebot.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    with db.session() as session:
        patients.find_or_create(session, TEAM, "Omar Haddad", "77001", DANA, now=NOW)
    people: Any = FakePeople()  # stands in for the Directory: timezone() and person()
    unused: Any = None  # reading the form decides no access and no channel's settings
    records = Records(
        db=db, clock=FakeClock(NOW), times=times, people=people, access=unused, in_force=unused
    )
    yield BookingForm(records, kinds=Settings().appointment_kinds)
    db.dispose()


def read(reader: BookingForm, fields: FormFields, kept: KindChoice | None = None) -> Proposal:
    proposal = reader.read(TEAM, DANA, "C1", fields, kept=kept)
    assert isinstance(proposal, Proposal), proposal
    return proposal


def errors_of(reader: BookingForm, fields: FormFields) -> dict[str, str]:
    found = reader.read(TEAM, DANA, "C1", fields)
    assert isinstance(found, dict), found
    return found


def test_good_fields_make_a_proposal_in_the_bookers_zone(reader: BookingForm) -> None:
    p = read(reader, GOOD)

    assert p.start == datetime(2027, 3, 2, 15, 0, tzinfo=NEW_YORK)
    assert p.end - p.start == timedelta(minutes=45)
    assert (p.booker, p.channel_id, p.kind, p.label) == (DANA, "C1", "imaging", "imaging")
    assert (p.patient.name, p.patient.mrn, p.patient.ref) == ("Jane Doe", "88123", None)
    assert p.location == "Radiology 2"
    assert p.notes == "Call <!channel> & ward\nif late"  # as typed


def test_the_patient_field_reads_like_the_quick_form(reader: BookingForm) -> None:
    assert read(reader, replace(GOOD, patient="Ann Bell MRN 5", mrn="")).patient.mrn == "5"
    assert read(reader, replace(GOOD, patient="p1", mrn="")).patient.ref == "P-1"


def test_an_empty_duration_takes_the_kinds_default(reader: BookingForm) -> None:
    p = read(reader, replace(GOOD, kind="surgery", duration=""))

    assert p.end - p.start == timedelta(hours=2)


def test_an_edited_label_stays_while_the_kind_does(reader: BookingForm) -> None:
    mri = KindChoice("imaging", "MRI")

    assert read(reader, GOOD, kept=mri).label == "MRI"
    assert read(reader, replace(GOOD, kind="lab"), kept=mri).label == "lab"


def test_a_typed_when_wins_over_the_pickers(reader: BookingForm) -> None:
    p = read(reader, replace(GOOD, when="wednesday 10am"))

    assert p.start == datetime(2027, 3, 3, 10, 0, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("change", "block", "says"),
    [
        ({"patient": " "}, "patient", "Who is the visit for"),
        ({"patient": "1234"}, "patient", "doesn't look like a patient"),
        ({"patient": "P-9", "mrn": ""}, "patient", "no patient P-9"),
        ({"patient": "P-1"}, "mrn", "already names the patient"),
        ({"patient": "Ann Bell MRN 5"}, "mrn", "give it once"),
        ({"mrn": "88 123"}, "mrn", "not an MRN"),
        ({"kind": None}, "kind", "Pick the kind"),
        ({"kind": "haircut"}, "kind", "Pick the kind"),
        ({"when": "blorp"}, "when", "couldn't read"),
        ({"when": "tomorrow"}, "when", "without a time"),
        ({"when": "yesterday 3pm"}, "when", "in the past"),
        ({"time": None}, "time", "without a time"),
        ({"date": None}, "date", "Pick a date"),
        ({"date": None, "time": None}, "date", "Pick a date and a time"),
        ({"date": "2027-02-26"}, "date", "already passed"),
        ({"date": "not a date"}, "date", "couldn't read"),
        ({"date": "2039-03-02"}, "date", "years from today"),
        ({"date": "2027-03-01", "time": "09:00"}, "time", "has passed"),
        ({"date": "2027-03-14", "time": "02:30"}, "time", "does not exist"),
        ({"duration": "0 min"}, "duration", "5 minutes to 12 hours"),
        ({"duration": "30 hours"}, "duration", "5 minutes to 12 hours"),
        ({"duration": "soon"}, "duration", "needs a unit"),
        ({"clinician": "U0NOBODY1"}, "clinician", "couldn't find"),
        ({"clinician": GONE}, "clinician", "no longer an active member"),
        ({"location": "x" * 81}, "location", "at most 80"),
        ({"notes": "x" * 2001}, "notes", "at most 2,000"),
    ],
)
def test_a_bad_field_gets_one_message_under_it(
    reader: BookingForm, change: dict[str, Any], block: str, says: str
) -> None:
    found = errors_of(reader, replace(GOOD, **change))

    assert list(found) == [block]
    assert says in found[block]


def test_every_problem_is_reported_at_once_each_with_an_example(reader: BookingForm) -> None:
    bad = FormFields(patient=" ", mrn="x y", when="blorp", duration="30 hours", location="x" * 81)
    found = errors_of(reader, replace(bad, notes="x" * 2001))

    assert set(found) == {"patient", "mrn", "kind", "when", "duration", "location", "notes"}
    for message in found.values():
        assert any(hint in message for hint in ("e.g.", "Example", "Try")), message


def test_a_proposal_prefills_fields_that_read_back_to_it(reader: BookingForm) -> None:
    original = read(reader, replace(GOOD, duration="1h30"), kept=KindChoice("imaging", "MRI"))

    again = read(reader, prefill_of(original, NEW_YORK), kept=KindChoice("imaging", "MRI"))

    assert again == original


def test_a_prefilled_duration_is_left_empty_at_the_kinds_default(reader: BookingForm) -> None:
    assert prefill_of(read(reader, GOOD), NEW_YORK).duration == ""
    assert prefill_of(read(reader, replace(GOOD, duration="1h")), NEW_YORK).duration == "1 h"


def test_the_modal_passes_slacks_limits_and_submits_what_it_shows() -> None:
    longest = FormFields(
        patient="x" * form.MAX_PATIENT_CHARS,
        mrn="9" * 20,
        kind="follow-up",
        date="2027-03-02",
        time="07:30",
        duration="1 h 30 min",
        clinician=PATEL,
        location="y" * 80,
        notes="z" * form.MAX_NOTES_CHARS,
    )
    meta = FormMeta("C1", "d" * 32, KindChoice("imaging", "é" * 60))
    view = form_view(longest, meta, NEW_YORK)

    assert view_problems(view) == []
    assert len(view["private_metadata"]) <= 3000
    assert FormMeta.load(view["private_metadata"]) == meta
    state = {
        b["block_id"]: {b["element"]["action_id"]: _initial_entry(b["element"])}
        for b in view["blocks"]
        if b["type"] == "input"
    }
    assert fields_of(json.loads(json.dumps(state))) == longest


def _initial_entry(element: dict[str, Any]) -> dict[str, Any]:
    """What Slack submits for an element left at its initial value."""
    keys = {
        "initial_value": "value",
        "initial_option": "selected_option",
        "initial_date": "selected_date",
        "initial_time": "selected_time",
        "initial_user": "selected_user",
    }
    entry: dict[str, Any] = {"type": element["type"]}
    entry |= {keys[k]: v for k, v in element.items() if k in keys}
    return entry
