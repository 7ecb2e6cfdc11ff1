"""What a channel's settings change: its escalation ladders, its digest, its display policy."""

from __future__ import annotations

from datetime import timedelta

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from tests.e2e.conftest import START
from tests.e2e.test_channel_settings import save


def test_a_handoff_escalates_on_its_channels_own_ladder(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    save(slack, {"Handoff escalation delays": "unstable=5m/10m/30m"})
    slack.command("/handoff", "Jane Doe to @sam.nurse unstable: on heparin drip, recheck aPTT")

    sandbox.move_clock(START + timedelta(minutes=4))
    assert _nudges(slack) == 0
    sandbox.move_clock(START + timedelta(minutes=5))
    assert _nudges(slack) == 1
    sandbox.move_clock(START + timedelta(minutes=30))
    notices = [
        m for m in slack.messages("#cardiology-team") if "without an acknowledgement" in m.text
    ]
    assert len(notices) == 1 and "gone 30 min" in notices[0].text


def test_an_escalation_in_the_channel_follows_its_display_policy(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    save(slack, {"Patients in posts here": "Id"})
    slack.command("/handoff", "Jane Doe to @sam.nurse unstable: on heparin drip, recheck aPTT")

    sandbox.move_clock(START + timedelta(minutes=60))  # the notice in the channel is due

    [notice] = [m for m in slack.messages("#cardiology-team") if "without an ack" in m.text]
    assert "P-1" in notice.text and "J.D." not in notice.text


def _nudges(slack: SlackDriver) -> int:
    return len([m for m in slack.dms("@sam.nurse") if "waiting for your acknowledgement" in m.text])


def digests(slack: SlackDriver) -> list[str]:
    return [m.text for m in slack.messages("#cardiology-team") if "Today" in m.text]


TUESDAY_730_NY = START + timedelta(hours=17, minutes=30)  # Tue 2 Mar 2027, 12:30 UTC


def test_the_digest_moves_to_the_channels_time_zone_and_shows_its_display_policy(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jane Doe, MRI, tomorrow 3pm")
    slack.click("Confirm")
    save(
        slack,
        {"Time zone": "America/Los_Angeles", "Patients in posts here": "Full"},
    )

    sandbox.move_clock(TUESDAY_730_NY)
    assert digests(slack) == []
    sandbox.move_clock(TUESDAY_730_NY + timedelta(hours=3))  # 7:30 AM in Los Angeles
    [digest] = digests(slack)
    assert "1 visit today" in digest and "Jane Doe (P-1)" in digest


def test_a_digest_turned_off_never_posts(sandbox: Sandbox, slack: SlackDriver) -> None:
    save(slack, {"Daily digest time, or off": "off"})
    slack.command("/appt", "book Jane Doe, MRI, tomorrow 3pm")
    slack.click("Confirm")

    sandbox.move_clock(TUESDAY_730_NY + timedelta(hours=12))
    assert digests(slack) == []


def test_no_digest_on_the_channels_holidays(sandbox: Sandbox, slack: SlackDriver) -> None:
    save(
        slack, {"Holidays (no digest, no slots)": "2027-03-02", "Daily digest time, or off": "8:00"}
    )
    slack.command("/handoff", "Omar Haddad to @sam.nurse: stable overnight, recheck K+ at 6am")

    sandbox.move_clock(TUESDAY_730_NY + timedelta(hours=10))
    assert digests(slack) == []
    sandbox.move_clock(TUESDAY_730_NY + timedelta(days=1, minutes=29))
    assert digests(slack) == []
    sandbox.move_clock(TUESDAY_730_NY + timedelta(days=1, minutes=30))  # Wed 8:00 AM
    [digest] = digests(slack)
    assert "Handoffs awaiting acknowledgement (1)" in digest


def test_free_slots_follow_the_booking_channels_hours_days_and_holidays(
    slack: SlackDriver,
) -> None:
    save(slack, {"Clinic hours": "08:00-15:45", "Holidays (no digest, no slots)": "2027-03-03"})
    slack.command("/appt", "book Jane Doe, MRI, tomorrow 3pm, 45 min, with @dr.patel")
    slack.click("Confirm")

    slack.command("/appt", "book Sam Lee, consult, tomorrow 3:15pm, with @dr.patel")
    assert "collides with" in slack.last_reply().text
    slack.click(1)  # the first free slot: Tuesday is full to closing, Wednesday a holiday

    assert "Thu 4 Mar 2027, 8:00-8:30 AM EST" in slack.last_reply().text


def test_cards_in_a_channel_follow_its_display_policy(slack: SlackDriver) -> None:
    save(slack, {"Patients in posts here": "Id"})
    slack.command("/appt", "book Jane Doe, MRI, tomorrow 3pm")
    slack.click("Confirm")
    slack.command("/handoff", "Omar Haddad to @sam.nurse: stable overnight, recheck K+ at 6am")
    slack.as_user("@sam.nurse").click("Acknowledge")
    slack.submit({"Your read-back (synthesis)": "Recheck K+ at 6am"})
    assert slack.modal is None, (slack.errors, slack.modal)

    appointment_card, handoff_card = slack.messages("#cardiology-team")
    assert "P-1" in appointment_card.text and "J.D." not in appointment_card.text
    assert "P-2" in handoff_card.text and "O.H." not in handoff_card.text
    assert "Acknowledged" in handoff_card.text or "acknowledged" in handoff_card.text
    # Elsewhere the workspace's policy (initials) still applies.
    sam = slack.as_user("@sam.nurse").in_channel("#ortho-team")
    sam.command("/handoff", "Ann Bell to @dana: stable, walk twice today")
    [ortho_card] = sam.messages("#ortho-team")
    assert "A.B. (P-3)" in ortho_card.text


def test_a_risk_post_follows_its_channels_display_policy(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    save(slack, {"Patients in posts here": "Full"})
    slack.command("/preauth", "new Jane Doe, Aetna, MRI, needed by friday 9am")

    sandbox.move_clock(START + timedelta(hours=19))  # Tuesday 9:00 AM in New York
    [post] = [m for m in slack.messages("#cardiology-team") if "please check" in m.text]
    assert "Pre-approval at risk" in post.text and "Jane Doe (P-1)" in post.text


def test_a_risk_post_redrawn_after_a_click_keeps_its_channels_display_policy(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    save(slack, {"Patients in posts here": "Id"})
    slack.command("/preauth", "new Jane Doe, Aetna, MRI, needed by friday 9am")
    sandbox.move_clock(START + timedelta(hours=19))
    [post] = [m for m in slack.messages("#cardiology-team") if "please check" in m.text]

    slack.command("/preauth", "submitted PA-1")  # every message showing it is redrawn

    [redrawn] = [m for m in slack.messages("#cardiology-team") if m.ts == post.ts]
    assert redrawn.edited and "submitted" in redrawn.text.lower()
    assert "P-1" in redrawn.text and "J.D." not in redrawn.text and "Jane" not in redrawn.text


def test_a_request_is_nudged_at_its_channels_round_time(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    save(slack, {"Pre-approval reminder round": "10:30"})
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")
    tuesday_9am = START + timedelta(hours=19)

    def rounds() -> list[str]:
        return [m.text for m in slack.dms("@dana") if "need" in m.text and "PA-1" in m.text]

    sandbox.move_clock(tuesday_9am)
    assert rounds() == []
    sandbox.move_clock(tuesday_9am + timedelta(minutes=89))
    assert rounds() == []
    sandbox.move_clock(tuesday_9am + timedelta(minutes=90))  # 10:30 AM in New York
    assert len(rounds()) == 1
