"""A pre-approval for a whole series of visits: needed by its first visit ahead, and once
approved, each visit checked against the approved units and dates; the care team hears once
of the visits not covered, and the check follows the series as it changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.preapprovals.plan import RISK
from bot.sandbox.driver import Seen, SlackDriver
from bot.sandbox.world import Sandbox
from storage import reminders
from storage.preapprovals import queries as preapprovals
from storage.preapprovals.models import PreapprovalRow

TEAM = "T0CAREBOT"
# START is Mon 1 Mar 2027, 2:00 PM in New York, where dana works.
PHYSIO = "Ana Lima, physio, every tuesday and thursday 10am for 6 weeks, with @dr.patel"
# Fri 5, 12, 19 and 26 Mar 2027 at 2:00 PM in New York.
WOUND = "Di Eve, wound check, weekly on fridays 2pm, 4 times"
MINUTE = timedelta(minutes=1)


def book(slack: SlackDriver, series: str, count: int) -> None:
    slack.command("/appt", f"book {series}")
    slack.click(f"Book {count} visits")
    assert "Booked series *S-1*" in slack.last_reply().text


def stored(sandbox: Sandbox, ref: str) -> PreapprovalRow:
    with sandbox.db.session(read_only=True) as session:
        row = preapprovals.get_by_ref(session, TEAM, ref)
        assert row is not None
        return row


def risk_posts(slack: SlackDriver) -> list[Seen]:
    return [m for m in slack.messages("#cardiology-team") if "please check" in m.text]


def said(slack: SlackDriver, command: str) -> str:
    slack.command("/preauth", command)
    return slack.last_reply().text


def test_a_request_for_a_series_is_needed_by_its_first_visit_and_says_what_is_covered(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, PHYSIO, 12)

    opened = said(slack, "new P-1, Aetna, physio 97110, for S-1")

    assert "*Needed by:* Tue 2 Mar 2027, 10:00 AM EST (the first visit of S-1 ahead)" in opened
    assert "*Series:* S-1, 12 visits booked or held" in opened
    row = stored(sandbox, "PA-1")
    assert row.series_id is not None and row.appointment_id is None
    assert row.needed_by == datetime(2027, 3, 2, 15, 0, tzinfo=UTC)

    approved = said(slack, "approve PA-1 AUTH-12 units 10 until 2027-06-30")

    covers = "PA-1 covers 10 visits of S-1; A-11 and A-12 are not covered (approval for 10 visits)"
    assert covers in approved
    shown = said(slack, "show PA-1")
    assert "Series S-1: covers 10 of its 12 visits" in shown
    assert "A-11 and A-12 are not covered" in shown
    listed = said(slack, "list all")
    assert "Series S-1: covers 10 of its 12 visits" in listed
    assert risk_posts(slack) == []  # the visits not covered are weeks away


def test_visits_past_the_units_are_posted_at_risk_once_then_urgent_naming_them(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, WOUND, 4)
    slack.command("/preauth", "new P-1, Aetna, wound care, for S-1")
    slack.command("/preauth", "approve PA-1 AUTH-7 units 2")

    sandbox.move_clock(datetime(2027, 3, 16, 13, 0, tzinfo=UTC) - MINUTE)  # Tue 16 Mar, 8:59 AM
    assert risk_posts(slack) == []
    sandbox.move_clock(datetime(2027, 3, 16, 13, 0, tzinfo=UTC))  # 3 business days before A-3

    [post] = risk_posts(slack)
    assert "Pre-approval at risk" in post.text and "@dana, please check" in post.text
    assert "PA-1 covers 2 visits of S-1; A-3 and A-4 are not covered (approval for 2 visits)" in (
        post.text
    )
    sandbox.move_clock(datetime(2027, 3, 18, 18, 0, tzinfo=UTC))  # Thu 18 Mar, 2 PM: a day before
    [_, urgent] = risk_posts(slack)
    assert "URGENT" in urgent.text and "A-3 and A-4 are not covered" in urgent.text
    slack.command("/preauth", "list at-risk")
    assert "PA-1" in slack.last_reply().text

    sandbox.move_clock(datetime(2027, 3, 23, 13, 0, tzinfo=UTC))  # A-4 is 3 business days away
    sandbox.move_clock(datetime(2027, 3, 25, 18, 0, tzinfo=UTC))
    assert len(risk_posts(slack)) == 2  # one request, told once and escalated once
    assert "A-4 is not covered" in said(slack, "list at-risk")


def test_visits_outside_the_approved_dates_are_not_covered_and_use_no_units(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, WOUND, 4)
    slack.command("/preauth", "new P-1, Aetna, wound care, for S-1")

    approved = said(slack, "approve PA-1 AUTH-7 units 3 from 2027-03-08 until 2027-03-20")

    assert (
        "PA-1 covers 2 visits of S-1; A-1 and A-4 are not covered "
        "(valid from Mon 8 Mar 2027 until Sat 20 Mar 2027)"
    ) in approved
    assert "Series S-1: covers 2 of its 4 visits" in said(slack, "show PA-1")


def test_once_the_approval_runs_out_the_request_is_needed_by_the_first_visit_after_it(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, WOUND, 4)
    slack.command("/preauth", "new P-1, Aetna, wound care, for S-1")
    slack.command("/preauth", "approve PA-1 AUTH-7 until 2027-03-13")

    sandbox.move_clock(datetime(2027, 3, 14, 5, 1, tzinfo=UTC))  # Sun 14 Mar, just past midnight

    row = stored(sandbox, "PA-1")
    assert row.status == "expired"
    assert row.needed_by == datetime(2027, 3, 19, 18, 0, tzinfo=UTC)  # A-3, not A-1 long past
    assert "PA-1" not in said(slack, "list overdue")
    sandbox.move_clock(datetime(2027, 3, 16, 13, 0, tzinfo=UTC))  # Tue 16 Mar, 9 AM
    [post] = risk_posts(slack)
    assert "needed by Fri 19 Mar 2027" in post.text and "_expired_" in post.text


def test_the_check_follows_the_series_a_cancelled_visit_frees_its_unit(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, WOUND, 4)
    slack.command("/preauth", "new P-1, Aetna, wound care, for S-1")
    slack.command("/preauth", "approve PA-1 AUTH-7 units 3")
    assert "A-4 is not covered" in said(slack, "show PA-1")

    slack.command("/appt", "cancel A-2 only")

    shown = said(slack, "show PA-1")
    assert "Series S-1: covers 3 of its 3 visits" in shown and "not covered" not in shown
    with sandbox.db.session(read_only=True) as session:
        check = reminders.get(session, TEAM, RISK, "PA-1")
        assert check is None or check.next_at is None  # nothing left to warn about
    sandbox.move_clock(datetime(2027, 3, 23, 13, 0, tzinfo=UTC))
    assert risk_posts(slack) == []


def test_an_open_request_moves_to_the_next_visit_when_the_first_is_cancelled(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, WOUND, 4)
    slack.command("/preauth", "new P-1, Aetna, wound care, for S-1")

    slack.command("/appt", "cancel A-1 only")
    assert stored(sandbox, "PA-1").needed_by == datetime(2027, 3, 12, 19, 0, tzinfo=UTC)

    slack.command("/appt", "cancel S-1")
    assert stored(sandbox, "PA-1").needed_by is None  # nothing left to be at risk for
    with sandbox.db.session(read_only=True) as session:
        check = reminders.get(session, TEAM, RISK, "PA-1")
        assert check is None or check.next_at is None


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("new P-1, Aetna, physio, for S-99", "There is no series S-99 in this workspace"),
        ("new Omar Haddad, Aetna, physio, for S-1", "S-1 is for another patient, not P-2"),
        ("new P-1, Aetna, physio, for A-3 and S-1", "A request is for one visit (for A-12)"),
        ("new P-1, Aetna, physio, for A-3, for S-1", "or one whole series of visits (for S-2)"),
    ],
)
def test_a_series_that_cannot_be_linked_is_refused_with_an_example(
    sandbox: Sandbox, slack: SlackDriver, typed: str, says: str
) -> None:
    book(slack, WOUND, 4)

    answer = said(slack, typed)

    assert says in answer and "Example: /preauth new" in answer
    with sandbox.db.session(read_only=True) as session:
        assert preapprovals.get_by_ref(session, TEAM, "PA-1") is None


def test_a_series_with_no_visit_ahead_is_refused(sandbox: Sandbox, slack: SlackDriver) -> None:
    book(slack, WOUND, 4)
    slack.command("/appt", "cancel S-1")

    answer = said(slack, "new P-1, Aetna, wound care, for S-1")

    assert "Series S-1 has no booked visit ahead" in answer and "Example: /preauth new" in answer
    with sandbox.db.session(read_only=True) as session:
        assert preapprovals.get_by_ref(session, TEAM, "PA-1") is None


def test_the_form_links_a_series_and_says_under_the_field_when_there_is_none(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, WOUND, 4)
    slack.command("/preauth", "new")

    slack.submit({"Patient": "P-1", "Payer": "Aetna", "Service": "wound", "Linked visit": "S-7"})
    assert slack.errors == {"appointment": "No series S-7 here; refs look like S-2."}
    slack.submit({"Linked visit": "s1"})

    assert slack.modal is None
    told = slack.last_reply().text
    assert "Opened *PA-1*" in told and "*Series:* S-1, 4 visits booked or held" in told
    assert stored(sandbox, "PA-1").series_id is not None


def test_someone_outside_the_care_team_cannot_link_a_series(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, WOUND, 4)

    slack.as_user("@visitor").in_channel("#general").command(
        "/preauth", "new Di Eve, Aetna, wound care, for S-1"
    )

    assert "care-team" in slack.last_reply().text
    with sandbox.db.session(read_only=True) as session:
        assert preapprovals.get_by_ref(session, TEAM, "PA-1") is None
