"""Asking carebot: slash commands, DMs, mentions, and what it ignores."""

from __future__ import annotations

import pytest

import storage.dedup
from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox


def test_slash_help_lists_what_carebot_can_do_only_to_the_asker(slack: SlackDriver) -> None:
    ack = slack.command("/carebot", "help")

    assert ack.ok
    reply = slack.last_reply()
    assert reply.ephemeral
    assert "/carebot" in reply.text
    assert "What carebot can do" in reply.text
    assert slack.messages("#cardiology-team") == []


def test_the_bare_command_is_help_too(slack: SlackDriver) -> None:
    slack.command("/carebot")
    assert "What carebot can do" in slack.last_reply().text


def test_a_dm_without_the_slash_reaches_the_same_command(slack: SlackDriver) -> None:
    slack.in_dm().message("carebot help")

    [reply] = slack.dms()
    assert "What carebot can do" in reply.text


def test_a_mention_in_a_channel_is_answered_in_a_thread_only_to_the_asker(
    slack: SlackDriver,
) -> None:
    posted = slack.message("@carebot carebot help")

    [reply] = slack.ephemerals(channel="#cardiology-team")
    assert reply.thread_ts == posted.ts
    assert "What carebot can do" in reply.text
    assert [m.user for m in slack.messages("#cardiology-team")] == ["U0COORD01"]


def test_something_it_does_not_understand_gets_a_pointer_to_help(slack: SlackDriver) -> None:
    slack.in_dm().message("what's for lunch?")

    [reply] = slack.dms()
    assert "didn't understand" in reply.text
    assert "help" in reply.text


def test_a_retried_event_is_answered_once(slack: SlackDriver) -> None:
    slack.in_dm().message("carebot help")
    again = slack.resend(retry_num=1)

    assert again.status == 200
    assert len(slack.dms()) == 1


def test_it_ignores_other_bots_and_edits(sandbox: Sandbox, slack: SlackDriver) -> None:
    dm = sandbox.standin.dm_channel("U0COORD01").id
    slack.event(
        {
            "type": "message",
            "channel": dm,
            "channel_type": "im",
            "user": "U0OTHERBOT",
            "bot_id": "B0OTHER",
            "text": "carebot help",
            "ts": "1.000100",
        }
    )
    slack.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": dm,
            "channel_type": "im",
            "ts": "1.000200",
            "message": {"user": "U0COORD01", "text": "carebot help"},
        }
    )

    assert slack.dms() == []


def test_url_verification_is_answered_with_the_challenge(slack: SlackDriver) -> None:
    ack = slack.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")

    assert ack.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in str(ack.body)


def test_help_grows_with_each_registered_feature(sandbox: Sandbox, slack: SlackDriver) -> None:
    from tests.e2e.features import Counter

    Counter().install(sandbox.runtime)

    slack.command("/carebot", "help")
    text = slack.last_reply().text
    assert "*/bump* — Count clicks" in text
    slack.in_dm().message("bump help")
    assert "Count clicks" in slack.dms()[-1].text


def test_mentioning_the_bot_inside_its_own_dm_still_works(slack: SlackDriver) -> None:
    slack.in_dm().message("@carebot carebot help")
    assert "What carebot can do" in slack.dms()[-1].text


def test_an_event_that_fails_before_it_is_handled_is_left_for_slack_to_retry(
    sandbox: Sandbox, slack: SlackDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    def database_down(*args: object, **kwargs: object) -> bool:
        raise ConnectionError("database down")

    monkeypatch.setattr(storage.dedup, "first_time", database_down)

    ack = slack.in_dm().message("carebot help")

    assert ack.status == 500
    assert slack.dms() == []
