"""Bad input and bad luck: wrong places, empty and huge text, pings, races, Slack refusing."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from bot.sandbox.driver import Seen, SlackDriver
from bot.sandbox.world import Sandbox
from storage import audit, patients
from storage.handoffs import queries as handoffs
from storage.handoffs.models import HandoffRow
from tests.e2e.conftest import START

TEAM = "T0CAREBOT"
SAM = "U0NURSE01"
READ_BACK = "Your read-back (synthesis)"
INVITE = "Invite me there with `/invite @carebot`, then try again."


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


def test_a_quick_handoff_to_the_wrong_place_or_without_a_summary_says_what_to_do(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    # Inviting carebot to #general would not help: it is no care team's channel.
    slack.in_channel("#general").command("/handoff", "Jane Doe: stable overnight")
    assert slack.last_reply().text == (
        "Handoffs go only to care-team channels, and #general is not one. Run `/handoff` in "
        "your team's channel (#cardiology-team, #ortho-team), or ask a carebot admin to mark "
        "this one as a care-team channel with `/carebot settings`."
    )

    slack.in_dm().command("/handoff", "Jane Doe: stable overnight")
    assert "Handoffs go to a care-team channel, not a direct message" in slack.last_reply().text

    slack.in_channel("#cardiology-team").command("/handoff", "Jane Doe:   ")
    assert slack.last_reply().text.startswith("Give the patient, a colon, then the handoff.")
    assert "Example: `/handoff Jane Doe to @sam.nurse: stable overnight" in slack.last_reply().text

    assert cards(slack) == [] and slack.messages("#general") == []
    with sandbox.db.session(read_only=True) as session:
        assert handoffs.get_by_ref(session, TEAM, "H-1") is None


def test_the_form_names_a_channel_it_cannot_use_and_an_empty_summary_under_their_fields(
    slack: SlackDriver,
) -> None:
    slack.command("/handoff")

    slack.submit({"Patient": "P-99", "Patient summary": "Stable overnight"})
    assert list(slack.errors) == ["patient"]
    assert slack.errors["patient"].startswith("There is no patient P-99 here.")
    slack.submit({"Patient": "Jane Doe", "Care-team channel": "#general", "Patient summary": " "})
    assert slack.errors == {
        "channel": "Handoffs go only to care-team channels, and that channel is not one. Run "
        "`/handoff` in your team's channel, or ask a carebot admin to mark this one as a "
        "care-team channel with `/carebot settings`.",
        "summary": "A handoff needs its patient summary. "
        "Example: 72M, CHF exacerbation, diuresing well",
    }
    slack.submit({"Care-team channel": "#old-team", "Patient summary": "Stable overnight"})
    assert slack.errors == {
        "channel": "That channel is archived, so nobody would see the handoff there. "
        "Pick the team's current channel."
    }
    slack.submit({"Care-team channel": "#cardiology-team", "Action list": "Call @old.locum"})
    assert slack.errors == {
        "actions": "That person can't own an action item (a bot or a deactivated account). "
        "Name someone on the team, or leave the item without an owner."
    }
    slack.submit({"Action list": "Call @sam.nurse"})

    assert slack.errors == {} and slack.modal is None
    assert len(cards(slack)) == 1


def test_a_10000_character_summary_is_split_into_sections_slack_accepts(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    sentence = "Overnight on heparin; K+ 3.4 at 02:00 & repleted, recheck at 06:00. "
    summary = (sentence * 150)[:10_000].strip()

    slack.command("/handoff", f"Jane Doe to @sam.nurse: {summary}")

    assert slack.last_reply().text == "Posted H-1 in #cardiology-team."
    [card] = cards(slack)
    texts = [b["text"]["text"] for b in card.blocks if b["type"] == "section"]
    assert len(texts) >= 4 and all(len(t) <= 3_000 for t in texts)
    assert len(card.blocks) <= 50
    shown = " ".join(texts).removeprefix("*Patient summary*\n").replace("&amp;", "&")
    assert " ".join(shown.split()) == " ".join(summary.split())  # nothing trimmed
    assert stored(sandbox).sections["summary"] == summary

    slack.click("Edit")  # a modal field holds 3,000 characters: the rest must not be lost
    assert slack.modal is not None
    assert "Showing the first 3,000 of" in json.dumps(slack.modal.blocks)
    slack.submit({"Illness severity": "Watcher"})
    assert stored(sandbox).sections["summary"] == summary
    assert "🟡 Watcher · Handoff H-1" in cards(slack)[0].text


def test_mentions_and_broadcasts_in_the_text_are_shown_but_ping_nobody(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command(
        "/handoff", "Jane Doe to @sam.nurse: @here <!channel> ask @dr.patel if K+ > 5 & rising"
    )
    slack.command("/handoff")
    slack.submit(
        {
            "Patient": "Omar Haddad",
            "Patient summary": "<!everyone> <@U0DRPATEL> said <b>hold</b> metoprolol",
        }
    )

    quick, form = cards(slack)
    assert "@here <!channel> ask @dr.patel if K+ > 5 & rising" in quick.text
    assert "<!everyone> <@U0DRPATEL> said <b>hold</b> metoprolol" in form.text
    for card in (quick, form):
        summary = json.dumps([b for b in card.blocks if b["type"] == "section"])
        for ping in ("<!here", "<!channel", "<!everyone", "<@U0DRPATEL"):
            assert ping not in summary, ping


def test_acknowledge_twice_or_by_two_members_at_once_counts_once(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", "Jane Doe to @social-work: discharge blocked, needs placement")
    slack.as_user("@riley.sw").double_click("Acknowledge")
    slack.as_user("@sam.nurse").click("Acknowledge")
    riley = SlackDriver(slack.standin, slack.bot_url, slack.signing_secret, settle=slack.settle)
    riley.as_user("@riley.sw")
    together = threading.Barrier(2)

    def read_back(driver: SlackDriver, text: str) -> None:
        together.wait(timeout=5)
        driver.submit({READ_BACK: text})

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = [
            pool.submit(read_back, riley, "Placement search starts today"),
            pool.submit(read_back, slack, "I'll start the placement search"),
        ]
        for future in done:
            future.result()

    row = stored(sandbox)
    assert row.acknowledged_by in ("U0SOCIAL1", SAM)
    assert audited(sandbox, "handoff.acknowledge") == 1
    [card] = cards(slack)
    assert card.text.count("*Acknowledged* by") == 1 and row.synthesis in card.text
    loser = slack if row.acknowledged_by == "U0SOCIAL1" else riley
    assert loser.modal is not None and loser.modal.title == "Already acknowledged"
    assert "their read-back stands" in loser.modal.text


def test_an_action_item_ticked_on_the_card_and_again_from_its_reminder_is_done_once(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff")
    slack.submit(
        {
            "Patient": "Omar Haddad",
            "Patient summary": "72M, CHF exacerbation",
            "Action list": "Recheck K+ @sam.nurse by 4pm",
        }
    )
    sandbox.move_clock(START + timedelta(hours=2))
    sam = slack.as_user("@sam.nurse")

    sam.click("Done")  # on the card in #cardiology-team
    sam.in_dm().double_click("Done")  # the reminder DM still shows its button

    row = stored(sandbox)
    assert [(a.done_by, a.done_at) for a in row.actions] == [(SAM, START + timedelta(hours=2))]
    assert audited(sandbox, "handoff.action_done") == 1
    [reminder] = sam.dms()
    assert reminder.text.startswith("H-1: ✅ ~Recheck K+~ — @sam.nurse · done by @sam.nurse")
    assert cards(slack)[0].text.count("done by @sam.nurse") == 1


def test_show_and_list_answer_each_person_with_what_concerns_them(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", "show H-99")
    assert slack.last_reply().text == "There is no handoff H-99 here. Example: H-7"
    slack.command("/handoff", "list")
    assert slack.last_reply().text.startswith("Nothing waiting")
    slack.command("/handoff", "Jane Doe to @sam.nurse: stable overnight, recheck K+ at 6am")
    slack.command("/handoff")
    slack.submit(
        {
            "Patient": "Omar Haddad",
            "Or a role (user group)": "@social-work",
            "Illness severity": "Watcher",
            "Patient summary": "Discharge blocked: needs placement",
            "Action list": "Call the family @dr.patel by 4pm",
        }
    )

    slack.as_user("@sam.nurse").command("/handoff", "Ann Lee to @social-work: needs a sitter")

    def listed(user: str) -> str:
        slack.as_user(user).command("/handoff", "list")
        reply = slack.last_reply()
        assert reply.ephemeral
        return reply.text

    sam = listed("@sam.nurse")  # named on H-1, in @social-work for H-2, wrote H-3 to it
    waiting, sent = sam.split("Sent by you, not yet acknowledged")
    assert "*H-1* 🟢 Stable · J.D. (P-1) · #cardiology-team · from @dana to @sam.nurse" in waiting
    assert "*H-2* 🟡 Watcher · O.H. (P-2)" in waiting and "to @social-work" in waiting
    assert "H-3" not in waiting and "*H-3* 🟢 Stable · A.L. (P-3)" in sent
    dana = listed("@dana")
    assert "Sent by you, not yet acknowledged" in dana and "Waiting for" not in dana
    assert "*H-1*" in dana and "*H-2*" in dana and "H-3" not in dana
    patel = listed("@dr.patel")
    assert "Waiting for" not in patel and "Sent by you" not in patel
    assert "Your open action items" in patel
    assert "☐ Call the family — @dr.patel · by Mon 1 Mar 2027, 3:00 PM CST" in patel
    assert "(H-2, O.H. (P-2), #cardiology-team)" in patel

    slack.as_user("@sam.nurse").click("Acknowledge", in_message=cards(slack)[0])
    slack.submit({READ_BACK: "Recheck K+ at 6am, call if it drops"})
    assert "H-1" not in listed("@sam.nurse") and "H-1" not in listed("@dana")

    icu = slack.as_user("@dr.patel").in_channel("#icu-private")  # dana is not in it
    icu.command("/handoff", "Lena Ortiz to @sam.nurse: intubated 04:00, sedation weaning")
    slack.as_user("@dana").in_channel("#cardiology-team").command("/handoff", "show H-4")
    assert slack.last_reply().text == (
        "H-4 was posted in #icu-private, which you're not in, so I can't show it to you. "
        "Ask @dr.patel, who wrote it."
    )
    slack.as_user("@sam.nurse").command("/handoff", "show H-4")
    assert "intubated 04:00, sedation weaning" in slack.last_reply().text


def test_a_rate_limited_post_is_retried_and_posts_once(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    sandbox.standin.fail_next("chat.postMessage", status=429, retry_after=1)

    slack.command("/handoff", "Jane Doe to @sam.nurse: stable overnight, recheck K+ at 6am")

    assert slack.last_reply().text == "Posted H-1 in #cardiology-team."
    assert len(cards(slack)) == 1
    assert [c.status for c in sandbox.standin.calls("chat.postMessage")] == [429, 200]


def test_a_handoff_slack_refused_waits_in_the_authors_list_with_its_button(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    sandbox.standin.fail_next("chat.postMessage", error="not_in_channel")
    slack.command("/handoff", "Jane Doe to @sam.nurse: stable overnight, recheck K+ at 6am")

    slack.command("/handoff", "list")  # the ephemeral with its button may be long gone

    listed = slack.last_reply().text
    assert "Sent by you, not yet acknowledged" in listed
    assert (
        "*H-1* 🟢 Stable · J.D. (P-1) · #cardiology-team · from @dana to @sam.nurse · not posted"
        in listed
    )
    slack.click("Post H-1 again")
    assert slack.last_reply().text == "Posted H-1 in #cardiology-team."
    assert len(cards(slack)) == 1


def test_a_receiver_typed_without_a_mention_is_found_for_sure_or_refused_with_the_closest(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", "Jane Doe to @sam: BP low")  # no such user: Slack sends it plain
    mistyped = slack.last_reply().text
    slack.command("/handoff", "Jane Doe to @nobody.here: BP low")
    nobody = slack.last_reply().text

    assert mistyped.startswith('I couldn\'t find "@sam" in this workspace. Closest: @sam.nurse')
    assert "e.g. `/handoff Jane Doe to @sam.nurse: ...`" in mistyped
    assert nobody.startswith('I couldn\'t find "@nobody.here" in this workspace. Mention')
    with sandbox.db.session(read_only=True) as session:  # nothing stored, no patient made up
        assert handoffs.get_by_ref(session, TEAM, "H-1") is None
        assert patients.get_by_ref(session, TEAM, "P-1") is None

    slack.command("/handoff", "Jane Doe to sam.nurse: BP low")  # unique: taken
    slack.command("/handoff", "Omar Haddad to Social Work: needs placement")  # a role

    assert stored(sandbox, "H-1").receiver_user == SAM
    assert "*Patient:* J.D. (P-1)" in cards(slack)[0].text  # "to sam.nurse" is not the name
    assert stored(sandbox, "H-2").receiver_group is not None


def test_a_mistyped_receiver_is_answered_with_a_click_on_the_person_meant(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", "Sam Jones to sam: BP low, recheck at 6")
    asked = slack.last_reply()
    assert [b["accessory"]["text"]["text"] for b in asked.blocks if "accessory" in b] == [
        "@sam.nurse"
    ]

    slack.click("@sam.nurse")

    assert slack.last_reply().text.startswith("Posted H-1")
    handoff = stored(sandbox, "H-1")
    assert handoff.receiver_user == SAM
    assert "*Patient:* S.J. (P-1)" in cards(slack)[0].text  # the patient's "Sam" is kept
