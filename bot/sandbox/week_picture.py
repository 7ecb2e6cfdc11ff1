"""The README's picture of `/appt week`: a coordinator's week played in the sandbox, drawn.

Starts the sandbox (its seeded workspace: @dana, @dr.patel, @sam.nurse, #cardiology-team)
on Monday 1 March 2027 at 8:00 AM in New York, books a week of visits the way @dana types
them, moves the clock to Wednesday afternoon, closes Monday's visits (one a no-show),
cancels one, then asks `/appt week` and writes the picture carebot sent to her DM.

    .venv/bin/python -m bot.sandbox.week_picture [docs/week.png]
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox, start_sandbox
from storage import patients
from storage.appointments import queries as appointments

START = datetime(2027, 3, 1, 13, 0, tzinfo=UTC)  # Mon 8:00 AM in New York
WEDNESDAY = datetime(2027, 3, 3, 19, 0, tzinfo=UTC)  # 2:00 PM
TEAM, DANA = "T0CAREBOT", "U0COORD01"
WEEK = (
    "Jane Doe MRN 88123, MRI knee, today 9am, 45 min, with @dr.patel, at Radiology 2",
    "Omar Haddad MRN 88124, follow-up, today 10:30am, with @dr.patel, at Clinic B",
    "Ana Lima MRN 88125, physio, today 2pm, with @sam.nurse, at Gym 1",
    "Li Wei MRN 88126, knee arthroscopy, tuesday 8am, with @dr.patel, at OR 4",
    "P-1, blood work, tuesday 11am, at Lab 1",
    "P-3, physio, tuesday 3pm, with @sam.nurse, at Gym 1",
    "P-2, echo, wednesday 9am, with @dr.patel, at Echo lab",
    "Ravi Kumar MRN 88128, iron infusion, wednesday 10am, with @sam.nurse, at Infusion 3",
    "Sara Cohen MRN 88127, consult, wednesday 1pm, with @dr.patel, at Clinic B",
    "P-1, post-op check, thursday 9:30am, with @dr.patel, at Clinic B",
    "Maria Garcia MRN 88129, chemo, thursday 1pm, with @sam.nurse, at Infusion 3",
    "P-4, cardiac cath, thursday 2:30pm, with @dr.patel, at Cath lab",
    "P-6, ECG, friday 9am, at Lab 1",
    "Tom Berg MRN 88130, consult, friday 11am, with @dr.patel, at Clinic B",
    "P-3, physio, friday 3pm, with @sam.nurse, at Gym 1",
)
CLOSED = ("done A-1", "noshow A-2", "done A-3", "done A-4", "done A-5", "done A-6", "done A-7")


def play(world: Sandbox) -> bytes:
    """The week booked, lived until Wednesday afternoon, and asked for; the picture sent."""
    slack = world.driver
    for visit in WEEK:
        _book(slack, visit)
    world.move_clock(WEDNESDAY)
    for change in CLOSED:
        slack.command("/appt", change)
    slack.command("/appt", "cancel A-15 patient called")
    _double_booking(world)
    slack.command("/appt", "week")
    [picture] = [f for f in world.standin.files() if f.filename.endswith(".png")]
    if picture.data is None:
        raise RuntimeError("the picture was announced but its bytes never arrived")
    return picture.data


def _book(slack: SlackDriver, text: str) -> None:
    slack.command("/appt", f"book {text}")
    slack.click("Confirm")
    if "Booked" not in slack.last_reply().text:
        raise RuntimeError(f"could not book {text!r}: {slack.last_reply().text}")


def _double_booking(world: Sandbox) -> None:
    """A visit carried over from another system on top of Thursday's post-op check: carebot
    refuses to double-book, so it is written straight to the database, as an import would."""
    now = world.clock.now()
    with world.db.session() as session:
        patient = patients.get_by_ref(session, TEAM, "P-7")
        thursday = appointments.get_by_ref(session, TEAM, "A-10")
        if patient is None or thursday is None:
            raise RuntimeError("the week was not booked as expected")
        appointments.add(
            session,
            TEAM,
            patient_id=patient.id,
            kind="consult",
            label="consult",
            start_at=thursday.start_at + timedelta(minutes=10),
            end_at=thursday.start_at + timedelta(minutes=55),
            clinician_id=thursday.clinician_id,
            location=thursday.location,
            notes=None,
            booked_by=DANA,
            channel_id="C0CARDIO1",
            now=now,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path("docs/week.png"))
    args = parser.parse_args(argv)
    world = start_sandbox(start=START)
    try:
        png = play(world)
    finally:
        world.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(png)
    print(f"wrote {args.out} ({len(png) / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
