"""/handoff list with several handoffs Slack refused to post: every one keeps its button.

Found by `make fuzz`: two "Post H-n again" buttons in one block shared an action_id, so
Slack refused the whole list (invalid_blocks) and its author saw nothing.
"""

from __future__ import annotations

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox

pytestmark = pytest.mark.e2e


def test_two_unposted_handoffs_are_listed_each_with_its_button(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    # The channel refuses both cards; the receiver's DM copies still go out.
    sandbox.standin.fail_next(
        "chat.postMessage", error="not_in_channel", times=2, channel="C0CARDIO1"
    )
    slack.command("/handoff", "Jane Doe to @sam.nurse: stable overnight, recheck K+ at 6am")
    slack.command("/handoff", "Omar Haddad to @sam.nurse: watch his sodium")

    slack.command("/handoff", "list")

    listed = slack.last_reply()
    assert "Sent by you, not yet acknowledged" in listed.text
    assert listed.text.count("not posted") == 2
    slack.click("Post H-2 again")
    assert slack.last_reply().text == "Posted H-2 in #cardiology-team."
