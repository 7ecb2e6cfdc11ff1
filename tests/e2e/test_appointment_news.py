"""Everyone involved hears of a change to a visit: the clinician gets a DM saying what
changed (from -> to) and who changed it, their earlier copy is redrawn in place, and the
channel's card keeps its history line."""

from __future__ import annotations

from datetime import timedelta

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from tests.e2e.conftest import START

# START is Mon 1 Mar 2027, 2:00 PM in New York; Dr. Patel works in Chicago.
JANE = "Jane Doe, MRI, tomorrow 3pm, 45 min, with @dr.patel, at Radiology 2"


def book(slack: SlackDriver) -> None:
    slack.command("/appt", f"book {JANE}")
    slack.click("Confirm")


def test_a_move_is_told_to_the_clinician_from_and_to_and_their_copy_is_redrawn(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack)
    [copy] = slack.dms("@dr.patel")

    slack.command("/appt", "move A-1 thursday 2pm")

    copy_now, news = slack.dms("@dr.patel")
    assert copy_now.ts == copy.ts and copy_now.edited  # the same message, redrawn
    assert "Moved from" in copy_now.text and "by @dana" in copy_now.text
    assert news.text.startswith(":arrows_counterclockwise: @dana moved *A-1* (J.D. (P-1), MRI")
    assert "from Tue 2 Mar" in news.text and "→ Thu 4 Mar" in news.text
    [card] = slack.messages("#cardiology-team")
    assert "booked by @dana" in card.text and "Moved from" in card.text


def test_a_cancel_is_told_and_the_clinicians_own_change_is_not_told_back(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack)

    slack.as_user("@dr.patel").command("/appt", "move A-1 thursday 2pm")  # their own change
    assert len(slack.dms("@dr.patel")) == 1  # only their copy, redrawn
    slack.as_user("@dana").command("/appt", "cancel A-1 patient asked")

    copy, news = slack.dms("@dr.patel")
    assert "Cancelled by @dana" in copy.text
    assert news.text.startswith(":x: @dana cancelled *A-1* (J.D. (P-1), MRI")


def test_news_slack_does_not_take_is_sent_once_by_the_sweep(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack)
    sandbox.standin.fail_next("chat.postMessage", status=500, times=3)  # outlasts the retries

    slack.command("/appt", "move A-1 thursday 2pm")
    assert len(slack.dms("@dr.patel")) == 1

    sandbox.move_clock(START + timedelta(minutes=1))
    sandbox.move_clock(START + timedelta(minutes=10))

    news = [m for m in slack.dms("@dr.patel") if "moved *A-1*" in m.text]
    assert len(news) == 1


def test_each_reader_sees_the_cards_time_on_their_own_clock(slack: SlackDriver) -> None:
    book(slack)

    [card] = slack.messages("#cardiology-team")  # dana, in New York
    [seen_in_chicago] = slack.as_user("@dr.patel").messages("#cardiology-team")

    assert "Tue 2 Mar 2027, 3:00 PM EST" in card.text
    assert "Tue 2 Mar 2027, 2:00 PM CST" in seen_in_chicago.text
    assert "2:00 PM CST" in slack.dms("@dr.patel")[0].text  # and in their copy
