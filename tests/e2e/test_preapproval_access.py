"""Pre-approvals' buttons check access on the operation: a forged or replayed click by someone
in no care team is refused politely, changes nothing and shows no patient.

@visitor is only in #general. The buttons below are the ones a round DM carries, posted in
#general as a replayed message would be, with the real ref PA-1 in their values.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from storage.preapprovals import queries as preapprovals
from tests.e2e.test_access import HOW, VISITOR, refusals

TEAM = "T0CAREBOT"
CHANGE = f"Sorry, only care-team members can change pre-approvals, and you're not in any care-team channel. {HOW}"  # noqa: E501


def button(label: str, action_id: str, value: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }


def replay_buttons_in_general(sandbox: Sandbox, ref: str) -> None:
    """The buttons of PA-1's round DM, as a message in #general the visitor can click."""
    sandbox.standin.workspace.channels["C0GENERAL"].members.add("U0CAREBOT")
    snooze = {"text": {"type": "plain_text", "text": "Snooze 1 day"}, "value": f"{ref}|1d"}
    blocks = [
        {
            "type": "actions",
            "block_id": f"preauth:{ref}",
            "elements": [
                button("Submitted", "preauth_submitted", ref),
                button("Approved...", "open_preauth_approve", ref),
                button("Denied...", "open_preauth_deny", ref),
                {
                    "type": "static_select",
                    "action_id": "preauth_snooze",
                    "placeholder": {"type": "plain_text", "text": "Snooze"},
                    "options": [snooze],
                },
                {
                    "type": "users_select",
                    "action_id": "preauth_reassign",
                    "placeholder": {"type": "plain_text", "text": "Reassign..."},
                },
            ],
        },
        {
            "type": "actions",
            "block_id": f"preauth_undo:{ref}",
            "elements": [button("Undo", "preauth_undo", ref)],
        },
    ]
    sandbox.runtime.shared.slack.chat_postMessage(channel="C0GENERAL", text=ref, blocks=blocks)


def state(sandbox: Sandbox) -> tuple[str, str, object]:
    with sandbox.db.session(read_only=True) as session:
        row = preapprovals.get_by_ref(session, TEAM, "PA-1")
        assert row is not None
        return row.status, row.owner_id, row.snoozed_until


@pytest.mark.parametrize(
    "act",
    [
        pytest.param(lambda v: v.click("Submitted"), id="submitted"),
        pytest.param(lambda v: v.click("Approved..."), id="approved"),
        pytest.param(lambda v: v.click("Denied..."), id="denied"),
        pytest.param(lambda v: v.select("Snooze", "Snooze 1 day"), id="snooze"),
        pytest.param(lambda v: v.select("Reassign", "@visitor"), id="reassign"),
        pytest.param(lambda v: v.click("Undo"), id="undo"),
    ],
)
def test_a_forged_click_by_someone_in_no_care_team_is_refused_and_changes_nothing(
    sandbox: Sandbox, slack: SlackDriver, act: Any
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")
    before = state(sandbox)
    replay_buttons_in_general(sandbox, "PA-1")
    visitor = slack.as_user("@visitor").in_channel("#general")

    act(visitor)

    reply = visitor.last_reply()
    assert reply.text == CHANGE
    assert "Jane" not in reply.raw_text and "J.D." not in reply.raw_text
    assert visitor.modal is None  # no decision form opened either
    assert state(sandbox) == before
    assert refusals(sandbox) == [(VISITOR, "PA-1", "C0GENERAL")]
    assert slack.dms("@visitor") == []


def test_the_same_buttons_work_for_a_care_team_member(sandbox: Sandbox, slack: SlackDriver) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")
    replay_buttons_in_general(sandbox, "PA-1")
    sandbox.standin.workspace.channels["C0GENERAL"].members.add("U0COORD01")
    dana = slack.in_channel("#general")

    dana.click("Submitted")

    assert "PA-1* is now _submitted_" in dana.last_reply().raw_text
    assert state(sandbox)[0] == "submitted"
    assert refusals(sandbox) == []


def test_the_new_request_form_refuses_an_existing_patient_to_someone_in_no_care_team(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")
    visitor = slack.as_user("@visitor").in_dm()

    visitor.command("/preauth", "new")
    answer = visitor.submit({"Patient": "P-1", "Payer": "Cigna", "Service": "CT"})

    assert answer.body["response_action"] == "push"  # the refusal over the form, kept below
    shown = str(answer.body["view"])
    assert "Sorry, only care-team members can open a pre-approval" in shown
    assert "Jane" not in shown and "J.D." not in shown
    assert refusals(sandbox) == [(VISITOR, "P-1", f"D{VISITOR[1:]}")]
    with sandbox.db.session(read_only=True) as session:
        assert preapprovals.get_by_ref(session, TEAM, "PA-2") is None


def test_a_request_is_not_given_to_someone_in_no_care_team(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI, owner @visitor")
    opened = slack.last_reply().text  # the reply quotes no raw <@U…> token either
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")
    slack.command("/preauth", "assign PA-1 @visitor")
    assigned = slack.last_reply().text

    expected = "That person is in no care-team channel, so they could not work on a pre-approval."
    assert opened.startswith(expected) and assigned.startswith(expected)
    assert "<@" not in opened + assigned
    with sandbox.db.session(read_only=True) as session:
        only = preapprovals.get_by_ref(session, TEAM, "PA-1")
        assert only is not None and only.owner_id == "U0COORD01"  # still Dana's
        assert preapprovals.get_by_ref(session, TEAM, "PA-2") is None
