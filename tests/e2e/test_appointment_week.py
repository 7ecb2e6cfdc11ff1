"""/appt week: a week of visits arrives in the asker's DM as a picture, with the visits as text.

START is Mon 1 Mar 2027, 2:00 PM in New York, where dana works; the clinic is open 08:00-18:00
Monday to Friday there, so a week of clinic-hours visits is a grid of 10 hours.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.appointments import week_picture
from bot.sandbox import week_picture as readme
from bot.sandbox.driver import SlackDriver
from bot.sandbox.driver_reading import Seen
from bot.sandbox.world import Sandbox, start_sandbox
from bot.shared.rules.timeparse import TimeParser
from storage import audit, patients, workspaces
from storage.appointments import queries as appointments
from tests.e2e.test_appointments import TEAM, book
from tests.e2e.test_channel_settings import save

DANA, PATEL, SAM, VISITOR = "U0COORD01", "U0DRPATEL", "U0NURSE01", "U0VISITOR"
JANE = "Jane Doe, MRI, tomorrow 3pm, 45 min, with @dr.patel, at Radiology 2"  # Tue 3:00 PM
OMAR = "Omar Haddad MRN 88123, follow-up, thursday 9:30am, with @sam.nurse, at Clinic B"
LATER = "P-1, consult, 2027-03-09 10:00, with @dr.patel, at Clinic B"  # next week's Tuesday
TEN_HOURS = (1264, 738)  # 8 AM to 6 PM
THIS_WEEK = "Mon 1 Mar to Sun 7 Mar 2027"


def sent_picture(sandbox: Sandbox, message: Seen) -> Image.Image:
    """The PNG a DM carries, decoded; it must have arrived whole through the upload URL."""
    [shared] = message.files
    [stored] = [f for f in sandbox.standin.files() if f.id == shared["id"]]
    assert stored.data is not None and stored.length == len(stored.data)
    assert stored.channels == [message.channel]
    image = Image.open(io.BytesIO(stored.data))
    assert image.format == "PNG"
    return image.convert("RGB")


def at(day: int, hour: float, first: int = 8) -> tuple[int, int]:
    """A point well inside a box's right part: day 0 is Monday, on a grid from `first`."""
    x = week_picture.MARGIN + week_picture.GUTTER + (day + 1) * week_picture.DAY - 8
    y = week_picture.MARGIN + week_picture.TITLE + week_picture.HEAD
    return x, y + int((hour - first) * week_picture.HOUR)


def week_dm(slack: SlackDriver, user: str = "@dana") -> Seen:
    [dm] = [m for m in slack.dms(user) if m.files]
    return dm


def test_the_week_arrives_in_the_dm_as_a_picture_with_the_visits_as_text(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, JANE)
    book(slack, OMAR)

    slack.command("/appt", "week")

    told = slack.last_reply()
    assert told.ephemeral
    assert told.text == (
        f"Sent the week {THIS_WEEK} (all visits) to your DM with me as a picture: 2 visits."
    )
    dm = week_dm(slack)
    assert dm.channel == sandbox.standin.dm_channel(DANA).id
    assert dm.files[0]["name"] == "carebot-week-2027-03-01.png"
    lines = dm.raw_text.splitlines()
    assert lines == [
        "*Week of Mon 1 Mar 2027 · everyone*: 2 visits, times in America/New_York.",
        "*Tue 2 Mar*",
        "• `3:00 PM-3:45 PM` *A-1* J.D. (P-1) · imaging · <@U0DRPATEL> · Radiology 2",
        "*Thu 4 Mar*",
        "• `9:30 AM-9:50 AM` *A-2* O.H. (P-2) · follow-up · <@U0NURSE01> · Clinic B",
    ]
    image = sent_picture(sandbox, dm)
    assert image.size == TEN_HOURS
    assert image.getpixel(at(1, 15.5)) == week_picture.KINDS["imaging"][0]  # Tue 3:30 PM
    assert image.getpixel(at(3, 9.6)) == week_picture.KINDS["follow-up"][0]  # Thu 9:36 AM
    assert image.getpixel(at(0, 12.5)) == week_picture.OPEN  # Monday 12:30: open, nothing booked
    assert image.getpixel(at(5, 12.5)) == week_picture.PAPER  # Saturday: the clinic is closed
    # The two steps of Slack's upload, then the file shared into dana's DM.
    assert [c.method for c in sandbox.standin.calls() if "upload" in c.method.lower()] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]


