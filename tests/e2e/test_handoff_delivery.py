"""A handoff is stored with its delivery and escalation before any Slack call: a card Slack
does not take still reaches its receiver (by DM), its author hears what really happened,
the sweep posts it later, and the escalation counts from when it was written."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.sandbox.driver import Seen, SlackDriver
from bot.sandbox.world import Sandbox
from storage import audit
from storage.handoffs import queries as handoffs
from storage.handoffs.models import HandoffRow
from tests.e2e.conftest import START

TEAM = "T0CAREBOT"
QUICK = "Jane Doe to @sam.nurse unstable: on heparin drip, recheck aPTT"


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def stored(sandbox: Sandbox, ref: str = "H-1") -> HandoffRow:
    with sandbox.db.session(read_only=True) as session:
        row = handoffs.get_by_ref(session, TEAM, ref)
        assert row is not None
        return row


def cards(slack: SlackDriver) -> list[Seen]:
    return [m for m in slack.messages("#cardiology-team") if "· Handoff H-" in m.text]


def audited(sandbox: Sandbox, action: str) -> int:
    with sandbox.db.session(read_only=True) as session:
        return sum(r.action == action for r in audit.recent(session, TEAM))


def card_posts(sandbox: Sandbox) -> int:
    """chat.postMessage calls Slack took for a card in #cardiology-team."""
    return sum(
        1
        for call in sandbox.standin.calls("chat.postMessage")
        if call.params.get("channel") == "C0CARDIO1"
        and str(call.params.get("text")).startswith("Handoff H-")
        and call.result.get("ok")
    )


def test_a_card_slack_fails_to_take_reaches_the_receiver_now_and_the_channel_by_the_sweep(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    sandbox.standin.fail_next("chat.postMessage", status=500, times=3)  # outlasts the retries

    slack.command("/handoff", QUICK)

    saved = slack.last_reply()
    assert saved.ephemeral
    assert saved.text.startswith(
        "I saved H-1 but couldn't post it in #cardiology-team yet: Slack had a problem on its "
        "side (HTTP 500); I'll keep trying and tell you when it's posted"
    )
    assert "@sam.nurse has it by DM meanwhile. Nothing is lost." in saved.text
    [copy] = slack.dms("@sam.nurse")
    assert copy.text.startswith("@dana handed H-1 over to you in #cardiology-team, but it isn't")
    assert "on heparin drip" in copy.text and "Acknowledge" in copy.text
    assert cards(slack) == [] and stored(sandbox).message_ts is None

    sandbox.move_clock(at(1))  # the sweep retries the delivery

    [card] = cards(slack)
    assert stored(sandbox).message_ts == card.ts
    assert [m.text for m in slack.dms("@dana")] == ["Posted H-1 in #cardiology-team at last."]
    assert audited(sandbox, "handoff.post") == 1
    sandbox.move_clock(at(5))
    assert len(cards(slack)) == 1 and card_posts(sandbox) == 1


def test_the_escalation_counts_from_when_it_was_written_and_nudges_by_dm_without_a_card(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    sandbox.standin.fail_next("chat.postMessage", error="not_in_channel")
    slack.command("/handoff", QUICK)
    assert cards(slack) == []

    sandbox.move_clock(at(10))  # unstable: the receiver's DM at 10 min

    nudges = [m for m in slack.dms("@sam.nurse") if "waiting for your acknowledgement" in m.text]
    assert len(nudges) == 1 and "@dana posted it 10 min ago" in nudges[0].text
    sandbox.move_clock(at(20))  # the thread rung, with no card to thread under: a DM
    nudges = [m for m in slack.dms("@sam.nurse") if "waiting for your acknowledgement" in m.text]
    assert len(nudges) == 2 and "posted it 20 min ago" in nudges[1].text
    assert slack.messages("#cardiology-team") == []


def test_a_channel_that_will_not_take_the_card_says_why_and_waits_for_post_it_again(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    sandbox.standin.fail_next("chat.postMessage", error="not_in_channel")

    slack.command("/handoff", QUICK)

    saved = slack.last_reply().text
    assert saved.startswith(
        "I saved H-1 but couldn't post it in #cardiology-team yet: I'm not in #cardiology-team: "
        "invite me there with `/invite @carebot`; then press *Post it again*."
    )
    assert "@sam.nurse has it by DM meanwhile" in saved
    sandbox.move_clock(at(5))
    assert cards(slack) == []  # no retry can help until a person acts
    assert not [m for m in slack.dms("@dana") if "H-1" in m.text]  # told once, in the reply

    slack.double_click("Post it again")

    assert slack.last_reply().text == "Posted H-1 in #cardiology-team."
    assert len(cards(slack)) == 1 and card_posts(sandbox) == 1
    assert audited(sandbox, "handoff.post") == 1


def test_a_long_rate_limit_says_so_and_the_card_follows_shortly(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    sandbox.standin.fail_next("chat.postMessage", status=429, retry_after=60)

    slack.command("/handoff", QUICK)

    saved = slack.last_reply().text
    assert saved.startswith(
        "I saved H-1 but couldn't post it in #cardiology-team yet: Slack asked me to slow "
        "down for a moment (rate limited); I'll keep trying"
    )
    assert "invite" not in saved
    sandbox.move_clock(at(1))
    assert len(cards(slack)) == 1
    assert [m.text for m in slack.dms("@dana")] == ["Posted H-1 in #cardiology-team at last."]


def test_the_receivers_copy_is_acknowledged_from_the_dm_and_then_says_so(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    sandbox.standin.fail_next("chat.postMessage", error="not_in_channel")
    slack.command("/handoff", QUICK)
    [copy] = slack.dms("@sam.nurse")
    sam = slack.as_user("@sam.nurse").in_dm()

    sam.click("Acknowledge", in_message=copy)
    sam.submit({"Your read-back (synthesis)": "Heparin drip, recheck aPTT at 6 pm"})

    [copy_now] = slack.dms("@sam.nurse")
    assert copy_now.ts == copy.ts and "was acknowledged by @sam.nurse" in copy_now.text
    assert stored(sandbox).acknowledged_by == "U0NURSE01"
    sandbox.move_clock(at(30))
    assert not [m for m in slack.dms("@sam.nurse") if "waiting for your acknowledgement" in m.text]
