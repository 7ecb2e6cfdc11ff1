"""A mistyped verb is asked about ("did you mean"), never acted on and never guessed."""

from __future__ import annotations

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from bot.shared.rules.near_miss import meant
from storage.handoffs import queries as handoffs


@pytest.mark.parametrize(
    ("command", "typed", "asks"),
    [
        ("/appt", "boook Jane Doe, MRI, tomorrow 3pm", "did you mean `/appt book`?"),
        ("/appt", "lsit today", "did you mean `/appt list`?"),
        ("/appt", "cancle A-1", "did you mean `/appt cancel`?"),
        ("/preauth", "aprove PA-1 AUTH-1", "did you mean `/preauth approve`?"),
        ("/preauth", "lsit", "did you mean `/preauth list`?"),
        ("/handoff", "lsit", "did you mean `/handoff list`?"),
        ("/carebot", "audti H-1", "Did you mean `/carebot audit`?"),
    ],
)
def test_a_near_miss_verb_is_asked_about(
    sandbox: Sandbox, slack: SlackDriver, command: str, typed: str, asks: str
) -> None:
    slack.command(command, typed)

    assert asks in slack.last_reply().text
    with sandbox.db.session(read_only=True) as session:
        assert handoffs.get_by_ref(session, "T0CAREBOT", "H-1") is None  # "lsit" is no patient


def test_the_same_in_a_dm_and_nothing_close_gets_the_usage(slack: SlackDriver) -> None:
    slack.in_dm().message("appt boook Jane Doe, MRI, tomorrow 3pm")
    assert "did you mean `/appt book`?" in slack.last_reply().text

    slack.command("/appt", "bill A-1")
    assert "did you mean" not in slack.last_reply().text
    assert "Try:" in slack.last_reply().text


def test_only_one_close_word_is_offered() -> None:
    verbs = ("book", "list", "move", "cancel", "checkin", "done", "noshow", "export")
    assert meant("boook", verbs) == "book"
    assert meant("BOOK", verbs) is None  # not a miss at all
    assert meant("bill", verbs) is None
    assert meant("", verbs) is None
    assert meant("note", ("note", "none")) is None  # a known word
    assert meant("nobe", ("note", "node")) is None  # two equally close: not a guess