def test_a_visit_outside_clinic_hours_stretches_the_grid(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, "Jane Doe, surgery, friday 6:30pm, with @dr.patel, at OR 4")  # until 8:30 PM

    slack.command("/appt", "week")

    image = sent_picture(sandbox, week_dm(slack))
    assert image.size == (1264, week_picture.height(20 - 8 + 1))  # 8 AM to 9 PM
    assert image.getpixel(at(4, 19.5)) == week_picture.KINDS["surgery"][0]


def test_the_shaded_hours_are_those_of_the_channel_asked_in(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    save(slack, {"Clinic hours": "07:00 - 19:00"})  # #cardiology-team's own
    book(slack, JANE)

    slack.command("/appt", "week")
    slack.in_dm().message("appt week")  # a DM has no hours of its own: the workspace's

    cardiology, dm = (sent_picture(sandbox, m) for m in slack.dms("@dana") if m.files)
    assert cardiology.size == (1264, week_picture.height(19 - 7))
    assert cardiology.getpixel(at(0, 18.5, first=7)) == week_picture.OPEN
    assert dm.size == TEN_HOURS


@pytest.mark.parametrize(
    ("typed", "whose", "refs"),
    [
        ("@dr.patel", "<@U0DRPATEL>", ["A-1"]),
        ("room Clinic B", "room Clinic B", ["A-2"]),
        ("clinic  b", "room Clinic B", ["A-2"]),  # a room on file, without the word room
        ("P-2", "O.H. (P-2)", ["A-2"]),
        ("mine", "yours", ["A-1", "A-2"]),  # dana booked both
    ],
)
def test_whose_week(
    sandbox: Sandbox, slack: SlackDriver, typed: str, whose: str, refs: list[str]
) -> None:
    book(slack, JANE)
    book(slack, OMAR)

    slack.command("/appt", f"week {typed}")

    text = week_dm(slack).raw_text
    assert text.startswith(f"*Week of Mon 1 Mar 2027 · {whose}*")
    assert [ref for ref in ("A-1", "A-2") if f"*{ref}*" in text] == refs


def test_mine_is_the_clinician_s_own_for_a_clinician(sandbox: Sandbox, slack: SlackDriver) -> None:
    book(slack, JANE)
    book(slack, OMAR)

    slack.as_user("@sam.nurse").in_dm().message("appt week mine")

    text = week_dm(slack, "@sam.nurse").raw_text
    assert "*A-2*" in text and "*A-1*" not in text
    assert "Sent the week" in slack.last_reply().text


def test_next_week_and_a_date_in_it(sandbox: Sandbox, slack: SlackDriver) -> None:
    book(slack, JANE)
    book(slack, LATER)

    slack.command("/appt", "week next")
    slack.command("/appt", "week @dr.patel 2027-03-12")  # the Friday of that week
    slack.command("/appt", "week room clinic b next")

    texts = [m.raw_text for m in slack.dms("@dana") if m.files]
    assert [t.splitlines()[0] for t in texts] == [
        "*Week of Mon 8 Mar 2027 · everyone*: 1 visit, times in America/New_York.",
        "*Week of Mon 8 Mar 2027 · <@U0DRPATEL>*: 1 visit, times in America/New_York.",
        "*Week of Mon 8 Mar 2027 · room Clinic B*: 1 visit, times in America/New_York.",
    ]
    assert all("*A-2*" in t and "*A-1*" not in t for t in texts)
    assert slack.last_reply().text.startswith("Sent the week Mon 8 Mar to Sun 14 Mar 2027")


def test_cancelled_and_no_show_visits_are_marked(sandbox: Sandbox, slack: SlackDriver) -> None:
    book(slack, JANE)
    book(slack, OMAR)
    slack.command("/appt", "cancel A-1 patient called")
    sandbox.move_clock(sandbox.clock.now() + timedelta(days=3))  # Thu 2:00 PM
    slack.command("/appt", "noshow A-2")

    slack.command("/appt", "week")

    dm = week_dm(slack)
    assert "*A-1* J.D. (P-1) · imaging · <@U0DRPATEL> · Radiology 2 · _cancelled_" in dm.raw_text
    assert "*A-2* O.H. (P-2) · follow-up · <@U0NURSE01> · Clinic B · _no-show_" in dm.raw_text
    image = sent_picture(sandbox, dm)
    assert image.getpixel(at(1, 15.5)) == week_picture.CANCELLED[0]
    assert image.getpixel(at(3, 9.6)) == week_picture.NOSHOW[0]


def test_a_double_booking_is_outlined_and_named(sandbox: Sandbox, slack: SlackDriver) -> None:
    book(slack, JANE)
    # carebot refuses to double-book; a visit carried over from another system may not have.
    with sandbox.db.session() as session:
        jane = appointments.get_by_ref(session, TEAM, "A-1")
        assert jane is not None
        omar = patients.find_or_create(session, TEAM, "Omar Haddad", None, DANA)
        appointments.add(
            session,
            TEAM,
            patient_id=omar.id,
            kind="consult",
            label="consult",
            start_at=jane.start_at + timedelta(minutes=30),
            end_at=jane.start_at + timedelta(minutes=60),
            clinician_id=PATEL,
            location="radiology  2",
            notes=None,
            booked_by=DANA,
            channel_id="C0CARDIO1",
            now=sandbox.clock.now(),
        )

    slack.command("/appt", "week")

    text = week_dm(slack).raw_text
    assert "2 visits, 2 in a collision (outlined in red)" in text.splitlines()[0]
    assert ":warning: collides with A-2 (clinician and room)" in text
    assert ":warning: collides with A-1 (clinician and room)" in text
    assert ", 2 in a collision (outlined in red)." in slack.last_reply().text
    image = sent_picture(sandbox, week_dm(slack))
    left = week_picture.MARGIN + week_picture.GUTTER + week_picture.DAY + 3  # Tuesday, lane 0
    assert image.getpixel((left, at(1, 15.2)[1])) == week_picture.COLLISION


def test_the_patient_is_shown_as_the_workspace_says(sandbox: Sandbox, slack: SlackDriver) -> None:
    with sandbox.db.session() as session:
        workspaces.set_patient_display(session, TEAM, "id")
    book(slack, JANE)

    slack.command("/appt", "week P-1")

    text = week_dm(slack).raw_text
    assert text.startswith("*Week of Mon 1 Mar 2027 · P-1*")
    assert "*A-1* P-1 · imaging" in text
    assert "Jane" not in text and "J.D." not in text


@pytest.mark.parametrize(
    ("typed", "says", "example"),
    [
        (
            "blursday",
            'I couldn\'t read "blursday" as a week, a person, a room or a patient. '
            "Try /appt week [mine|@clinician|room <room>|P-4] [next|last|<date>].",
            "Example: /appt week next, or /appt week 2027-03-08",
        ),
        (
            "@dr.patel fortnight",
            'I couldn\'t read "fortnight"',
            "Example: /appt week @dr.patel next, or /appt week @dr.patel 2027-03-08",
        ),
        (
            "2027-02-30",
            '"2027-02-30" is not a date.',
            "Example: /appt week next, or /appt week 2027-03-08",
        ),
        (
            "mine 2040-03-01",
            "2040-03-01 is more than 10 years from today.",
            "Example: /appt week mine next, or /appt week mine 2027-03-08",
        ),
        (
            "room OR 9",
            'No visit has been booked in a room "OR 9". Rooms on file: Radiology 2.',
            "Example: /appt week room Radiology 2 next",
        ),
        ("room", "Which room? Rooms on file: Radiology 2.", "/appt week room Radiology 2 next"),
        (
            "P-99",
            "There is no patient P-99 in this workspace.",
            "`/appt list <name>` shows a patient's ref; then e.g. /appt week P-4 next",
        ),
    ],
)
def test_what_it_cannot_read_is_refused_with_an_example(
    sandbox: Sandbox, slack: SlackDriver, typed: str, says: str, example: str
) -> None:
    book(slack, JANE)

    slack.command("/appt", f"week {typed}")

    refused = slack.last_reply().text
    assert says in refused
    assert example in refused
    assert sandbox.standin.calls("files.getUploadURLExternal") == []


def test_a_name_that_is_no_one_is_asked_back_and_the_choice_sends_the_week(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, JANE)

    slack.command("/appt", "week @dr.patl")

    asked = slack.last_reply()
    assert 'I couldn\'t find "@dr.patl" in this workspace. Closest: @dr.patel' in asked.text
    assert "e.g. `/appt week @dr.patel next`" in asked.text
    assert sandbox.standin.calls("files.getUploadURLExternal") == []
    slack.click("@dr.patel")
    assert week_dm(slack).raw_text.startswith("*Week of Mon 1 Mar 2027 · <@U0DRPATEL>*")


def test_a_week_with_no_visits_says_so_and_sends_nothing(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, JANE)

    slack.command("/appt", "week 2027-04-07")
    assert slack.last_reply().text == (
        "No visits in the week Mon 5 Apr to Sun 11 Apr 2027, cancelled ones included, so there "
        "is nothing to draw. `/appt week 2027-04-12` shows the week after."
    )
    slack.command("/appt", "week @sam.nurse")
    assert slack.last_reply().text.startswith(
        f"No visits with @sam.nurse in the week {THIS_WEEK}, cancelled ones included"
    )
    assert sandbox.standin.calls("files.getUploadURLExternal") == []
    assert slack.dms("@dana") == []


def test_someone_in_no_care_team_is_refused_and_sent_nothing(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, JANE)

    slack.as_user("@visitor").in_channel("#general").command("/appt", "week P-1")

    refused = slack.last_reply().text
    assert refused.startswith("Sorry, only care-team members can see a week of visits")
    assert "J.D." not in refused and "Jane" not in refused
    assert sandbox.standin.calls("files.getUploadURLExternal") == []
    with sandbox.db.session(read_only=True) as session:
        rows = audit.recent(session, TEAM)
    assert [(r.actor, r.action) for r in rows if r.actor == VISITOR] == [
        (VISITOR, "access.refused")
    ]


def test_the_picture_leaving_is_audited(sandbox: Sandbox, slack: SlackDriver) -> None:
    book(slack, JANE)

    slack.command("/appt", "week P-1")

    with sandbox.db.session(read_only=True) as session:
        [row] = [r for r in audit.recent(session, TEAM) if r.action == "appointment.week"]
    assert (row.actor, row.ref, row.channel_id) == (DANA, "P-1", week_dm(slack).channel)


def test_my_week_on_the_home_tab_sends_your_week(sandbox: Sandbox, slack: SlackDriver) -> None:
    book(slack, JANE)
    book(slack, OMAR)
    patel = slack.as_user("@dr.patel")
    patel.open_home()

    patel.click("My week", in_message="home")

    text = week_dm(slack, "@dr.patel").raw_text
    assert text.startswith("*Week of Mon 1 Mar 2027 · yours*: 1 visit")
    assert "*A-1*" in text and "*A-2*" not in text
    home = sandbox.standin.home(PATEL)
    assert home is not None
    top = home.view["blocks"][1]["text"]["text"]
    assert top == (
        f"Sent the week {THIS_WEEK} (yours, as clinician or booker) to your DM with me as a "
        "picture: 1 visit."
    )


def test_my_week_with_nothing_booked_says_so_on_the_home_tab(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.as_user("@riley.sw").open_home()

    slack.click("My week", in_message="home")

    home = sandbox.standin.home("U0SOCIAL1")
    assert home is not None
    assert home.view["blocks"][1]["text"]["text"] == (
        f"No visits with you as clinician or booker in the week {THIS_WEEK}, cancelled ones "
        "included, so there is nothing to draw. `/appt week mine 2027-03-08` shows the week after."
    )
    assert sandbox.standin.calls("files.getUploadURLExternal") == []


def test_a_slack_failure_is_explained_and_the_next_try_goes_through(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, JANE)
    sandbox.standin.fail_next("files.completeUploadExternal", status=200, error="internal_error")

    slack.command("/appt", "week mine")

    assert slack.last_reply().text.startswith(
        "I couldn't send the picture of the week (Slack answered `internal_error`). Please try "
        "again in a minute, e.g. `/appt week mine`"
    )
    slack.command("/appt", "week mine")
    assert "Sent the week" in slack.last_reply().text


def test_the_readme_picture_is_the_sandbox_week_drawn(times: TimeParser) -> None:
    world = start_sandbox(start=readme.START, times=times)
    try:
        made = Image.open(io.BytesIO(readme.play(world)))
    finally:
        world.close()
    committed = Image.open(Path(__file__).resolve().parents[2] / "docs" / "week.png")
    assert made.format == committed.format == "PNG"
    assert made.size == committed.size == TEN_HOURS
