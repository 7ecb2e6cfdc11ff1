"""Roles and access: only care-team members look patients up; handoffs go to care-team channels.

The sandbox registers #cardiology-team, #ortho-team and #icu-private as care-team
channels; @visitor is only in #general, so in no care team.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.render import render_view
from bot.sandbox.world import Sandbox, start_sandbox
from bot.shared.rules.timeparse import TimeParser
from storage import AuditRow, audit
from storage.appointments import queries as appointments
from storage.preapprovals import queries as preapprovals
from tests.e2e.conftest import START

TEAM = "T0CAREBOT"
DANA, VISITOR = "U0COORD01", "U0VISITOR"
HOW = "Ask a carebot admin to mark your team's channel as a care-team channel with "
HOW += "`/carebot settings`, or join that channel, then try again."


def refused_rows(sandbox: Sandbox) -> list[AuditRow]:
    with sandbox.db.session(read_only=True) as session:
        rows = audit.recent(session, TEAM)
    return [r for r in reversed(rows) if r.action == "access.refused"]


def refusals(sandbox: Sandbox) -> list[tuple[str, str | None, str | None]]:
    """Who was refused, which record and where, oldest first."""
    return [(r.actor, r.ref, r.channel_id) for r in refused_rows(sandbox)]


def a_day_of_work(slack: SlackDriver) -> None:
    """Dana (in #cardiology-team) books A-1 for P-1, hands off H-1 and opens PA-1."""
    slack.command("/appt", "book Jane Doe, MRI, tomorrow 3pm, 45 min, with @dr.patel")
    slack.click("Confirm")
    slack.command("/handoff", "Jane Doe to @sam.nurse: stable overnight, recheck K+ at 6am")
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")


@pytest.mark.parametrize(
    ("command", "text", "doing", "ref"),
    [
        ("/appt", "list", "list appointments", None),
        ("/appt", "export week", "export appointments", None),
        ("/appt", "book P-1, MRI, friday 3pm", "book for an existing patient", "P-1"),
        ("/appt", "book Jane Doe, MRI, friday 3pm", "book for an existing patient", "P-1"),
        ("/handoff", "list", "list handoffs", None),
        ("/handoff", "show h1", "look up handoffs", "H-1"),
        ("/preauth", "list all", "list pre-approvals", None),
        ("/preauth", "show PA-1", "look up pre-approvals", "PA-1"),
        ("/preauth", "new P-1, Cigna, CT", "open a pre-approval for an existing patient", "P-1"),
        ("/appt", "cancel a1 not needed", "cancel visits", "A-1"),
        ("/appt", "checkin A-1", "check visits in", "A-1"),
        ("/appt", "noshow A-1", "mark visits as no-shows", "A-1"),
        ("/appt", "move A-1 friday 4pm", "move visits", "A-1"),
        ("/preauth", "approve PA-1 AUTH123", "change pre-approvals", "PA-1"),
        ("/preauth", "note PA-1 <!channel> call me", "change pre-approvals", "PA-1"),
    ],
)
def test_someone_in_no_care_team_is_refused_politely_and_audited_once(
    sandbox: Sandbox, slack: SlackDriver, command: str, text: str, doing: str, ref: str | None
) -> None:
    a_day_of_work(slack)

    slack.as_user("@visitor").in_channel("#general").command(command, text)

    reply = slack.last_reply()
    assert reply.text == (
        f"Sorry, only care-team members can {doing}, and you're not in any care-team channel. {HOW}"
    )
    assert "Jane" not in reply.raw_text and "J.D." not in reply.raw_text
    assert refusals(sandbox) == [(VISITOR, ref, "C0GENERAL")]
    assert refused_rows(sandbox)[0].request_id  # the request it answered, as the logs name it
    assert slack.dms("@visitor") == [] and sandbox.standin.files() == []  # no export either


def test_someone_in_no_care_team_changes_nothing(sandbox: Sandbox, slack: SlackDriver) -> None:
    a_day_of_work(slack)

    slack.as_user("@visitor").in_channel("#general").command("/appt", "cancel A-1")
    slack.command("/preauth", "deny PA-1 not covered")

    with sandbox.db.session(read_only=True) as session:
        row = appointments.get_by_ref(session, TEAM, "A-1")
        assert row is not None and row.status == "booked"
    assert [r.action for r in refused_rows(sandbox)] == ["access.refused", "access.refused"]


def test_a_refused_booking_keeps_no_draft_and_a_new_patient_is_booked(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    a_day_of_work(slack)
    visitor = slack.as_user("@visitor").in_dm()

    visitor.command("/appt", "book Jane Doe, MRI, friday 3pm")
    assert visitor.last_reply().text.startswith("Sorry, only care-team members can book")

    # Booking someone new reveals nothing: the preview is theirs to confirm.
    visitor.command("/appt", "book Ann Bell, CT, friday 3pm")
    assert "Ann Bell" in visitor.last_reply().text
    assert refusals(sandbox) == [(VISITOR, "P-1", f"D{VISITOR[1:]}")]


def test_the_same_commands_answer_a_care_team_member(sandbox: Sandbox, slack: SlackDriver) -> None:
    a_day_of_work(slack)

    for command, text in [("/appt", "list"), ("/handoff", "show H-1"), ("/preauth", "list all")]:
        slack.command(command, text)
        assert not slack.last_reply().text.startswith("Sorry"), (command, text)
    slack.as_user("@riley.sw").command("/handoff", "show H-1")  # in #cardiology-team
    assert "H-1" in slack.last_reply().text
    assert refusals(sandbox) == []


def test_the_home_tab_shows_someone_in_no_care_team_the_welcome_and_no_patients(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    a_day_of_work(slack)
    slack.command("/preauth", "assign PA-1 @visitor")  # even their own pre-approval stays hidden

    slack.as_user("@visitor").open_home()

    shown = render_view(sandbox.standin.home(VISITOR).view, names=sandbox.standin.workspace)
    assert "Welcome to carebot" in shown
    assert "show here once you're in a care team" in shown and "`/carebot settings`" in shown
    assert "PA-1" not in shown and "Jane" not in shown and "J.D." not in shown
    assert refusals(sandbox) == [(VISITOR, None, None)]


def test_a_handoff_to_a_channel_that_is_not_a_care_team_channel_is_refused(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    sandbox.standin.workspace.channels["C0GENERAL"].members.add("U0CAREBOT")

    slack.in_channel("#general").command("/handoff", "Jane Doe: stable overnight")

    assert slack.last_reply().text == (
        "Handoffs go only to care-team channels, and #general is not one. Run `/handoff` in "
        "your team's channel (#cardiology-team, #ortho-team), or ask a carebot admin to mark "
        "this one as a care-team channel with `/carebot settings`."
    )
    assert slack.messages("#general") == []
    assert refusals(sandbox) == [(DANA, None, "C0GENERAL")]


def test_the_handoff_form_says_so_under_the_channel_field(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    sandbox.standin.workspace.channels["C0GENERAL"].members.add("U0CAREBOT")
    slack.command("/handoff")

    slack.submit(
        {"Patient": "Jane Doe", "Care-team channel": "#general", "Patient summary": "Stable"}
    )

    assert slack.errors == {
        "channel": "Handoffs go only to care-team channels, and that channel is not one. Run "
        "`/handoff` in your team's channel, or ask a carebot admin to mark this one as a "
        "care-team channel with `/carebot settings`."
    }
    assert refusals(sandbox) == [(DANA, None, "C0GENERAL")]


@pytest.fixture
def visitor_is_admin(times: TimeParser) -> Iterator[Sandbox]:
    """A sandbox whose only admin is @visitor, in no care team (SQLite is enough here)."""
    world = start_sandbox(start=START, times=times, admins=frozenset({VISITOR}))
    try:
        yield world
    finally:
        world.close()


def test_an_admin_runs_admin_commands_but_is_no_care_team_member_by_that(
    visitor_is_admin: Sandbox,
) -> None:
    admin = visitor_is_admin.driver.as_user("@visitor").in_dm()

    admin.command("/carebot", "audit P-1")
    assert not admin.last_reply().text.startswith("Sorry")
    admin.command("/appt", "list")
    assert admin.last_reply().text.startswith("Sorry, only care-team members can list")


@pytest.fixture
def no_care_channels(times: TimeParser) -> Iterator[Sandbox]:
    """A sandbox where no admin registered any care-team channel yet."""
    world = start_sandbox(start=START, times=times, care_channels=False)
    try:
        yield world
    finally:
        world.close()


def test_until_a_channel_is_registered_nobody_is_in_a_care_team(no_care_channels: Sandbox) -> None:
    dana = no_care_channels.driver

    dana.command("/handoff", "list")
    assert dana.last_reply().text.startswith("Sorry, only care-team members can list handoffs")
    dana.command("/handoff", "Jane Doe: stable overnight")
    assert dana.last_reply().text.startswith("Handoffs go only to care-team channels")


def test_the_forms_do_not_show_an_existing_patient_to_someone_in_no_care_team(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    a_day_of_work(slack)
    visitor = slack.as_user("@visitor").in_channel("#general")

    visitor.command("/appt")
    visitor.submit({"Patient": "P-1", "Kind": "Imaging", "Date": "2027-03-05", "Time": "15:00"})
    visitor.command("/preauth", "new")
    pushed = visitor.submit({"Patient": "P-1", "Payer": "Cigna", "Service": "CT"})

    shown = [m.raw_text for m in visitor.ephemerals() + visitor.dms("@visitor")]
    shown.append(str(pushed.body["view"]))  # the pre-approval form's refusal, over the form
    assert shown and all("Jane" not in text and "J.D." not in text for text in shown)
    assert sum("only care-team members" in text for text in shown) == 2
    assert refusals(sandbox) == [(VISITOR, "P-1", "C0GENERAL"), (VISITOR, "P-1", "C0GENERAL")]
    with sandbox.db.session(read_only=True) as session:
        assert preapprovals.get_by_ref(session, TEAM, "PA-2") is None


def test_leaving_the_care_team_channel_counts_at_once_and_so_does_joining_it(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    """Slack's member_left_channel and member_joined_channel, not the minute members are
    kept: someone removed from the team loses patient lookups on their next command."""
    a_day_of_work(slack)
    riley = slack.as_user("@riley.sw").in_channel("#general")  # in #cardiology-team only
    riley.command("/appt", "list tomorrow")
    assert "A-1" in slack.last_reply().text

    left = slack.leave("#cardiology-team", "@riley.sw")
    assert left is not None and left.ok  # carebot is there and subscribes: it heard
    riley.command("/appt", "list tomorrow")
    refused = slack.last_reply().text
    assert refused.startswith("Sorry, only care-team members can list appointments")

    slack.join("#cardiology-team", "@riley.sw")
    riley.command("/appt", "list tomorrow")
    assert "A-1" in slack.last_reply().text


def test_a_member_event_for_a_channel_of_no_care_team_changes_nothing(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    a_day_of_work(slack)
    sandbox.standin.workspace.channels["C0GENERAL"].members.add("U0CAREBOT")
    joined = slack.join("#general", "@visitor")
    assert joined is not None and joined.ok
    slack.as_user("@visitor").in_channel("#general").command("/appt", "list")
    assert slack.last_reply().text.startswith("Sorry, only care-team members")


def test_a_forged_join_makes_nobody_a_member(sandbox: Sandbox, slack: SlackDriver) -> None:
    """The event only makes carebot ask Slack again; Slack's members decide."""
    a_day_of_work(slack)
    forged = {"type": "member_joined_channel", "user": VISITOR, "channel": "C0CARDIO1"}
    assert slack.event({**forged, "channel_type": "C", "team": TEAM}).ok
    slack.as_user("@visitor").in_channel("#general").command("/appt", "list tomorrow")
    assert slack.last_reply().text.startswith("Sorry, only care-team members")


@pytest.mark.parametrize(
    ("event", "status"),
    [
        ({"type": "member_left_channel", "user": "U0SOCIAL1", "channel_type": "C"}, 200),
        ({"type": "member_joined_channel", "user": "U0SOCIAL1", "channel": ""}, 200),
        # Bolt itself cannot read it: refused at the gate (it was a 500 before).
        ({"type": "member_left_channel", "user": "U0SOCIAL1", "channel": 42}, 400),
    ],
    ids=["no channel", "empty", "a number"],
)
def test_a_malformed_member_event_is_answered_and_changes_nothing(
    sandbox: Sandbox, slack: SlackDriver, event: dict[str, object], status: int
) -> None:
    a_day_of_work(slack)
    riley = slack.as_user("@riley.sw").in_channel("#general")
    riley.command("/appt", "list tomorrow")
    assert "A-1" in slack.last_reply().text

    assert slack.event({**event, "team": TEAM}).status == status
    riley.command("/appt", "list tomorrow")
    assert "A-1" in slack.last_reply().text
    assert sandbox.standin.internal_errors == []


def test_a_retried_leave_is_acked_once_more_and_the_member_stays_out(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    """Slack retries an event it thinks went unanswered: forgetting again does no harm."""
    a_day_of_work(slack)
    assert slack.leave("#cardiology-team", "@riley.sw") is not None
    assert slack.resend(retry_num=1).status == 200
    slack.as_user("@riley.sw").in_channel("#general").command("/appt", "list tomorrow")
    assert slack.last_reply().text.startswith("Sorry, only care-team members")
