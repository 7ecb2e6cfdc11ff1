"""Handoffs decide access on the operation: a replayed click by someone in no care team is
refused politely, changes nothing and names no patient; someone named on a handoff may act.

@visitor is only in #general, so in no care team (see tests/e2e/test_access.py).
"""

from __future__ import annotations

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from storage import audit
from storage.handoffs import queries as handoffs
from storage.handoffs.models import HandoffRow

TEAM = "T0CAREBOT"
VISITOR = "U0VISITOR"
HOW = "Ask a carebot admin to mark your team's channel as a care-team channel with "
HOW += "`/carebot settings`, or join that channel, then try again."
IPASS = {
    "Patient": "Omar Haddad MRN 88123",
    "Illness severity": "Unstable",
    "Patient summary": "72M, CHF exacerbation, diuresing well",
    "Action list": "Recheck K+ @sam.nurse by tomorrow 6am\nCall family @visitor",
}


def refused(doing: str) -> str:
    return (
        f"Sorry, only care-team members can {doing}, and you're not in any care-team channel. {HOW}"
    )


def stored(sandbox: Sandbox, ref: str = "H-1") -> HandoffRow:
    with sandbox.db.session(read_only=True) as session:
        row = handoffs.get_by_ref(session, TEAM, ref)
        assert row is not None
        return row


def refusals(sandbox: Sandbox) -> list[tuple[str, str | None, str | None]]:
    with sandbox.db.session(read_only=True) as session:
        rows = audit.recent(session, TEAM)
    return [(r.actor, r.ref, r.channel_id) for r in reversed(rows) if r.action == "access.refused"]


def trail(sandbox: Sandbox) -> list[str]:
    with sandbox.db.session(read_only=True) as session:
        return [r.action for r in audit.recent(session, TEAM) if r.action != "access.refused"]


@pytest.mark.parametrize(
    ("button", "doing"),
    [
        ("Done", "tick off action items"),
        ("Acknowledge", "acknowledge handoffs"),
        ("Edit", "edit handoffs"),
    ],
)
def test_a_replayed_card_button_from_someone_in_no_care_team_is_refused(
    sandbox: Sandbox, slack: SlackDriver, button: str, doing: str
) -> None:
    slack.command("/handoff", "Jane Doe unstable: stable overnight, recheck K+ at 6am")
    slack.command("/handoff")
    slack.submit({**IPASS, "Action list": "Recheck K+ @sam.nurse by tomorrow 6am"})
    before = trail(sandbox)
    visitor = slack.as_user("@visitor").in_channel("#cardiology-team")

    visitor.click(button)

    reply = visitor.last_reply()
    assert reply.text == refused(doing)
    assert "Omar" not in reply.raw_text and "O.H." not in reply.raw_text
    assert visitor.modal is None
    row = stored(sandbox, "H-2")
    assert row.acknowledged_at is None and [a.done_at for a in row.actions] == [None]
    assert refusals(sandbox) == [(VISITOR, "H-2", "C0CARDIO1")]
    assert trail(sandbox) == before


def test_someone_in_no_care_team_cannot_open_the_handoff_form(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    visitor = slack.as_user("@visitor").in_channel("#general")
    visitor.command("/handoff")
    assert visitor.last_reply().text == refused("write handoffs")
    visitor.message("Omar needs a K+ recheck at 6am")
    visitor.shortcut("handoff_message")

    assert visitor.modal is None
    assert visitor.last_reply().text == refused("write handoffs")
    assert refusals(sandbox) == [(VISITOR, None, "C0GENERAL"), (VISITOR, None, "C0GENERAL")]


def test_a_patient_is_not_handed_over_to_someone_in_no_care_team(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", "Jane Doe to @visitor: stable overnight, recheck K+ at 6am")

    assert slack.last_reply().text.startswith(
        "@visitor is in no care-team channel, so they can't take a patient over."
    )
    with sandbox.db.session(read_only=True) as session:
        assert handoffs.get_by_ref(session, TEAM, "H-1") is None


def test_someone_named_on_a_handoff_acts_on_it_outside_any_care_team(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff")
    slack.submit(IPASS)

    in_dm = slack.as_user("@visitor").in_dm()
    in_dm.command("/handoff", "show H-1")  # an item is theirs: they may read it
    assert "CHF exacerbation" in in_dm.last_reply().text
    visitor = slack.as_user("@visitor").in_channel("#cardiology-team")
    cards = visitor.messages("#cardiology-team")
    visitor.click("Done", in_message=cards[-1])  # the first is Sam's, not theirs to tick
    assert visitor.last_reply().text == refused("tick off action items")
    visitor.click(2, in_message=cards[-1])  # theirs

    assert [a.done_by for a in stored(sandbox, "H-1").actions] == [None, VISITOR]
    assert refusals(sandbox) == [(VISITOR, "H-1", "C0CARDIO1")]


def test_a_care_team_member_outside_the_channel_cannot_tick_its_items(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.in_channel("#icu-private").as_user("@dr.patel").command("/handoff")
    slack.submit({**IPASS, "Action list": "Recheck K+ @sam.nurse by tomorrow 6am"})
    riley = slack.as_user("@riley.sw").in_channel("#icu-private")  # in #cardiology-team only

    riley.click("Done")

    assert "which you're not in" in riley.last_reply().text
    assert [a.done_at for a in stored(sandbox).actions] == [None]
    assert refusals(sandbox) == [("U0SOCIAL1", "H-1", "G0ICU0001")]
