"""Handoffs: the quick form, the I-PASS and SBAR modal, Done, Acknowledge with a read-back."""

from __future__ import annotations

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from bot.shared.access import Actor
from handlers.handoffs.cards import refresh_card
from storage import audit
from storage.handoffs import queries as handoffs
from storage.handoffs.models import HandoffRow
from tests.e2e.conftest import START

TEAM = "T0CAREBOT"
DANA, PATEL, SAM, RILEY = "U0COORD01", "U0DRPATEL", "U0NURSE01", "U0SOCIAL1"
QUICK = "Jane Doe to @sam.nurse: stable overnight, recheck K+ at 6am"
IPASS = {
    "Patient": "Omar Haddad MRN 88123",
    "Receiver": "@sam.nurse",
    "Illness severity": "Unstable",
    "Patient summary": "72M, CHF exacerbation, diuresing well",
    "Action list": "Recheck K+ @sam.nurse by tomorrow 6am\nCall family @dr.patel",
    "Situation awareness & contingency": "If UOP < 30 ml/h, call cardiology",
}


def stored(sandbox: Sandbox, ref: str) -> HandoffRow:
    with sandbox.db.session(read_only=True) as session:
        row = handoffs.get_by_ref(session, TEAM, ref)
        assert row is not None
        return row


def card(slack: SlackDriver, channel: str = "#cardiology-team") -> str:
    posts = [m for m in slack.messages(channel) if "Handoff H-" in m.text and not m.thread_ts]
    assert posts, f"no handoff card in {channel}"
    return posts[-1].text


def test_quick_handoff_posts_a_card_for_the_named_receiver(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", QUICK)

    assert "Posted H-1 in" in slack.last_reply().text
    shown = card(slack)
    assert "🟢 Stable · Handoff H-1" in shown
    assert "stable overnight, recheck K+ at 6am" in shown
    assert "@sam.nurse" in shown and "Acknowledge" in shown
    row = stored(sandbox, "H-1")
    assert (row.author_id, row.receiver_user, row.severity) == (DANA, SAM, "stable")
    with sandbox.db.session(read_only=True) as session:
        trail = audit.recent(session, TEAM)
    assert {r.action for r in trail} >= {"handoff.post", "handoff.create"}
    assert {r.at for r in trail} == {START}  # the bot's clock, like every other audit row


def test_the_ipass_form_posts_sections_and_action_items_with_owners_and_due_times(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff")
    assert slack.modal is not None and slack.modal.title == "I-PASS handoff"

    ack = slack.submit(IPASS)

    assert ack.ok and slack.errors == {}, slack.errors
    shown = card(slack)
    assert "🔴 Unstable · Handoff H-1" in shown
    assert "72M, CHF exacerbation" in shown and "If UOP &lt; 30" not in shown
    assert "If UOP < 30 ml/h, call cardiology" in shown
    # In I-PASS order: summary, action list, situation awareness.
    order = ["*Patient summary*", "*Action list*", "*Situation awareness & contingency*"]
    assert [shown.index(title) for title in order] == sorted(shown.index(t) for t in order)
    row = stored(sandbox, "H-1")
    items = [(a.text, a.owner_id, a.due_at is not None) for a in row.actions]
    assert items == [("Recheck K+", SAM, True), ("Call family", PATEL, False)]


def test_done_ticks_an_item_once_and_records_who(sandbox: Sandbox, slack: SlackDriver) -> None:
    slack.command("/handoff")
    slack.submit(IPASS)

    slack.as_user("@sam.nurse").double_click("Done")

    row = stored(sandbox, "H-1")
    assert [a.done_by for a in row.actions] == [SAM, None]
    assert "~Recheck K+~" in card(slack) and "done by @sam.nurse" in card(slack)


def test_acknowledge_takes_a_read_back_and_shows_it_on_the_card(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", QUICK)

    slack.as_user("@sam.nurse").click("Acknowledge")
    assert slack.modal is not None and slack.modal.title == "Acknowledge H-1"
    slack.submit({"Your read-back (synthesis)": "Recheck K+ at 6am, call if it drops"})

    shown = card(slack)
    assert "*Acknowledged* by @sam.nurse" in shown
    assert "Recheck K+ at 6am, call if it drops" in shown
    assert stored(sandbox, "H-1").acknowledged_by == SAM


def test_only_the_named_receiver_may_acknowledge(sandbox: Sandbox, slack: SlackDriver) -> None:
    slack.command("/handoff", QUICK)

    slack.as_user("@dr.patel").click("Acknowledge")

    assert slack.modal is None
    assert "only they can acknowledge" in slack.last_reply().text
    assert stored(sandbox, "H-1").acknowledged_at is None
    # Someone else's refused click does not use up the receiver's button, and the form
    # can be closed and opened again.
    slack.as_user("@sam.nurse").click("Acknowledge")
    slack.close()
    slack.click("Acknowledge")
    slack.submit({"Your read-back (synthesis)": "Recheck K+ at 6am, call if it drops"})
    assert stored(sandbox, "H-1").acknowledged_by == SAM


def test_a_card_redrawn_from_a_stale_change_shows_the_latest_state(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    shared = sandbox.runtime.shared
    handoffs_of = sandbox.runtime.services.handoffs
    sam = Actor(TEAM, SAM, "C0CARDIO1")
    slack.command("/handoff")
    slack.submit(IPASS)
    ticked = handoffs_of.changes.mark_done(sam, "H-1", 1).handoff  # drawn before the read-back
    handoffs_of.changes.acknowledge(sam, "H-1", "Recheck K+ at 6am, call if it drops")

    refresh_card(handoffs_of.reader, shared.slack, ticked)  # the Done's redraw arrives last

    shown = card(slack)
    assert "*Acknowledged* by @sam.nurse" in shown and "~Recheck K+~" in shown
    assert stored(sandbox, "H-1").acknowledged_by == SAM
