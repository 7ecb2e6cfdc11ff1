"""Exactly once: every post carries its send key in Slack's message metadata, and a sender
that may be repeating a send finds the first one instead of posting again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.standin import SlackStandIn
from bot.shared.messages import EVENT_TYPE, MAX_PAGES, PAGE, OnceSender

CARDIO = "C0CARDIO1"
SAM = "U0NURSE01"


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


@pytest.fixture
def once(standin: SlackStandIn) -> OnceSender:
    return OnceSender(WebClient(token=standin.bot_token, base_url=standin.api_url))


def before() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=5)


def test_a_post_carries_its_key_and_a_repeat_finds_it_instead_of_posting(
    standin: SlackStandIn, once: OnceSender
) -> None:
    since = before()
    first = once.post("r7@2027-03-01T19:00:00", channel=CARDIO, text="Handoff H-1")

    again = once.post(
        "r7@2027-03-01T19:00:00", channel=CARDIO, text="Handoff H-1", look_since=since
    )

    assert (again.channel, again.ts, again.again) == (first.channel, first.ts, True)
    [message] = standin.messages(CARDIO)
    assert message.metadata == {
        "event_type": EVENT_TYPE,
        "event_payload": {"key": "r7@2027-03-01T19:00:00"},
    }


def test_a_repeat_in_a_dm_looks_in_the_bots_conversation_with_that_person(
    standin: SlackStandIn, once: OnceSender
) -> None:
    since = before()
    once.post("r1@x:U0NURSE01", channel=SAM, text="waiting for your acknowledgement")

    found = once.post("r1@x:U0NURSE01", channel=SAM, text="…", look_since=since)

    assert found.again and found.channel == standin.dm_channel(SAM).id
    assert len(standin.messages(found.channel)) == 1


def test_another_key_or_an_earlier_message_is_not_taken_for_it(
    standin: SlackStandIn, once: OnceSender
) -> None:
    once.post("r1@a", channel=CARDIO, text="an older post")
    later = datetime.now(UTC) + timedelta(minutes=5)  # after it, beyond the clock skew allowed

    assert once.find("r1@a", CARDIO, later) is None
    assert once.find("r2@a", CARDIO, before()) is None
    sent = once.post("r1@a", channel=CARDIO, text="sent again", look_since=later)
    assert not sent.again and len(standin.messages(CARDIO)) == 2


def test_a_thread_reply_is_looked_for_in_its_thread(
    standin: SlackStandIn, once: OnceSender
) -> None:
    since = before()
    card = once.post("card", channel=CARDIO, text="the card")
    once.post("nudge", channel=CARDIO, thread_ts=card.ts, text="has waited 20 min")

    found = once.find("nudge", CARDIO, since, card.ts)

    assert found is not None and found.again


def test_the_search_is_bounded_and_pages_through_a_busy_channel(
    standin: SlackStandIn, once: OnceSender
) -> None:
    since = before()
    once.post("mine", channel=CARDIO, text="the one")
    for n in range(PAGE + 5):  # newest first: "mine" is on the second page
        once.post(f"other-{n}", channel=CARDIO, text="busy")

    assert once.find("mine", CARDIO, since) is not None
    assert len(standin.calls("conversations.history")) == 2 <= MAX_PAGES


def test_a_conversation_that_is_gone_finds_nothing_and_other_failures_raise(
    standin: SlackStandIn, once: OnceSender
) -> None:
    assert once.find("k", "C0NOTHERE", before()) is None
    standin.fail_next("conversations.history", status=500, times=3)
    with pytest.raises(SlackApiError):
        once.find("k", CARDIO, before())
