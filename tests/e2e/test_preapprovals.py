"""Opening and resolving pre-approvals with /preauth, as coordinators see it in Slack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.preapprovals.plan import RISK
from bot.sandbox.driver import SlackDriver
from bot.sandbox.render import render_view
from bot.sandbox.world import Sandbox
from storage import audit, reminders
from storage.preapprovals import queries as preapprovals
from storage.preapprovals.models import PreapprovalRow
from tests.e2e.conftest import START

TEAM = "T0CAREBOT"
# START (tests/e2e/conftest.py) is Mon 1 Mar 2027, 2:00 PM in New York, where dana works.
JANE = "Jane Doe MRN 88123, Aetna, MRI lumbar spine 72148, needed by friday 9am"


def stored(sandbox: Sandbox, ref: str) -> PreapprovalRow:
    with sandbox.db.session(read_only=True) as session:
        row = preapprovals.get_by_ref(session, TEAM, ref)
        assert row is not None
        return row


def test_the_quick_form_opens_one_and_shows_back_what_it_understood(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", f"new {JANE}, owner @sam.nurse, expedited, dx M54.5, ref REF-1")

    told = slack.last_reply()
    assert told.ephemeral
    assert "Opened *PA-1*" in told.text
    for shown in (
        "*Patient:* J.D. (P-1)",
        "*Payer:* Aetna",
        "*Service:* MRI lumbar spine · codes 72148",
        "*Needed by:* Fri 5 Mar 2027, 9:00 AM EST",
        "*Owner:* @sam.nurse",
        "*Urgency:* expedited",
        "*Diagnosis:* M54.5",
        "*Payer ref:* REF-1",
    ):
        assert shown in told.text
    row = stored(sandbox, "PA-1")
    assert (row.status, row.owner_id, row.created_by) == ("not_started", "U0NURSE01", "U0COORD01")
    assert row.channel_id == "C0CARDIO1"
    [handed] = slack.dms("@sam.nurse")
    assert "@dana opened *PA-1* and made you its owner" in handed.text


def test_a_linked_visit_sets_needed_by_and_the_patient_must_match(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jane Doe, MRI, thursday 3pm")
    slack.click("Confirm")

    slack.command("/preauth", "new P-1, Aetna, MRI, for A-1")
    assert "*Needed by:* Thu 4 Mar 2027, 3:00 PM EST (visit A-1)" in slack.last_reply().text
    slack.command("/preauth", "new Omar Haddad, Aetna, MRI, for A-1")
    assert "A-1 is for another patient" in slack.last_reply().text
    slack.command("/preauth", "new P-1, Aetna, MRI, for A-9")
    assert "There is no visit A-9" in slack.last_reply().text


def test_the_request_follows_its_visit_when_it_moves_or_is_cancelled(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jane Doe, MRI, thursday 3pm")
    slack.click("Confirm")
    slack.command("/preauth", "new P-1, Aetna, MRI, for A-1")

    slack.command("/appt", "move A-1 tuesday 10am")
    assert stored(sandbox, "PA-1").needed_by == datetime(2027, 3, 2, 15, 0, tzinfo=UTC)
    slack.command("/preauth", "show PA-1")
    assert "needed by Tue 2 Mar 2027, 10:00 AM EST (A-1)" in slack.last_reply().text

    slack.command("/appt", "cancel A-1")
    assert stored(sandbox, "PA-1").needed_by is None  # nothing left to be at risk for
    with sandbox.db.session(read_only=True) as session:
        risk = reminders.get(session, TEAM, RISK, "PA-1")
        assert risk is None or risk.next_at is None


def test_the_form_opens_it_with_me_as_owner_and_checks_fields_before_closing(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new")
    assert slack.modal is not None and slack.modal.title == "New pre-approval"

    slack.submit({"Patient": "Jane Doe", "Payer": "  ", "Service": "MRI 72148"})
    assert list(slack.errors) == ["payer"] and "Which payer?" in slack.errors["payer"]
    slack.submit(
        {
            "Payer": "Aetna",
            "Needed by": "blorp",
            "Diagnosis codes (ICD-10)": "back",
            "Owner": "@pagerbot",
        }
    )
    assert set(slack.errors) == {"needed_by", "diagnosis", "owner"}
    assert "can't own a pre-approval (a bot, or gone)" in slack.errors["owner"]
    slack.submit(
        {
            "Needed by": "friday",
            "Diagnosis codes (ICD-10)": "M54.5",
            "Urgency": "Expedited",
            "Owner": "@dana",
        }
    )

    assert slack.modal is None
    told = slack.last_reply().text
    assert "Opened *PA-1*" in told and "*Owner:* @dana" in told and "codes 72148" in told
    row = stored(sandbox, "PA-1")
    assert (row.urgency, row.diagnosis_codes, row.owner_id) == ("expedited", "M54.5", "U0COORD01")


def test_every_status_change_by_command_is_kept_and_audited(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", f"new {JANE}")
    steps = [
        ("submitted PA-1 REF-77", "submitted"),
        ("pended PA-1 wants the MRI report", "pended"),
        ("submitted PA-1", "submitted"),
        ("deny PA-1 not medically necessary", "denied"),
        ("appeal PA-1", "appealed"),
        ("partial PA-1 AUTH-9 units 6 until 2027-03-31", "partially_approved"),
        ("appeal PA-1", "appealed"),
        ("approve PA-1 AUTH-10 units 12 from 2027-03-01 until 2027-06-30", "approved"),
        ("expired PA-1", "expired"),
        ("cancel PA-1 visit called off", "cancelled"),
    ]
    for command, status in steps:
        slack.command("/preauth", command)
        assert stored(sandbox, "PA-1").status == status, slack.last_reply().text

    slack.command("/preauth", f"new {JANE}")
    slack.command("/preauth", "notrequired PA-2")
    assert stored(sandbox, "PA-2").status == "not_required"
    row = stored(sandbox, "PA-1")
    assert (row.payer_ref, row.auth_number, row.approved_units) == ("REF-77", "AUTH-10", 12)
    assert str(row.valid_to) == "2027-06-30" and row.denial_reason == "not medically necessary"
    with sandbox.db.session(read_only=True) as session:
        trail = [r.action for r in reversed(audit.recent(session, TEAM)) if r.ref == "PA-1"]
    expected = ["preapproval.create"]
    for command, status in steps:
        expected.append(f"preapproval.{status}")
        if command.startswith(("pended", "cancel")):  # their words are kept as a note
            expected.append("preapproval.note")
    assert trail == expected


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("new Jane Doe, , MRI", "Which payer?"),
        ("approve PA-1 AUTH 123", "no spaces or symbols"),
        ("approve PA-1 AUTH-1🎉", "no spaces or symbols"),
        ("approve PA-1", "Give the auth number"),
        ("deny PA-1", "Say why it was denied"),
        ("snooze PA-1 until yesterday", "has already passed"),
        ("assign PA-1 @old.locum", "can't own a pre-approval"),
        ("approve PA-77 AUTH-1", "There is no pre-approval PA-77"),
        ("submitted A-1", "is not a pre-approval ref"),
        ("list everything", "I list mine, overdue, at-risk or all"),
        ("frobnicate PA-1", "I don't know `/preauth frobnicate`"),
        ("pended PA-1 " + "more clinicals " * 100, "A note is at most 1000 characters"),
        ("assign PA-1 @dana", "already has that owner"),
    ],
)
def test_bad_input_gets_a_clear_reply(
    sandbox: Sandbox, slack: SlackDriver, command: str, says: str
) -> None:
    slack.command("/preauth", f"new {JANE}")

    slack.command("/preauth", command)

    assert says in slack.last_reply().text
    assert "&lt;@" not in slack.last_reply().raw_text  # no mention shown as raw text
    assert stored(sandbox, "PA-1").status == "not_started"  # a refusal changes nothing
    assert stored(sandbox, "PA-1").status == "not_started"


def test_approve_on_a_denied_request_is_explained_and_changes_nothing(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", f"new {JANE}")
    slack.command("/preauth", "submitted PA-1")
    slack.command("/preauth", "deny PA-1 out of network")

    slack.command("/preauth", "approve PA-1 AUTH-1")

    reply = slack.last_reply().text
    assert "PA-1 is denied, so it cannot be marked approved" in reply
    assert "/preauth appeal PA-1" in reply
    row = stored(sandbox, "PA-1")
    assert (row.status, row.auth_number) == ("denied", None)


def test_a_90_day_snooze_is_capped_with_a_note(sandbox: Sandbox, slack: SlackDriver) -> None:
    slack.command("/preauth", f"new {JANE}")

    slack.command("/preauth", "snooze PA-1 90d")

    assert "capped at 30 days" in slack.last_reply().text
    row = stored(sandbox, "PA-1")
    assert row.snoozed_until is not None
    assert (row.snoozed_until - sandbox.clock.now()).days == 30


def test_channel_in_notes_is_escaped_and_notes_show_who_wrote_them(slack: SlackDriver) -> None:
    slack.command("/preauth", f"new {JANE}")

    slack.command("/preauth", "note PA-1 <!channel> call the payer & fax")
    slack.command("/preauth", "show PA-1")

    shown = slack.last_reply()
    assert "<!channel>" not in shown.raw_text and "<!channel>" not in str(shown.blocks)
    assert "&lt;!channel&gt; call the payer &amp; fax" in str(shown.blocks)
    assert "— @dana" in shown.text


def test_lists_are_ephemeral_and_most_urgent_first(slack: SlackDriver) -> None:
    slack.command("/preauth", "new Omar Haddad, Cigna, knee arthroscopy")
    slack.command("/preauth", f"new {JANE}")  # needed friday: the more urgent one
    slack.command("/preauth", "new Ann Bell, Humana, CT, owner @sam.nurse")

    slack.command("/preauth", "list")
    mine = slack.last_reply()
    slack.command("/preauth", "list all")
    everyone = slack.last_reply().text

    assert mine.ephemeral
    assert mine.text.index("PA-2") < mine.text.index("PA-1") and "PA-3" not in mine.text
    assert "PA-3" in everyone


def test_in_a_dm_without_a_slash_the_form_opens_from_a_button(slack: SlackDriver) -> None:
    dana = slack.in_dm()
    dana.message("preauth new")

    assert "Open the form" in dana.last_reply().text
    dana.click("Open the form")
    assert dana.modal is not None and dana.modal.title == "New pre-approval"
    dana.submit({"Patient": "P-4", "Payer": "Aetna", "Service": "CT", "Linked visit": "A-3"})
    assert dana.modal is not None  # kept open, with what was wrong under each field
    assert dana.errors == {
        "patient": "No patient P-4 here; give a name, e.g. Jane Doe.",
        "appointment": "No visit A-3 here; refs look like A-12.",
    }
    dana.submit({"Patient": "Jane Doe", "Linked visit": ""})
    assert dana.modal is None and "Opened *PA-1*" in dana.last_reply().text


def test_a_snooze_in_days_that_lands_on_a_weekend_wakes_at_mondays_round(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", f"new {JANE}")

    slack.command("/preauth", "snooze PA-1 5d")  # Monday 2 PM + 5 days: Saturday
    assert "Snoozed until Mon 8 Mar 2027, 9:00 AM EST" in slack.last_reply().text
    slack.command("/preauth", "snooze PA-1 1d")
    assert "Snoozed until Tue 2 Mar 2027, 2:00 PM EST" in slack.last_reply().text
    slack.command("/preauth", "snooze PA-1 until saturday")

    assert "Snoozed until Mon 8 Mar 2027, 9:00 AM EST" in slack.last_reply().text
    slack.command("/preauth", "snooze PA-1 until saturday 4:15pm")  # a time given: to the minute
    row = stored(sandbox, "PA-1")
    assert row.snoozed_until is not None
    assert row.snoozed_until.isoformat() == "2027-03-06T21:15:00+00:00"


def test_my_day_lists_my_open_requests_and_a_click_there_acts_and_redraws(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Omar Haddad, Cigna, knee arthroscopy")
    slack.command("/preauth", f"new {JANE}")
    slack.command("/preauth", "new Ann Bell, Humana, CT, owner @sam.nurse")
    slack.open_home()

    def my_day() -> str:
        view = sandbox.standin.home("U0COORD01")
        assert view is not None
        return render_view(view.view, names=sandbox.standin.workspace)

    shown = my_day()
    assert "Your pending pre-approvals" in shown
    assert shown.index("PA-2") < shown.index("PA-1") and "PA-3" not in shown
    slack.click("Submitted", in_message="home")  # PA-2's: the most urgent comes first

    assert stored(sandbox, "PA-2").status == "submitted"
    assert "owner @dana · _submitted_" in my_day()  # redrawn as it stands now
    slack.command("/preauth", "cancel PA-1")
    assert "PA-1" not in my_day().split("Your pending pre-approvals")[1]


def test_a_new_owner_hears_once_even_when_slack_fails_and_not_after_it_moved_on(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", f"new {JANE}")
    sandbox.standin.fail_next("chat.postMessage", status=500, times=3)  # outlasts the retries

    slack.command("/preauth", "assign PA-1 @sam.nurse")

    assert slack.dms("@sam.nurse") == []  # Slack did not take it: the change stands
    assert stored(sandbox, "PA-1").owner_id == "U0NURSE01"
    sandbox.move_clock(START + timedelta(minutes=1))  # the sweep sends it
    [handed] = slack.dms("@sam.nurse")
    assert handed.text == "@dana handed you *PA-1*. `/preauth show PA-1` shows it."
    sandbox.move_clock(START + timedelta(minutes=10))
    assert len(slack.dms("@sam.nurse")) == 1

    # Handed on again before Slack took the first news: only the current owner hears.
    sandbox.standin.fail_next("chat.postMessage", status=500, times=3)
    slack.as_user("@sam.nurse").command("/preauth", "assign PA-1 @dr.patel")
    slack.as_user("@dana").command("/preauth", "assign PA-1 @sam.nurse")
    sandbox.move_clock(START + timedelta(minutes=20))
    assert not [m for m in slack.dms("@dr.patel") if "PA-1" in m.text]
    assert len(slack.dms("@sam.nurse")) == 2


def test_an_owner_typed_without_a_mention_is_found_for_sure_or_refused_with_the_closest(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Omar Haddad, Aetna, MRI, owner @sam")
    refused = slack.last_reply().text
    slack.command("/preauth", "new Jane Doe, Aetna, MRI, owner Sam Ortiz")

    assert refused.startswith('I couldn\'t find "@sam" in this workspace. Closest: @sam.nurse')
    assert stored(sandbox, "PA-1").owner_id == "U0NURSE01"  # the refused one opened nothing
    slack.click("@sam.nurse", in_message=slack.ephemerals()[-2])  # the question, answered late
    assert "Opened *PA-2*" in slack.last_reply().text
    assert stored(sandbox, "PA-2").owner_id == "U0NURSE01"


def test_assign_takes_a_name_one_person_answers_to_and_asks_about_any_other(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")

    slack.command("/preauth", "assign PA-1 @sam")
    refused = slack.last_reply().text
    slack.command("/preauth", "assign PA-1 sam.nurse")

    assert refused.startswith('I couldn\'t find "@sam" in this workspace. Closest: @sam.nurse')
    assert "`/preauth assign PA-3 @sam.nurse`" in refused
    assert stored(sandbox, "PA-1").owner_id == "U0NURSE01"
