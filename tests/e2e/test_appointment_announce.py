"""A booking's card and the clinician's copy are committed with it and sent at once; when
Slack does not take the card, the booker reads what really happened, the clinician still
hears, and the sweep posts the card later, once, where later changes update it in place."""

from __future__ import annotations

from datetime import timedelta

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from storage.appointments import queries as appointments
from tests.e2e.conftest import START

TEAM = "T0CAREBOT"
JANE = "Jane Doe, MRI, tomorrow 3pm, 45 min, with @dr.patel, at Radiology 2"


def book(slack: SlackDriver) -> str:
    slack.command("/appt", f"book {JANE}")
    slack.click("Confirm")
    return slack.last_reply().text


def card_ts(sandbox: Sandbox) -> str | None:
    with sandbox.db.session(read_only=True) as session:
        row = appointments.get_by_ref(session, TEAM, "A-1")
        assert row is not None
        return row.message_ts


def test_a_card_slack_fails_to_take_follows_from_the_sweep_and_is_updated_in_place(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    sandbox.standin.fail_next("chat.postMessage", status=500, times=3)  # outlasts the retries

    told = book(slack)

    assert "Booked *A-1* for Jane Doe (P-1)" in told
    assert told.endswith(
        "Slack had a problem on its side (HTTP 500), so its card isn't in this channel yet; "
        "I'll keep trying."
    )
    assert "invite" not in told
    assert slack.messages("#cardiology-team") == []
    [copy] = slack.dms("@dr.patel")  # the clinician's copy is its own send
    assert "A-1" in copy.text

    sandbox.move_clock(START + timedelta(minutes=1))

    [card] = slack.messages("#cardiology-team")
    assert "A-1" in card.text and "booked by @dana" in card.text.lower().replace("*", "")
    assert card_ts(sandbox) == card.ts
    assert len(slack.dms("@dr.patel")) == 1
    slack.command("/appt", "checkin A-1")
    [card] = slack.messages("#cardiology-team")
    assert card.edited and "Checked in" in card.text
    assert "booked by @dana" in card.text.lower().replace("*", "")  # a redraw keeps who booked


def test_a_rate_limit_says_the_card_follows_shortly_not_invite_me(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    sandbox.standin.fail_next("chat.postMessage", status=429, retry_after=60)

    told = book(slack)

    assert told.endswith(
        "Slack asked me to slow down, so its card will appear in this channel shortly."
    )
    sandbox.move_clock(START + timedelta(minutes=1))
    assert len(slack.messages("#cardiology-team")) == 1


def test_a_channel_without_the_bot_says_invite_me_and_the_booking_stands(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    sandbox.standin.fail_next("chat.postMessage", error="not_in_channel")

    told = book(slack)

    assert "Booked *A-1*" in told
    assert told.endswith(
        "I couldn't post its card in this channel: I'm not in it. Invite me with "
        "`/invite @carebot` to see future bookings here."
    )
    sandbox.move_clock(START + timedelta(minutes=5))
    assert slack.messages("#cardiology-team") == []  # no retry can help
    assert len(slack.dms("@dr.patel")) == 1
