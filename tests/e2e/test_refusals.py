"""A refusal is an answer: whichever way a request came, the person reads why, politely.

Use cases raise `Refused`; one helper turns it into the reply. These tests install a tiny
feature whose command, button and form refuse, and check what the person sees, that the
log has one INFO line and no ERROR, and that no apology with a reference is sent.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from bot.shared.commands import Ask, Command, Reply
from bot.shared.rules.refusals import Refused
from handlers.kit.errors import guard_listeners

FORM = {
    "type": "modal",
    "callback_id": "gate_form",
    "title": {"type": "plain_text", "text": "Gate"},
    "submit": {"type": "plain_text", "text": "Go"},
    "blocks": [
        {
            "type": "input",
            "block_id": "why",
            "label": {"type": "plain_text", "text": "Why"},
            "element": {"type": "plain_text_input", "action_id": "why"},
        }
    ],
}
WHY = "Sorry, only the ward clerk can do that. Ask them in #general."


class NotYours(Refused):
    def __init__(self) -> None:
        super().__init__(WHY)


def refuse(*_: Any) -> None:
    raise NotYours


def install(sandbox: Sandbox) -> None:
    """`gate` offers a button and a form; `gate no`, the button and the form refuse."""

    def run(ask: Ask) -> Reply:
        if ask.text == "no":
            refuse()
        if ask.text.startswith("echo "):  # a refusal that quotes what was typed, as many do
            raise Refused(f'"{ask.text[5:]}" is not a ref. Example: A-12, or <@U0COORD01>.')
        buttons = [
            {
                "type": "button",
                "action_id": action,
                "value": "A-1",
                "text": {"type": "plain_text", "text": label},
            }
            for action, label in (("gate_press", "Press"), ("open_gate_form", "Form"))
        ]
        return Reply(text="gate", blocks=[{"type": "actions", "elements": buttons}])

    def on_press(ack: Any) -> None:
        ack()
        refuse()

    def on_open(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=FORM)

    def on_form(ack: Any, client: Any, body: dict[str, Any]) -> None:
        refuse()

    sandbox.runtime.shared.commands.add(Command("gate", "Refuses", ("gate",), run))
    sandbox.runtime.app.action("gate_press")(on_press)
    sandbox.runtime.app.action("open_gate_form")(on_open)
    sandbox.runtime.app.view("gate_form")(on_form)
    # as register_all does for every feature's listeners
    guard_listeners(sandbox.runtime.app, sandbox.runtime.metrics.listener_failed)


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def errors_in(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_refused_command_answers_with_the_refusal(
    sandbox: Sandbox, slack: SlackDriver, logged: pytest.LogCaptureFixture
) -> None:
    install(sandbox)

    slack.in_dm().message("gate no")

    assert slack.last_reply().text == WHY
    assert errors_in(logged) == []
    assert "Sorry, something went wrong" not in "\n".join(m.text for m in slack.dms())


def test_a_refused_button_answers_only_the_clicker(
    sandbox: Sandbox, slack: SlackDriver, logged: pytest.LogCaptureFixture
) -> None:
    install(sandbox)
    slack.in_dm().message("gate")

    pressed = slack.click("Press")

    assert pressed.ok
    assert slack.last_reply().text == WHY
    assert errors_in(logged) == []
    refusals = [r.getMessage() for r in logged.records if r.name == "carebot.refusals"]
    assert refusals and all(WHY not in line for line in refusals)  # the kind, never the text


def test_a_refused_form_shows_why_over_the_form(
    sandbox: Sandbox, slack: SlackDriver, logged: pytest.LogCaptureFixture
) -> None:
    install(sandbox)
    slack.in_dm().message("gate")
    slack.click("Form")

    answer = slack.submit({"Why": "please"})

    assert answer.ok
    assert answer.body["response_action"] == "push"
    assert WHY in str(answer.body["view"])
    assert errors_in(logged) == []


def test_a_refusal_quoting_a_broadcast_mention_shows_it_and_pings_nobody(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    install(sandbox)

    slack.in_dm().message(
        "gate echo @channel please"
    )  # Slack sends the typed @channel as <!channel>

    reply = slack.last_reply()
    assert "&lt;!channel&gt;" in reply.raw_text and "<!channel>" not in reply.raw_text
    assert "<@U0COORD01>" in reply.raw_text  # carebot's own mention stays a mention
