"""The Home tab, "My day": what it shows, its buttons, and its redraw when something changes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from bot.sandbox.driver import SlackDriver
from bot.sandbox.render import render_view
from bot.sandbox.world import Sandbox
from bot.shared.home import Viewer
from handlers.shared.home import Layout, home_view
from storage import patients
from storage.appointments import queries as appointments
from storage.handoffs import queries as handoffs
from tests.e2e.conftest import START

TEAM = "T0CAREBOT"
DANA, PATEL, SAM, RILEY = "U0COORD01", "U0DRPATEL", "U0NURSE01", "U0SOCIAL1"
TODAY = "Jane Doe, MRI, today 4pm, 45 min, with @dr.patel, at Radiology 2"
TOMORROW = "Omar Haddad MRN 88123, follow-up, tomorrow 9am, with @dr.patel"
TO_SAM = "Jane Doe to @sam.nurse: stable overnight, recheck K+ at 6am"
WITH_ITEM = {
    "Patient": "Omar Haddad MRN 88123",
    "Receiver": "@sam.nurse",
    "Patient summary": "72M, CHF exacerbation, diuresing well",
    "Action list": "Recheck K+ @sam.nurse by tomorrow 6am",
}


def home(sandbox: Sandbox, user: str) -> str:
    """The Home tab as the person sees it; empty when nothing was ever published."""
    view = sandbox.standin.home(user)
    return render_view(view.view, names=sandbox.standin.workspace) if view else ""


def book(slack: SlackDriver, text: str) -> None:
    slack.command("/appt", f"book {text}")
    slack.click("Confirm")


def stored_visit(sandbox: Sandbox, ref: str) -> appointments.AppointmentRow:
    with sandbox.db.session(read_only=True) as session:
        row = appointments.get_by_ref(session, TEAM, ref)
        assert row is not None
        return row


def test_a_first_visit_shows_the_welcome_and_the_commands_that_exist(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.as_user("@riley.sw").open_home()

    shown = home(sandbox, RILEY)
    assert "My day" in shown and "Welcome to carebot" in shown
    assert "/appt" in shown and "/handoff" in shown and "/preauth" in shown
    assert "No appointments today or tomorrow" in shown
    assert "No handoffs waiting for you" in shown and "No open action items" in shown

    slack.open_home()  # Slack now sends the published view along: not a first visit
    assert "Welcome to carebot" not in home(sandbox, RILEY)


def test_the_welcome_names_pre_approvals_once_preauth_is_registered(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    assert sandbox.runtime.shared.commands.get("preauth") is not None

    slack.open_home()

    assert "`/preauth`: pre-approvals" in home(sandbox, DANA)


def test_my_day_lists_todays_and_tomorrows_visits_for_clinician_and_booker(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, TODAY)
    book(slack, TOMORROW)
    book(slack, "Ann Lee, lab, in 3 days 10am")

    slack.as_user("@dr.patel").open_home()
    shown = home(sandbox, PATEL)
    assert "Today 3:00 PM* · *A-1* J.D. (P-1)" in shown.replace("*", "*")  # Chicago time
    assert "Tomorrow 8:00 AM" in shown and "A-2" in shown
    assert "A-3" not in shown  # three days out
    assert "Jane Doe" not in shown and "Omar Haddad" not in shown  # the initials policy
    assert "Check in" in shown  # today's visit has its buttons, tomorrow's none

    slack.as_user("@dana").open_home()
    booker = home(sandbox, DANA)
    assert "A-1" in booker and "A-2" in booker and "with @dr.patel" in booker
    slack.as_user("@sam.nurse").open_home()
    assert "A-1" not in home(sandbox, SAM)


def test_check_in_from_home_changes_the_visit_and_redraws_the_tab(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, TODAY)
    slack.as_user("@dr.patel").open_home()

    ack = slack.click("Check in", in_message="home")

    assert ack.ok
    assert stored_visit(sandbox, "A-1").status == "checked-in"
    shown = home(sandbox, PATEL)
    assert "_checked in_" in shown and "Check in" not in shown
    assert "Sorry" not in shown
    # The coordinator who booked it saw it change on her Home tab too, once she had opened it.
    slack.as_user("@dana").open_home()
    slack.as_user("@dr.patel").click("Done", in_message="home")
    assert stored_visit(sandbox, "A-1").status == "fulfilled"
    assert "_done_" in home(sandbox, DANA)


def test_a_click_on_a_stale_tab_says_why_nothing_changed(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, TODAY)
    slack.as_user("@dr.patel").open_home()
    drawn = sandbox.standin.home(PATEL)
    assert drawn is not None
    before = drawn.view["blocks"]
    slack.as_user("@dana").command("/appt", "cancel A-1")
    assert "A-1" not in home(sandbox, PATEL)  # redrawn: a cancelled visit leaves the day
    drawn.view["blocks"] = before  # as if the cancel and the click crossed in the air

    ack = slack.as_user("@dr.patel").click("Check in", in_message="home")

    assert ack.ok
    assert stored_visit(sandbox, "A-1").status == "cancelled"
    assert "Nothing changed" in home(sandbox, PATEL) and "was cancelled" in home(sandbox, PATEL)


def test_done_and_acknowledge_work_from_home_and_the_tab_follows(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.as_user("@sam.nurse").open_home()
    assert "No handoffs waiting" in home(sandbox, SAM)

    slack.as_user("@dana").command("/handoff")
    slack.submit(WITH_ITEM)

    # Redrawn without sam opening it again: the handoff and the item are there.
    shown = home(sandbox, SAM)
    assert "H-1" in shown and "Acknowledge" in shown
    assert "Recheck K+" in shown and "Done" in shown
    assert "Omar Haddad" not in shown and "O.H. (P-1)" in shown

    slack.as_user("@sam.nurse").click("Done", in_message="home")
    with sandbox.db.session(read_only=True) as session:
        row = handoffs.get_by_ref(session, TEAM, "H-1")
        assert row is not None and row.actions[0].done_by == SAM
    assert "No open action items" in home(sandbox, SAM)
    card = [m for m in slack.messages("#cardiology-team") if "Handoff H-1" in m.text][-1]
    assert "done by @sam.nurse" in card.text

    slack.click("Acknowledge", in_message="home")
    assert slack.modal is not None and slack.modal.title == "Acknowledge H-1"
    slack.submit({"Your read-back (synthesis)": "Recheck K+ at 6am, call if it drops"})
    assert "No handoffs waiting for you" in home(sandbox, SAM)


def test_acknowledge_refused_in_home_is_said_on_the_tab(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", TO_SAM)
    slack.as_user("@sam.nurse").open_home()
    view = sandbox.standin.home(SAM)
    assert view is not None
    # dr.patel clicks a copy of sam's button: only sam may acknowledge.
    slack.as_user("@dr.patel").open_home()
    sandbox.standin.home(PATEL).view["blocks"] = view.view["blocks"]  # type: ignore[union-attr]

    ack = slack.click("Acknowledge", in_message="home")

    assert ack.ok and slack.modal is None
    assert "only they can acknowledge" in home(sandbox, PATEL)


def test_a_change_redraws_only_tabs_that_were_opened(sandbox: Sandbox, slack: SlackDriver) -> None:
    slack.command("/handoff", "Jane Doe to @social-work: needs placement today")

    assert sandbox.standin.home(RILEY) is None  # never opened: nothing published
    slack.as_user("@riley.sw").open_home()
    assert "H-1" in home(sandbox, RILEY)  # a role's handoff waits for its members

    slack.as_user("@dana").command("/handoff", "Ann Lee to @social-work: second one")
    assert "H-2" in home(sandbox, RILEY)
    assert sandbox.standin.home(SAM) is None  # sam is in the role but never looked


def test_a_failing_redraw_never_breaks_the_change(sandbox: Sandbox, slack: SlackDriver) -> None:
    def broken(team: str, users: Any, groups: Any) -> None:
        raise RuntimeError("Jane Doe")

    sandbox.runtime.shared.home.attach(broken)

    book(slack, TODAY)

    assert stored_visit(sandbox, "A-1").status == "booked"
    assert "Booked *A-1*" in slack.last_reply().text


def test_a_user_slack_does_not_know_gets_no_error(sandbox: Sandbox, slack: SlackDriver) -> None:
    ack = slack.event(
        {"type": "app_home_opened", "user": "U0NOBODY1", "channel": "D0NOBODY1", "tab": "home"}
    )

    assert ack.ok
    assert sandbox.standin.home("U0NOBODY1") is None
    assert not [m for m in slack.dms("@dana") if "Sorry" in m.text]


def test_the_messages_tab_publishes_nothing(sandbox: Sandbox, slack: SlackDriver) -> None:
    slack.open_home(tab="messages")

    assert sandbox.standin.home(DANA) is None


def seed_visits(sandbox: Sandbox, count: int) -> None:
    """`count` visits for dr.patel today, stored directly: booking each by hand is slow."""
    with sandbox.db.session() as session:
        patient = patients.find_or_create(session, TEAM, "Jane Doe", None, DANA, now=START)
        for i in range(count):
            start = START + timedelta(minutes=5 * i + 60)
            appointments.add(
                session,
                TEAM,
                patient_id=patient.id,
                kind="lab",
                label="lab",
                start_at=start,
                end_at=start + timedelta(minutes=5),
                clinician_id=PATEL,
                location=None,
                notes=None,
                booked_by=DANA,
                channel_id="C0CARDIO1",
                now=START,
            )


def test_a_long_day_fits_slacks_block_limit_and_pages(sandbox: Sandbox, slack: SlackDriver) -> None:
    seed_visits(sandbox, 45)
    slack.as_user("@dr.patel").open_home()

    view = sandbox.standin.home(PATEL)
    assert view is not None and len(view.view["blocks"]) <= 100
    assert "Your appointments today and tomorrow* (45)" in home(sandbox, PATEL)

    slack.click("Show more", in_message="home")
    assert "Showing 1-" in home(sandbox, PATEL)
    shown_to = int(home(sandbox, PATEL).split("Showing 1-")[1].split(" ")[0])
    assert shown_to > 5
    slack.click("Show more", in_message="home")
    assert f"Showing {shown_to + 1}-" in home(sandbox, PATEL)
    assert len(sandbox.standin.home(PATEL).view["blocks"]) <= 100  # type: ignore[union-attr]

    slack.click("Show less", in_message="home")
    assert "Showing" not in home(sandbox, PATEL)


@contextmanager
def counted(sandbox: Sandbox) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(sandbox.db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(sandbox.db.engine, "before_cursor_execute", count)


def test_drawing_my_day_reads_the_same_few_queries_however_long_it_is(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    shared = sandbox.runtime.shared
    viewer = Viewer(TEAM, PATEL, shared.people.timezone(TEAM, PATEL), START)
    seed_visits(sandbox, 2)
    home_view(shared.home.sections, shared.commands, viewer, Layout())  # caches filled first
    with counted(sandbox) as few:
        home_view(shared.home.sections, shared.commands, viewer, Layout())
    seed_visits(sandbox, 30)
    with counted(sandbox) as many:
        home_view(shared.home.sections, shared.commands, viewer, Layout(opened="appointments"))

    assert len(many) == len(few)


def test_carebot_help_points_to_the_home_tab(slack: SlackDriver) -> None:
    slack.command("/carebot", "help")

    assert "is on carebot's Home tab" in slack.last_reply().text
