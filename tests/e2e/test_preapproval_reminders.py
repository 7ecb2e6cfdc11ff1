"""Chasing pre-approvals: round DMs, the payer clock, risk posts, resolving and snoozing."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.runtime.logs import quiet_libraries
from bot.sandbox.driver import Seen, SlackDriver
from bot.sandbox.world import Sandbox
from storage import audit, reminders
from storage.preapprovals import queries as preapprovals
from storage.preapprovals import sent as preapproval_sent
from tests.e2e.test_channel_settings import save

TEAM = "T0CAREBOT"
# START is Mon 1 Mar 2027, 2:00 PM in New York (dana); sam.nurse reads Los Angeles time.
TUE_9AM_NY = datetime(2027, 3, 2, 14, 0, tzinfo=UTC)
TUE_9AM_LA = datetime(2027, 3, 2, 17, 0, tzinfo=UTC)
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)


def rounds(slack: SlackDriver, user: str = "@dana") -> list[Seen]:
    return [m for m in slack.dms(user) if ":clipboard:" in m.raw_text or "Pre-approval" in m.text]


def risk_posts(slack: SlackDriver) -> list[Seen]:
    return [m for m in slack.messages("#cardiology-team") if "please check" in m.text]


def status(sandbox: Sandbox, ref: str) -> str:
    with sandbox.db.session(read_only=True) as session:
        row = preapprovals.get_by_ref(session, TEAM, ref)
        assert row is not None
        return row.status


def test_each_owner_gets_one_dm_per_round_at_nine_their_time(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")
    slack.command("/preauth", "new Omar Haddad, Cigna, knee arthroscopy, expedited")
    slack.command("/preauth", "new Ann Bell, Humana, CT chest, owner @sam.nurse")

    sandbox.move_clock(TUE_9AM_NY - MINUTE)
    assert rounds(slack) == []
    assert sandbox.move_clock(TUE_9AM_NY) == ["preauth-round: 1 sent for 1 reminder(s)"]
    sandbox.move_clock(TUE_9AM_LA - MINUTE)
    assert rounds(slack, "@sam.nurse") == []
    sandbox.move_clock(TUE_9AM_LA)

    [dana] = rounds(slack)
    assert "2 pre-approvals need your attention" in dana.text
    assert dana.text.index("PA-2") < dana.text.index("PA-1")  # expedited first
    for button in ("Submitted", "Approved...", "Denied...", "Snooze 1 day", "Reassign..."):
        assert button in dana.text
    [sam] = rounds(slack, "@sam.nurse")
    assert "1 pre-approval needs your attention" in sam.text and "PA-3" in sam.text


def test_weekends_and_holidays_get_no_round(sandbox: Sandbox, slack: SlackDriver) -> None:
    # The holidays of the channel the request is opened in (settings are read per channel).
    save(slack, {"Holidays (no digest, no slots)": "2027-03-08"})
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")

    for day in range(8):  # Tue 2 Mar .. Tue 9 Mar, at 9:00 in New York
        sandbox.move_clock(TUE_9AM_NY + day * DAY)

    sent = [m.ts for m in rounds(slack)]
    assert len(sent) == 5  # Tue, Wed, Thu, Fri and then Tue: not Sat, Sun or the holiday Monday
    with sandbox.db.session(read_only=True) as session:
        keys = [r.round_key for r in preapproval_sent.rounds_sent(session, TEAM, "U0COORD01")]
    assert [k[:10] for k in keys] == [
        "2027-03-02",
        "2027-03-03",
        "2027-03-04",
        "2027-03-05",
        "2027-03-09",
    ]


def test_a_submitted_request_waits_for_the_payer_clock_then_says_follow_up(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI, expedited")
    slack.command("/preauth", "new Omar Haddad, Cigna, CT")
    slack.command("/preauth", "submitted PA-1 REF-1")
    slack.command("/preauth", "submitted PA-2")

    for day in range(3):  # Tue, Wed, Thu: the payer has 72 hours (expedited), until Thu 2 PM
        sandbox.move_clock(TUE_9AM_NY + day * DAY)
    assert rounds(slack) == []
    sandbox.move_clock(TUE_9AM_NY + 3 * DAY)  # Friday 9:00

    [friday] = rounds(slack)
    assert "PA-1" in friday.text and "PA-2" not in friday.text  # standard: 7 days
    assert "Past the payer's decision clock" in friday.text
    assert "follow up with the payer" in friday.text
    slack.command("/preauth", "list overdue")
    overdue = slack.last_reply().text
    assert "PA-1" in overdue and "PA-2" not in overdue
    sandbox.move_clock(datetime(2027, 3, 9, 14, 0, tzinfo=UTC))  # the next Tuesday
    assert "PA-2" in rounds(slack)[-1].text


def test_a_visit_near_without_approval_is_posted_then_marked_urgent(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI, needed by friday 9am")

    sandbox.move_clock(TUE_9AM_NY - MINUTE)
    assert risk_posts(slack) == []
    sandbox.move_clock(TUE_9AM_NY)  # three business days before Friday
    [first] = risk_posts(slack)
    assert "Pre-approval at risk" in first.text and "@dana, please check" in first.text
    assert "Aetna" not in first.text  # the channel sees the patient per policy, not the service

    sandbox.move_clock(TUE_9AM_NY + 2 * DAY)  # Thursday 9:00: a day before
    [_, urgent] = risk_posts(slack)
    assert "URGENT" in urgent.text
    slack.command("/preauth", "new Omar Haddad, Cigna, CT")
    slack.command("/preauth", "list at-risk")
    at_risk = slack.last_reply().text
    assert "PA-1" in at_risk and "URGENT" in at_risk and "PA-2" not in at_risk
    sandbox.move_clock(TUE_9AM_NY + 3 * DAY - MINUTE)
    assert len(risk_posts(slack)) == 2


def test_resolving_stops_everything_and_updates_earlier_messages_in_place(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI, needed by friday 9am")
    slack.command("/preauth", "new Omar Haddad, Cigna, CT")
    sandbox.move_clock(TUE_9AM_NY)

    slack.command("/preauth", "approve PA-1 AUTH-77 units 1 until 2027-04-30")

    [dm] = rounds(slack)
    assert dm.edited
    assert "PA-1* (J.D. (P-1)) is approved by @dana · auth AUTH-77" in dm.text
    assert dm.text.count("Approved...") == 1  # only PA-2 still has its buttons
    [post] = risk_posts(slack)
    assert post.edited and "is approved" in post.text
    slack.command("/preauth", "cancel PA-2")
    for day in range(1, 4):
        sandbox.move_clock(TUE_9AM_NY + day * DAY)
    assert len(rounds(slack)) == 1 and len(risk_posts(slack)) == 1
    [dm] = rounds(slack)
    assert "all resolved" in dm.text


def test_a_snooze_is_honoured_to_the_minute(sandbox: Sandbox, slack: SlackDriver) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")
    slack.command("/preauth", "snooze PA-1 until wednesday 2:37pm")

    sandbox.move_clock(TUE_9AM_NY)
    sandbox.move_clock(TUE_9AM_NY + DAY)  # Wednesday's round: still snoozed
    sandbox.move_clock(datetime(2027, 3, 3, 19, 36, tzinfo=UTC))
    assert rounds(slack) == []
    sandbox.move_clock(datetime(2027, 3, 3, 19, 37, tzinfo=UTC))
    assert len(rounds(slack)) == 1

    slack.as_user("@dana").in_dm().click("Snooze 1 day")  # from the DM: until Thu 2:37 PM
    sandbox.move_clock(TUE_9AM_NY + 2 * DAY)
    assert len(rounds(slack)) == 1
    with sandbox.db.session(read_only=True) as session:
        row = preapprovals.get_by_ref(session, TEAM, "PA-1")
        assert row is not None and row.snoozed_until == datetime(2027, 3, 4, 19, 37, tzinfo=UTC)


def test_after_downtime_one_catch_up_round_not_a_burst(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")
    slack.command("/preauth", "new Omar Haddad, Cigna, CT")

    sandbox.move_clock(TUE_9AM_NY + 2 * DAY + timedelta(hours=2))  # down since Monday

    [catch_up] = rounds(slack)
    assert "catch-up" in catch_up.text and "2 pre-approvals" in catch_up.text
    sandbox.move_clock(TUE_9AM_NY + 3 * DAY - MINUTE)
    assert len(rounds(slack)) == 1
    sandbox.move_clock(TUE_9AM_NY + 3 * DAY)
    assert len(rounds(slack)) == 2


def test_slack_429s_are_waited_out_and_a_failed_round_is_sent_once_later(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")
    slack.command("/preauth", "new Ann Bell, Humana, CT chest, owner @sam.nurse")
    sandbox.standin.fail_next("chat.postMessage", status=429, retry_after=1)

    sandbox.move_clock(TUE_9AM_NY)  # a short Retry-After is waited out within the sweep
    assert len(rounds(slack)) == 1

    sandbox.standin.fail_next("chat.postMessage", status=429, retry_after=60, times=10)
    assert sandbox.move_clock(TUE_9AM_LA) == [
        "preauth-round: 0 sent for 1 reminder(s), 1 failed (will retry)"
    ]
    sandbox.standin.heal("chat.postMessage")
    sandbox.move_clock(TUE_9AM_LA + MINUTE)
    sandbox.move_clock(TUE_9AM_LA + 10 * MINUTE)
    assert len(rounds(slack, "@sam.nurse")) == 1


def test_an_owner_who_left_is_replaced_by_the_coordinator_and_the_channel_told(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Ann Bell, Humana, CT chest, owner @sam.nurse")
    space = sandbox.standin.workspace
    space.users["U0NURSE01"] = replace(space.users["U0NURSE01"], deleted=True)

    sandbox.move_clock(TUE_9AM_LA)

    [told] = [m for m in slack.messages("#cardiology-team") if "can't reach" in m.text]
    assert "@sam.nurse" in told.text and "PA-1 → @dana" in told.text
    with sandbox.db.session(read_only=True) as session:
        row = preapprovals.get_by_ref(session, TEAM, "PA-1")
        assert row is not None and row.owner_id == "U0COORD01"
        assert ("preapproval.assign", "carebot") in [
            (r.action, r.actor) for r in audit.recent(session, TEAM)
        ]
    sandbox.move_clock(TUE_9AM_LA + MINUTE)
    assert "PA-1" in rounds(slack)[-1].text


def test_approved_clicked_in_an_old_dm_after_a_denial_shows_the_denial(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")
    slack.command("/preauth", "submitted PA-1")
    sandbox.move_clock(TUE_9AM_NY + 7 * DAY)  # past the payer's clock: in Tuesday's round
    # Slack could not redraw dana's DM just then, so it still shows the buttons.
    sandbox.standin.fail_next("chat.update", status=500, times=3)
    slack.as_user("@sam.nurse").command("/preauth", "deny PA-1 not covered")
    assert "Approved..." in rounds(slack)[0].text

    dana = slack.as_user("@dana").in_dm()
    dana.click("Approved...")

    assert dana.modal is None
    [dm] = rounds(slack)
    assert dm.edited and "is denied by @sam.nurse" in dm.text and "not covered" in dm.text
    assert "Nothing changed. PA-1 is denied" in dana.last_reply().text
    assert status(sandbox, "PA-1") == "denied"


def test_the_dm_buttons_approve_through_a_form_and_submit_once_on_a_double_click(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")
    slack.command("/preauth", "new Omar Haddad, Cigna, CT")
    sandbox.move_clock(TUE_9AM_NY)
    dana = slack.as_user("@dana").in_dm()

    dana.double_click("Submitted")
    assert status(sandbox, "PA-1") == "submitted"
    with sandbox.db.session(read_only=True) as session:
        actions = [r.action for r in audit.recent(session, TEAM) if r.ref == "PA-1"]
    assert actions.count("preapproval.submitted") == 1

    dana.click("Approved...")
    dana.submit({"Auth number": "AUTH 1"})
    assert "no spaces" in dana.errors["auth_number"]
    dana.submit({"Auth number": "AUTH-1", "Approved units": "3", "Valid to": "2027-05-01"})
    assert status(sandbox, "PA-1") == "approved"
    dana.select("Reassign", "@sam.nurse")
    with sandbox.db.session(read_only=True) as session:
        moved = preapprovals.get_by_ref(session, TEAM, "PA-2")
        assert moved is not None and moved.owner_id == "U0NURSE01"
    [dm] = rounds(slack)
    assert "auth AUTH-1 · 3 units · valid until Sat 1 May 2027" in dm.text
    assert "owner @sam.nurse" in dm.text


def test_the_daily_digest_lists_todays_visits_and_risks_or_stays_quiet(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jane Doe, MRI, tomorrow 3pm")
    slack.click("Confirm")
    slack.command("/preauth", "new P-1, Aetna, MRI, for A-1")
    slack.command("/handoff", "Omar Haddad to @sam.nurse: stable overnight, recheck K+ at 6am")
    digest_at = datetime(2027, 3, 2, 12, 30, tzinfo=UTC)  # 7:30 AM in New York

    sandbox.move_clock(digest_at - MINUTE)
    assert [m for m in slack.messages("#cardiology-team") if "Today" in m.text] == []
    sandbox.move_clock(digest_at)
    [digest] = [m for m in slack.messages("#cardiology-team") if "Today" in m.text]
    assert "1 visit today" in digest.text and "A-1 · J.D. (P-1) · MRI" in digest.text
    assert "Pre-approvals at risk (1)" in digest.text and "PA-1" in digest.text
    assert "Handoffs awaiting acknowledgement (1)" in digest.text
    assert "H-1 · O.H. (P-2)" in digest.text and "to @sam.nurse" in digest.text
    assert "Jane Doe" not in digest.text and "Omar" not in digest.text

    slack.command("/preauth", "approve PA-1 AUTH-5")
    sam = slack.as_user("@sam.nurse").in_channel("#cardiology-team")
    sam.click("Acknowledge")
    sam.submit({"Your read-back": "stable, K+ at 6am"})
    sandbox.move_clock(digest_at + DAY)  # Wednesday: nothing to say
    assert len([m for m in slack.messages("#cardiology-team") if "Today" in m.text]) == 1


def test_denied_through_its_form_and_undo_on_a_fresh_one(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")
    sandbox.move_clock(TUE_9AM_NY)
    dana = slack.as_user("@dana").in_dm()

    dana.click("Denied...")
    dana.submit({"Reason for the denial": "not medically necessary"})

    assert status(sandbox, "PA-1") == "denied"
    assert "is denied by @dana · reason: not medically necessary" in rounds(slack)[0].text
    slack.in_channel("#cardiology-team").command("/preauth", "new Omar Haddad, Cigna, CT")
    slack.click("Undo")
    assert status(sandbox, "PA-2") == "cancelled"
    assert "Undone: PA-2 is cancelled" in slack.last_reply().text


def test_logs_name_refs_and_ids_never_patients_payers_or_notes(
    sandbox: Sandbox, slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    quiet_libraries("DEBUG")  # as `carebot run` does at LOG_LEVEL=DEBUG
    slack.command(
        "/preauth", "new Jane Doe MRN 88123, Aetna, MRI, owner @sam.nurse, needed by wednesday"
    )
    slack.command("/preauth", "note PA-1 Jane's sister calls back")
    space = sandbox.standin.workspace
    space.users["U0NURSE01"] = replace(space.users["U0NURSE01"], deleted=True)
    sandbox.standin.fail_next("chat.postMessage", status=500, times=3)
    sandbox.move_clock(TUE_9AM_NY)
    sandbox.move_clock(TUE_9AM_LA)

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "PA-1" in logged or "pre-approval" in logged
    for secret in ("Jane", "Doe", "88123", "Aetna", "MRI", "sister"):
        assert secret not in logged


def test_an_approval_ending_before_the_visit_is_flagged_and_expires_by_itself(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI, needed by friday 9am")

    slack.command("/preauth", "approve PA-1 AUTH-3 until 2027-03-03")

    assert "The approval ends Wed 3 Mar 2027, before it is needed" in slack.last_reply().text
    sandbox.move_clock(TUE_9AM_NY)
    [post] = risk_posts(slack)
    assert "ends Wed 3 Mar 2027, before it is needed" in post.text
    assert rounds(slack) == []  # approved: no nudge while the approval lasts
    sandbox.move_clock(datetime(2027, 3, 4, 5, 0, tzinfo=UTC))  # Thursday, midnight in New York
    assert status(sandbox, "PA-1") == "expired"
    sandbox.move_clock(TUE_9AM_NY + 2 * DAY)
    [dm] = rounds(slack)
    assert "PA-1" in dm.text and "_expired_" in dm.text
    with sandbox.db.session(read_only=True) as session:
        assert ("preapproval.expired", "carebot") in [
            (r.action, r.actor) for r in audit.recent(session, TEAM)
        ]


def test_an_approval_form_submitted_after_someone_else_denied_changes_nothing(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")
    sandbox.move_clock(TUE_9AM_NY)
    dana = slack.as_user("@dana").in_dm()
    dana.click("Approved...")

    slack.as_user("@sam.nurse").in_channel("#cardiology-team").command(
        "/preauth", "deny PA-1 out of network"
    )
    dana = slack.as_user("@dana").in_dm()
    dana.submit({"Auth number": "AUTH-9"})

    assert status(sandbox, "PA-1") == "denied"
    assert "Nothing changed. PA-1 is denied" in dana.last_reply().text
    with sandbox.db.session(read_only=True) as session:
        row = preapprovals.get_by_ref(session, TEAM, "PA-1")
        assert row is not None and row.auth_number is None


def test_without_the_bot_in_the_channel_owners_hear_of_the_risk_and_the_digest_waits(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI, needed by friday 9am")
    slack.command("/preauth", "new Ann Bell, Humana, CT, owner @sam.nurse, needed by friday 9am")
    sandbox.standin.workspace.channels["C0CARDIO1"].members.discard("U0CAREBOT")

    lines = sandbox.move_clock(TUE_9AM_NY)

    assert "digest: 0 sent for 1 reminder(s)" in lines  # no retry storm: the channel leaves
    with sandbox.db.session(read_only=True) as session:
        digest = reminders.get(session, TEAM, "digest", "C0CARDIO1")
        assert digest is not None and digest.next_at is None
    assert "preauth-risk: 2 sent for 2 reminder(s)" in lines
    [dana] = [m for m in slack.dms("@dana") if "please check" in m.text]
    [sam] = [m for m in slack.dms("@sam.nurse") if "please check" in m.text]
    assert "PA-1" in dana.text and "PA-2" not in dana.text and "PA-2" in sam.text
    slack.command("/preauth", "approve PA-1 AUTH-1")
    [dana] = [m for m in slack.dms("@dana") if "please check" in m.text]
    assert dana.edited and "is approved" in dana.text


def test_a_digest_due_while_carebot_was_down_is_posted_once_on_catch_up_and_says_so(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", "Omar Haddad to @sam.nurse: stable overnight, recheck K+ at 6am")

    def digests() -> list[Seen]:
        return [m for m in slack.messages("#cardiology-team") if m.text.startswith(":sunrise:")]

    sandbox.move_clock(datetime(2027, 3, 2, 12, 30, tzinfo=UTC))  # Tue 7:30: posted on time
    assert len(digests()) == 1 and "Sent late" not in digests()[0].text
    # Down from Wednesday 03:45 until Thursday 07:31, then until 09:00.
    sandbox.move_clock(datetime(2027, 3, 3, 8, 45, tzinfo=UTC))
    sandbox.move_clock(datetime(2027, 3, 4, 14, 0, tzinfo=UTC))

    thursday = digests()[-1]
    assert len(digests()) == 2 and "Today, Thu 4 Mar 2027" in thursday.text
    assert "Sent late: carebot was down at the usual time" in thursday.text
    sandbox.move_clock(datetime(2027, 3, 4, 20, 0, tzinfo=UTC))
    assert len(digests()) == 2  # never twice
