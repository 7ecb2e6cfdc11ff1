"""The statements commands read with, run once at start so the first command is not slow.

SQLAlchemy compiles a statement the first time it meets its shape and reuses the compiled
form after that: the first `/appt book` after a start paid about 15 ms of compiling, more
than a whole warm booking. `carebot run` calls `compile_hot_reads` from a thread at start,
beside dateparser's warm-up, for a workspace that has no rows: nothing is found, nothing
is written, and the compiled forms are kept.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from storage import care_teams, channels, drafts, patients, people, workspaces
from storage.appointments import queries as appointments
from storage.preapprovals.listed import listed_values

NOBODY = "T0WARMUP"  # no workspace has this id: every read finds nothing
SOMEONE = "U0WARMUP"


def compile_hot_reads(session: Session) -> None:
    """Read as the hot paths do (people, patients, settings, clashes, lists, drafts)."""
    now = datetime.now(UTC)
    people.get(session, NOBODY, SOMEONE, timedelta(hours=24), now)
    known = people.someone(session)
    if known is not None:  # a row read too: its first costs as much as compiling did
        people.get(session, *known, timedelta(hours=24), now)
    patients.find(session, NOBODY, "Warm Up", "0")
    patients.find(session, NOBODY, "Warm Up", None)
    patients.get_by_ref(session, NOBODY, "P-1")
    workspaces.patient_display(session, NOBODY)
    channels.in_force(session, NOBODY, ["C0WARMUP"])
    care_teams.channel_ids(session, NOBODY)
    drafts.get(session, NOBODY, "0" * 32)
    later = now + timedelta(minutes=30)
    # The clash check's shapes: a new patient or one on file, with or without a room.
    for patient_id, room in ((None, None), (1, None), (None, "room"), (1, "room")):
        appointments.conflicts(
            session, NOBODY, now, later, patient_id=patient_id, clinician_id=SOMEONE,
            location_key=room,
        )  # fmt: skip
    appointments.count_between(session, NOBODY, now, later)
    appointments.between(session, NOBODY, now, later, limit=40)
    listed_values(session, NOBODY, ["not_started"], owner_id=SOMEONE)
    listed_values(session, NOBODY, ["not_started"])


def rehearse_hot_writes(session: Session) -> None:
    """Write as a booking preview does (its draft), in a unit of work the caller rolls back:
    the INSERT is compiled and kept, the row is not."""
    drafts.save(session, NOBODY, SOMEONE, "warm-up", {}, datetime.now(UTC))
