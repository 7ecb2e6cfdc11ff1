"""An unacknowledged handoff climbs its severity's ladder on the sandbox clock, and stops on ack.

Ladders count from the post: stable DM 30 min / thread 60 min; watcher 15 / 30; unstable
10 / 20 / channel notice at 60. START (Mon 1 Mar 2027, 2:00 PM in New York) is the post.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.sandbox.driver import Seen, SlackDriver
from bot.sandbox.driver_base import DriverError
from bot.sandbox.world import Sandbox
from storage import reminders
from storage.handoffs import queries as handoffs
from tests.e2e.conftest import START

TEAM = "T0CAREBOT"
MINUTE = timedelta(minutes=1)
BADGES = {"stable": "🟢 Stable", "watcher": "🟡 Watcher", "unstable": "🔴 Unstable"}


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def nudges(slack: SlackDriver, user: str = "@sam.nurse") -> list[Seen]:
    return [m for m in slack.dms(user) if "waiting for your acknowledgement" in m.text]


def channel_posts(slack: SlackDriver) -> list[Seen]:
    """What the bot said in #cardiology-team after the card: thread replies and notices."""
    return [m for m in slack.messages("#cardiology-team") if "· Handoff H-" not in m.text]


def hand_off(slack: SlackDriver, severity: str) -> Seen:
    slack.command("/handoff", f"Jane Doe to @sam.nurse {severity}: on heparin drip, recheck aPTT")
    [card] = slack.messages("#cardiology-team")
    return card


@pytest.mark.parametrize(
    ("severity", "dm_at", "thread_at", "notice_at"),
    [("stable", 30, 60, None), ("watcher", 15, 30, None), ("unstable", 10, 20, 60)],
)
def test_each_severity_climbs_its_own_ladder_from_the_post(
    sandbox: Sandbox,
    slack: SlackDriver,
    severity: str,
    dm_at: int,
    thread_at: int,
    notice_at: int | None,
) -> None:
    card = hand_off(slack, severity)

    sandbox.move_clock(at(dm_at) - MINUTE)
    assert nudges(slack) == []
    sandbox.move_clock(at(dm_at))
    [dm] = nudges(slack)
    assert f"Handoff *H-1* ({BADGES[severity]}) for J.D. (P-1) in #cardiology-team" in dm.text
    assert f"@dana posted it {dm_at} min ago" in dm.text and "Acknowledge" in dm.text
    assert channel_posts(slack) == []

    sandbox.move_clock(at(thread_at) - MINUTE)
    assert channel_posts(slack) == []
    sandbox.move_clock(at(thread_at))
    [reminder] = channel_posts(slack)
    assert reminder.thread_ts == card.ts
    assert reminder.text.startswith("@sam.nurse: H-1 has waited")
    assert "@dana, is someone taking over?" in reminder.text

    if notice_at is not None:
        sandbox.move_clock(at(notice_at) - MINUTE)
        assert len(channel_posts(slack)) == 1
        sandbox.move_clock(at(notice_at))
        notice = channel_posts(slack)[-1]
        assert notice.thread_ts is None
        assert notice.text.startswith(
            "🔴 *H-1* for J.D. (P-1) (🔴 Unstable) has gone 1 h without an acknowledgement. "
            "@sam.nurse, please read it back; @dana posted it."
        )

    sandbox.move_clock(at(4 * 60))  # the ladder's end: nothing more, ever
    # Only unstable patients reach the whole channel.
    assert len(channel_posts(slack)) == (1 if notice_at is None else 2)
    assert len(nudges(slack)) == 1


