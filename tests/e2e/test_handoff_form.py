"""The handoff modal beyond a first post: the SBAR switch, Edit, the message shortcut, roles."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from storage import audit
from storage.handoffs import queries as handoffs
from storage.handoffs.models import HandoffRow
from tests.e2e.conftest import START

TEAM = "T0CAREBOT"
SAM, RILEY = "U0NURSE01", "U0SOCIAL1"
READ_BACK = "Your read-back (synthesis)"


def stored(sandbox: Sandbox, ref: str = "H-1") -> HandoffRow:
    with sandbox.db.session(read_only=True) as session:
        row = handoffs.get_by_ref(session, TEAM, ref)
        assert row is not None
        return row


def card(slack: SlackDriver) -> str:
    [post] = [m for m in slack.messages("#cardiology-team") if "· Handoff H-" in m.text]
    return post.text


def form_text(slack: SlackDriver) -> str:
    assert slack.modal is not None
    return slack.modal.text


def audited(sandbox: Sandbox) -> list[str]:
    with sandbox.db.session(read_only=True) as session:
        return [r.action for r in audit.recent(session, TEAM)]


def test_switching_to_sbar_and_back_keeps_what_was_typed(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff")
    slack.fill("Patient", "Omar Haddad")
    slack.fill("Receiver", "@sam.nurse")
    slack.fill("Illness severity", "Unstable")
    slack.fill("Patient summary", "72M, CHF exacerbation, post-op day 1")

    slack.select("Template", "SBAR")

    form = slack.modal
    assert form is not None and form.title == "SBAR handoff"
    for kept in ("Patient: Omar Haddad", "Receiver (optional): @sam.nurse", "🔴 Unstable"):
        assert kept in form.text, kept
    assert "Background (optional): 72M, CHF exacerbation, post-op day 1" in form.text
    slack.select("Template", "I-PASS")
    assert "Patient summary: 72M, CHF exacerbation, post-op day 1" in form_text(slack)
    slack.select("Template", "SBAR")

    slack.submit(
        {
            "Situation": "BP 82/50, HR 118, new since 14:00",
            "Recommendation": "Please assess within 15 minutes",
        }
    )

    assert slack.errors == {} and slack.modal is None
    shown = card(slack)
    assert "🔴 Unstable · Handoff H-1" in shown and "SBAR" in shown
    for title in ("*Situation*", "*Background*", "*Recommendation*"):
        assert title in shown
    assert "*Assessment*" not in shown and "Action list" not in shown
    row = stored(sandbox)
    assert (row.template, row.receiver_user) == ("sbar", SAM)
    assert row.sections["background"] == "72M, CHF exacerbation, post-op day 1"


def test_the_author_completes_a_quick_handoff_with_edit_and_the_ladder_follows(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", "Jane Doe: on heparin drip, recheck aPTT at 6pm")
    slack.as_user("@sam.nurse").click("Edit")
    assert slack.modal is None
    assert slack.last_reply().text == "Only @dana, who wrote H-1, can edit it."

    slack.as_user("@dana").click("Edit")
    form = slack.modal
    assert form is not None and form.title == "Edit H-1"
    assert "Patient summary: on heparin drip, recheck aPTT at 6pm" in form.text
    slack.submit(
        {
            "Receiver": "@sam.nurse",
            "Illness severity": "Unstable",
            "Action list": "Recheck aPTT @sam.nurse by 6pm",
        }
    )

    shown = card(slack)
    assert "🔴 Unstable · Handoff H-1" in shown and "*to* @sam.nurse" in shown
    assert "☐ Recheck aPTT — @sam.nurse · by Mon 1 Mar 2027, 6:00 PM EST" in shown
    assert "handoff.edit" in audited(sandbox)
    sandbox.move_clock(START + timedelta(minutes=10))  # unstable now: the DM comes at 10 min
    assert [m for m in slack.dms("@sam.nurse") if "waiting for your acknowledgement" in m.text]


def test_an_edit_the_next_day_keeps_ticked_items_and_overdue_times(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff")
    slack.submit(
        {
            "Patient": "Omar Haddad",
            "Receiver": "@sam.nurse",
            "Patient summary": "72M, CHF exacerbation",
            "Action list": "Recheck K+ @sam.nurse by 4pm\nCall family @dr.patel by 5pm",
        }
    )
    slack.as_user("@sam.nurse").click(1)  # [1 Done], beside "Recheck K+"
    sandbox.move_clock(START + timedelta(hours=20))  # 10 AM the next day: both are overdue

    slack.as_user("@dana").click("Edit")
    slack.submit({"Illness severity": "Watcher"})
    sandbox.move_clock(START + timedelta(hours=21))

    shown = card(slack)
    assert "🟡 Watcher" in shown
    assert "✅ ~Recheck K+~ — @sam.nurse · done by @sam.nurse" in shown
    assert "☐ Call family — @dr.patel · by Mon 1 Mar 2027, 5:00 PM EST" in shown
    assert len([m for m in slack.dms("@dr.patel") if "Due now" in m.text]) == 1


def test_an_edit_is_refused_once_the_receiver_has_acknowledged(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", "Jane Doe to @sam.nurse: stable overnight, recheck K+ at 6am")
    slack.click("Edit")  # dana's edit form is open while sam reads it back
    slack.as_user("@sam.nurse").click("Acknowledge")
    slack.submit({READ_BACK: "Recheck K+ at 6am, call if it drops"})

    slack.as_user("@dana").submit({"Patient summary": "Unstable now, K+ 2.9"})

    assert "was acknowledged by @sam.nurse, so it stays as they read it" in (
        slack.last_reply().text
    )
    assert "stable overnight, recheck K+ at 6am" in card(slack) and "2.9" not in card(slack)
    assert "Edit" not in card(slack)
    assert stored(sandbox).sections == {"summary": "stable overnight, recheck K+ at 6am"}


def test_hand_off_this_message_prefills_the_summary_and_the_channel(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.as_user("@dr.patel").message("Bed 4: BP 82/50 & HR 118, @sam.nurse is with him")

    slack.shortcut("handoff_message")

    form = slack.modal
    assert form is not None and form.title == "I-PASS handoff"
    assert "Care-team channel: #cardiology-team" in form.text
    assert "Patient summary: Bed 4: BP 82/50 & HR 118, @sam.nurse is with him" in form.text
    slack.submit({"Patient": "Omar Haddad", "Illness severity": "Watcher"})
    assert slack.errors == {} and slack.modal is None
    assert "Bed 4: BP 82/50 & HR 118, @sam.nurse is with him" in card(slack)
    assert stored(sandbox).author_id == "U0DRPATEL"

    slack.in_channel("#general").message("Bed 9 needs a sitter tonight. " * 120)
    slack.shortcut("handoff_message")
    assert slack.modal is not None  # a field holds 3,000 characters, and says so
    assert "Showing the first 3,000 of 3,599 characters; the rest is left out." in json.dumps(
        slack.modal.blocks, ensure_ascii=False
    )
    slack.submit({"Patient": "Jane Doe"})
    assert slack.errors == {
        "channel": "Handoffs go only to care-team channels, and that channel is not one. Run "
        "`/handoff` in your team's channel, or ask a carebot admin to mark this one as a "
        "care-team channel with `/carebot settings`."
    }


def test_a_handoff_to_a_role_can_be_acknowledged_only_by_its_members(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff")
    slack.submit(
        {
            "Patient": "Jane Doe",
            "Or a role (user group)": "@social-work",
            "Patient summary": "Discharge blocked: needs placement, family meeting at 4pm",
        }
    )
    assert "*to* @social-work" in card(slack)

    slack.as_user("@dr.patel").click("Acknowledge")
    assert slack.modal is None
    assert "only a member of that group can acknowledge it" in slack.last_reply().text

    slack.as_user("@riley.sw").click("Acknowledge")
    slack.submit({READ_BACK: "Placement search starts today, I'll join the 4pm meeting"})

    assert "*Acknowledged* by @riley.sw" in card(slack)
    row = stored(sandbox)
    assert (row.receiver_group, row.acknowledged_by) == ("S0SOCWORK", RILEY)
    assert audited(sandbox).count("handoff.acknowledge") == 1


def test_an_action_owner_slack_did_not_complete_is_found_or_flagged_never_dropped(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff")
    slack.submit(
        {
            "Patient": "Jane Doe",
            "Patient summary": "Stable overnight",
            "Action list": "Recheck K+ @sam by 6am\nCall family by 5pm",
        }
    )

    assert slack.modal is not None  # nothing posted: the form says what to fix
    assert slack.errors["actions"].startswith(
        'In "Recheck K+": I couldn\'t find "@sam" in this workspace. Closest: @sam.nurse'
    )

    slack.submit({"Action list": "Recheck K+ @Sam.Nurse by 6am\nCall family by 5pm"})

    assert slack.errors == {} and slack.modal is None
    assert "☐ Recheck K+ — @sam.nurse" in card(slack)
