"""What someone typed, shown back in a reply, reads as they typed it, cut short and inert.

Found by `make fuzz`: an unknown verb of 5,000 `<` made a reply Slack refuses
(msg_too_long), so the person saw nothing; a typed `&` came back as `&amp;`.
"""

from __future__ import annotations

import pytest

from bot.sandbox.driver import SlackDriver

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("command", ["/appt", "/preauth"])
def test_an_unknown_verb_thousands_of_characters_long_is_shown_cut_short(
    slack: SlackDriver, command: str
) -> None:
    slack.command(command, "<" * 5000)
    reply = slack.last_reply()
    assert reply.text.startswith(f"I don't know `{command} {'<' * 39}…`. Try:")


def test_a_typed_ampersand_comes_back_as_typed(slack: SlackDriver) -> None:
    slack.command("/preauth", "r&d")
    assert slack.last_reply().text.startswith("I don't know `/preauth r&d`.")
    slack.command("/carebot", "r&d")
    assert slack.last_reply().text.startswith("I don't know `/carebot r&d`.")


def test_a_typed_broadcast_as_a_verb_is_shown_not_sent(slack: SlackDriver) -> None:
    slack.command("/appt", "@channel tomorrow")
    reply = slack.last_reply()
    assert reply.text.startswith("I don't know `/appt @channel`.")
    assert "<!channel>" not in reply.raw_text