def test_the_ladder_stops_the_moment_the_receiver_acknowledges_from_the_dm(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    hand_off(slack, "unstable")
    sandbox.move_clock(at(10))
    sam = slack.as_user("@sam.nurse").in_dm()

    sam.click("Acknowledge")
    sam.submit({"Your read-back (synthesis)": "Heparin drip, recheck aPTT at 6 pm"})
    sandbox.move_clock(at(4 * 60))

    assert nudges(slack) == []  # the one DM sent was redrawn, and no other came
    assert len(slack.dms("@sam.nurse")) == 1
    assert channel_posts(slack) == []
    assert "*Acknowledged* by @sam.nurse" in slack.messages("#cardiology-team")[0].text
    with sandbox.db.session(read_only=True) as session:
        # Only the channel's daily digest is left; nothing about the handoff.
        assert reminders.pending_count(session, TEAM) == 1
        assert reminders.get(session, TEAM, "digest", "C0CARDIO1") is not None


def test_a_bot_down_past_several_rungs_sends_only_the_highest_one_due(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    hand_off(slack, "unstable")

    sandbox.move_clock(at(75))  # down from before the DM until after the channel notice was due

    [notice] = channel_posts(slack)
    assert notice.thread_ts is None and "has gone 1 h 15 min without" in notice.text
    assert nudges(slack) == []
    sandbox.move_clock(at(5 * 60))
    assert len(channel_posts(slack)) == 1 and nudges(slack) == []
    with sandbox.db.session(read_only=True) as session:
        row = handoffs.get_by_ref(session, TEAM, "H-1")
        assert row is not None and row.escalated == 3


def test_a_channel_the_bot_was_removed_from_does_not_retry_forever(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    hand_off(slack, "unstable")
    sandbox.move_clock(at(10))
    assert len(nudges(slack)) == 1
    sandbox.standin.workspace.channels["C0CARDIO1"].members.discard("U0CAREBOT")

    # The thread reminder and the channel notice cannot be posted: each is skipped, not retried.
    assert sandbox.move_clock(at(20)) == ["handoff-escalation: 0 sent for 1 reminder(s)"]
    assert sandbox.move_clock(at(60)) == ["handoff-escalation: 0 sent for 1 reminder(s)"]
    # Next morning the channel's digest cannot be posted either: the channel leaves the digest.
    assert sandbox.move_clock(at(24 * 60)) == ["digest: 0 sent for 1 reminder(s)"]
    with sandbox.db.session(read_only=True) as session:
        assert reminders.pending_count(session, TEAM) == 0


def test_a_role_is_nudged_member_by_member_but_never_its_author(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", "Jane Doe to @social-work: discharge blocked, no placement yet")
    sam = slack.as_user("@sam.nurse")  # sam is in @social-work himself
    sam.command("/handoff", "Omar Haddad to @social-work: needs a sitter tonight")

    sandbox.move_clock(at(30))

    def about(user: str) -> list[str]:
        return [m.text.split(" (")[0] for m in nudges(slack, user)]

    assert about("@riley.sw") == ["⏳ Handoff *H-1*", "⏳ Handoff *H-2*"]
    assert about("@sam.nurse") == ["⏳ Handoff *H-1*"]
    sam.click("Acknowledge")  # on his own H-2, the newest card
    assert sam.modal is None
    assert "You wrote this handoff, so another member of @social-work" in sam.last_reply().text

    sam.in_dm().click("Acknowledge")
    sam.submit({"Your read-back (synthesis)": "Placement search starts today, family aware"})
    riley = slack.as_user("@riley.sw").in_dm()
    # Sam took H-1: riley's nudge about it no longer asks; only H-2's does.
    assert about("@riley.sw") == ["⏳ Handoff *H-2*"]
    riley.click("Acknowledge", in_message=nudges(slack, "@riley.sw")[0])
    riley.submit({"Your read-back (synthesis)": "Sitter booked for tonight from 8pm"})
    sandbox.move_clock(at(2 * 60))
    assert channel_posts(slack) == []
    with sandbox.db.session(read_only=True) as session:
        acknowledged = [handoffs.get_by_ref(session, TEAM, ref) for ref in ("H-1", "H-2")]
    assert [row.acknowledged_by for row in acknowledged if row] == ["U0NURSE01", "U0SOCIAL1"]


def test_an_action_item_owner_hears_when_it_is_due_unless_it_was_ticked_done(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff")
    slack.submit(
        {
            "Patient": "Omar Haddad",
            "Receiver": "@sam.nurse",
            "Patient summary": "72M, CHF exacerbation, diuresing well",
            "Action list": "Recheck K+ @sam.nurse by 4pm\nCall family @dr.patel by 4pm",
        }
    )
    slack.as_user("@dr.patel").click(2)  # [2 Done], beside "Call family"
    four_pm = START + timedelta(hours=2)  # 4:00 PM in New York, where dana wrote it

    sandbox.move_clock(four_pm - MINUTE)
    assert [m for m in slack.dms("@sam.nurse") if "Due now" in m.text] == []
    sandbox.move_clock(four_pm)

    slack.as_user("@dana").click("Edit")  # an edit after the reminder does not repeat it
    slack.submit({"Illness severity": "Watcher"})
    sandbox.move_clock(four_pm + timedelta(hours=1))

    [due] = [m for m in slack.dms("@sam.nurse") if "Due now" in m.text]
    assert "from handoff *H-1* (O.H. (P-1), #cardiology-team)" in due.text
    assert "Recheck K+" in due.text and "Done" in due.text
    assert [m for m in slack.dms("@dr.patel") if "Due now" in m.text] == []
    slack.as_user("@sam.nurse").in_dm().click("Done")
    assert "✅ ~Recheck K+~" in slack.messages("#cardiology-team")[0].text


def test_every_message_that_asked_for_the_read_back_says_who_gave_it_and_the_author_hears_it(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    hand_off(slack, "unstable")
    sandbox.move_clock(at(10))  # the DM
    sandbox.move_clock(at(20))  # the thread nudge
    [dm] = nudges(slack)
    [thread] = channel_posts(slack)
    sam = slack.as_user("@sam.nurse").in_dm()

    sam.click("Acknowledge", in_message=dm)
    sam.submit({"Your read-back (synthesis)": "Heparin drip, recheck aPTT at 6 pm"})

    [dm_now] = slack.dms("@sam.nurse")
    assert dm_now.ts == dm.ts and dm_now.edited
    assert "was acknowledged by @sam.nurse: “Heparin drip, recheck aPTT at 6 pm”" in dm_now.text
    with pytest.raises(DriverError):
        sam.click("Acknowledge", in_message=dm_now)  # nothing left to press
    [thread_now] = channel_posts(slack)
    assert thread_now.ts == thread.ts and "acknowledged by @sam.nurse" in thread_now.text
    [told] = [m for m in slack.dms("@dana") if "acknowledged your handoff" in m.text]
    assert told.text.startswith("✅ @sam.nurse acknowledged your handoff *H-1* for J.D. (P-1)")
    assert "Heparin drip, recheck aPTT at 6 pm" in told.text
