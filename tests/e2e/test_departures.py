"""One refused DM is not a departure: work moves only once users.info says the person left.

Slack answers `channel_not_found` or `account_inactive` to a DM for reasons that have nothing
to do with the person (a DM it cannot open now, a token that lost its grant). Such a send is
deferred to the next try and counted; a person Slack reports deleted is handed over as before.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from storage import audit, reminders
from storage.preapprovals import queries as preapprovals
from tests.e2e.test_handoff_escalation import at, channel_posts, hand_off, nudges
from tests.e2e.test_preapproval_reminders import MINUTE, TEAM, TUE_9AM_LA, rounds
from tests.e2e.test_visit_reminders import JANE, TUESDAY_3PM, book, reminders_to

SAM = "U0NURSE01"
REFUSALS = ["account_inactive", "channel_not_found"]
DEFERRED = "1 deferred (DM refused, person still here)"
PATIENTS = ["Jane Doe", "Omar Haddad", "Ann Bell", "Lee Park", "Rosa Diaz"]


def open_for_sam(slack: SlackDriver, count: int) -> list[str]:
    for name in PATIENTS[:count]:
        slack.command("/preauth", f"new {name}, Aetna, MRI, owner @sam.nurse")
    return [f"PA-{n}" for n in range(1, count + 1)]


def owners(sandbox: Sandbox, refs: list[str]) -> list[str | None]:
    with sandbox.db.session(read_only=True) as session:
        return [
            row.owner_id if (row := preapprovals.get_by_ref(session, TEAM, ref)) else None
            for ref in refs
        ]


def told_they_left(slack: SlackDriver) -> list[str]:
    return [m.text for m in slack.messages("#cardiology-team") if "can't reach" in m.text]


def reassigned(sandbox: Sandbox) -> int:
    with sandbox.db.session(read_only=True) as session:
        return sum(r.action == "preapproval.assign" for r in audit.recent(session, TEAM))


def users_info_about(sandbox: Sandbox, user: str) -> int:
    return sum(c.params.get("user") == user for c in sandbox.standin.calls("users.info"))


def leave(sandbox: Sandbox, user: str) -> None:
    space = sandbox.standin.workspace
    space.users[user] = replace(space.users[user], deleted=True)


# -- pre-approval rounds ----------------------------------------------------------------


@pytest.mark.parametrize("refusal", REFUSALS)
def test_a_refused_round_for_an_owner_still_here_moves_nothing_and_is_sent_next_try(
    sandbox: Sandbox, slack: SlackDriver, refusal: str
) -> None:
    refs = open_for_sam(slack, 3)
    sandbox.standin.fail_next("chat.postMessage", error=refusal, channel=SAM)

    lines = sandbox.move_clock(TUE_9AM_LA)

    assert f"preauth-round: 0 sent for 1 reminder(s), {DEFERRED}" in lines
    assert rounds(slack, "@sam.nurse") == []
    assert owners(sandbox, refs) == [SAM, SAM, SAM]
    assert told_they_left(slack) == [] and reassigned(sandbox) == 0

    assert "preauth-round: 1 sent for 1 reminder(s)" in sandbox.move_clock(TUE_9AM_LA + MINUTE)
    sandbox.move_clock(TUE_9AM_LA + 10 * MINUTE)
    [dm] = rounds(slack, "@sam.nurse")
    assert "3 pre-approvals need your attention" in dm.text
    assert all(ref in dm.text for ref in refs)
    assert owners(sandbox, refs) == [SAM, SAM, SAM] and told_they_left(slack) == []


def test_an_owner_slack_says_left_is_handed_over_for_one_users_info_call(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    refs = open_for_sam(slack, 5)
    leave(sandbox, SAM)
    sandbox.move_clock(TUE_9AM_LA - MINUTE)  # the people cache is refreshed before the round
    asked = users_info_about(sandbox, SAM)

    lines = sandbox.move_clock(TUE_9AM_LA)

    assert users_info_about(sandbox, SAM) - asked == 1  # the whole queue, one question
    assert "preauth-round: 0 sent for 1 reminder(s)" in lines
    assert owners(sandbox, refs) == ["U0COORD01"] * 5
    [told] = told_they_left(slack)
    assert "@sam.nurse" in told and all(f"{ref} → @dana" in told for ref in refs)
    assert reassigned(sandbox) == 5


@pytest.mark.parametrize("status", [429, 500])
def test_when_users_info_fails_too_nothing_is_handed_over_until_slack_can_say(
    sandbox: Sandbox, slack: SlackDriver, status: int
) -> None:
    refs = open_for_sam(slack, 2)
    leave(sandbox, SAM)  # gone indeed, but Slack cannot say so yet
    sandbox.standin.fail_next("users.info", status=status, retry_after=60, times=10)

    lines = sandbox.move_clock(TUE_9AM_LA)

    assert f"preauth-round: 0 sent for 1 reminder(s), {DEFERRED}" in lines
    assert owners(sandbox, refs) == [SAM, SAM] and told_they_left(slack) == []
    sandbox.standin.heal("users.info")
    sandbox.move_clock(TUE_9AM_LA + MINUTE)
    assert owners(sandbox, refs) == ["U0COORD01"] * 2
    assert len(told_they_left(slack)) == 1


# -- handoff escalation and action items --------------------------------------------------


@pytest.mark.parametrize("refusal", REFUSALS)
def test_an_escalation_dm_refused_for_a_receiver_still_here_comes_on_the_next_try(
    sandbox: Sandbox, slack: SlackDriver, refusal: str
) -> None:
    hand_off(slack, "stable")  # DM at 30 min, thread at 60
    sandbox.standin.fail_next("chat.postMessage", error=refusal, channel=SAM)

    assert f"handoff-escalation: 0 sent for 1 reminder(s), {DEFERRED}" in sandbox.move_clock(at(30))
    assert nudges(slack) == []
    sandbox.move_clock(at(31))
    [dm] = nudges(slack)
    assert "Handoff *H-1*" in dm.text
    sandbox.move_clock(at(60))
    assert len(channel_posts(slack)) == 1 and len(nudges(slack)) == 1


def test_a_receiver_refused_every_try_still_gets_the_thread_nudge_on_time(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    hand_off(slack, "stable")
    sandbox.standin.fail_next("chat.postMessage", error="channel_not_found", channel=SAM, times=9)

    for minutes in (30, 31, 36):  # tried again after 1 min, then 5; the next wait is capped
        sandbox.move_clock(at(minutes))
    with sandbox.db.session(read_only=True) as session:
        ladder = reminders.get(session, TEAM, "handoff-escalation", "H-1")
        assert ladder is not None and ladder.next_at == at(60)
    sandbox.move_clock(at(60))

    assert nudges(slack) == []
    [thread] = channel_posts(slack)
    assert thread.text.startswith("@sam.nurse: H-1 has waited")


def test_an_escalation_dm_to_a_receiver_who_left_is_skipped_and_the_ladder_goes_on(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    hand_off(slack, "stable")
    leave(sandbox, SAM)

    assert sandbox.move_clock(at(30))[-1] == "handoff-escalation: 0 sent for 1 reminder(s)"
    sandbox.move_clock(at(60))
    assert len(channel_posts(slack)) == 1


def test_a_role_slack_could_not_read_is_not_taken_as_empty(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", "Jane Doe to @social-work: discharge blocked, no placement yet")
    sandbox.standin.fail_next("usergroups.users.list", status=500, times=10)

    assert "handoff-escalation: 0 sent for 1 reminder(s), 1 failed (will retry)" in (
        sandbox.move_clock(at(30))
    )
    sandbox.standin.heal("usergroups.users.list")
    sandbox.move_clock(at(31))
    assert len(nudges(slack, "@riley.sw")) == 1 and len(nudges(slack, "@sam.nurse")) == 1


def test_an_action_item_refused_for_its_owner_still_here_comes_on_the_next_try(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", "Jane Doe to @sam.nurse: post-op day 1")
    slack.command("/handoff")
    slack.submit(
        {
            "Patient": "Omar Haddad",
            "Receiver": "@sam.nurse",
            "Patient summary": "72M, CHF exacerbation, diuresing well",
            "Action list": "Recheck K+ @sam.nurse by 4pm",
        }
    )
    sandbox.standin.fail_next("chat.postMessage", error="account_inactive", channel=SAM)

    lines = sandbox.move_clock(at(120))  # 4:00 PM in New York

    assert f"handoff-action: 0 sent for 1 reminder(s), {DEFERRED}" in lines
    sandbox.move_clock(at(121))
    [due] = [m for m in slack.dms("@sam.nurse") if "Due now" in m.text]
    assert "Recheck K+" in due.text


# -- visit reminders ------------------------------------------------------------------------


@pytest.mark.parametrize("refusal", REFUSALS)
def test_a_visit_reminder_refused_for_a_clinician_still_here_comes_on_the_next_try(
    sandbox: Sandbox, slack: SlackDriver, refusal: str
) -> None:
    book(sandbox, slack, JANE)
    day_before = TUESDAY_3PM - 24 * 60 * MINUTE
    sandbox.standin.fail_next("chat.postMessage", error=refusal, channel="U0DRPATEL")

    assert sandbox.move_clock(day_before) == [
        f"appt-clinician: 0 sent for 1 reminder(s), {DEFERRED}"
    ]
    sandbox.move_clock(day_before + MINUTE)

    [day] = reminders_to(slack, "@dr.patel")
    assert "A-1 in 24 hours" in day.text


def test_a_visit_reminder_for_a_clinician_who_left_is_skipped_not_retried(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(sandbox, slack, JANE)
    day_before = TUESDAY_3PM - 24 * 60 * MINUTE
    leave(sandbox, "U0DRPATEL")

    assert sandbox.move_clock(day_before) == ["appt-clinician: 0 sent for 1 reminder(s)"]
    with sandbox.db.session(read_only=True) as session:
        clinician = reminders.get(session, TEAM, "appt-clinician", "A-1")
        assert clinician is not None and clinician.next_at == TUESDAY_3PM - 60 * MINUTE


# -- the daily digest -------------------------------------------------------------------------


def test_a_digest_refused_once_in_a_channel_the_bot_is_still_in_is_posted_next_try(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jane Doe, MRI, tomorrow 3pm")
    slack.click("Confirm")
    digest_at = datetime(2027, 3, 2, 12, 30, tzinfo=UTC)  # 7:30 AM in New York
    sandbox.standin.fail_next("chat.postMessage", error="channel_not_found", channel="C0CARDIO1")

    assert "digest: 0 sent for 1 reminder(s), 1 failed (will retry)" in sandbox.move_clock(
        digest_at
    )
    sandbox.move_clock(digest_at + MINUTE)

    [digest] = [m for m in slack.messages("#cardiology-team") if "Today" in m.text]
    assert "A-1 · J.D. (P-1) · MRI" in digest.text
