"""A rich_text_input holds rich text, as Slack records it, not a plain string."""

from __future__ import annotations

from typing import Any

from bot.sandbox import limits
from bot.sandbox.driver import SlackDriver
from bot.sandbox.inputs import REQUIRED_MESSAGE, entry_for, submission_state
from bot.sandbox.render import render_view
from bot.sandbox.richtext import is_blank, typed_rich_text
from bot.sandbox.seed import default_seed
from tests.sandbox.fakebot import FakeBot, Received

SPACE = default_seed()
NOTES = {"type": "rich_text_input", "action_id": "text"}


def handoff_modal(element: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "handoff",
        "title": {"type": "plain_text", "text": "Hand off"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [
            {
                "type": "input",
                "block_id": "notes",
                "optional": optional,
                "label": {"type": "plain_text", "text": "Notes"},
                "element": element,
            }
        ],
    }


def section(*elements: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "rich_text",
        "elements": [{"type": "rich_text_section", "elements": list(elements)}],
    }


def text(run: str) -> dict[str, Any]:
    return {"type": "text", "text": run}


def test_filling_a_rich_text_input_records_mentions_and_newlines() -> None:
    entry = entry_for(NOTES, "Call family @dr.patel by 5pm\nCheck labs @social-work", SPACE)
    assert entry == {
        "type": "rich_text_input",
        "rich_text_value": {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "Call family "},
                        {"type": "user", "user_id": "U0DRPATEL"},
                        {"type": "text", "text": " by 5pm\nCheck labs "},
                        {"type": "usergroup", "usergroup_id": "S0SOCWORK"},
                    ],
                }
            ],
        },
    }


def test_channels_broadcasts_and_trailing_punctuation() -> None:
    typed = "@here: ask @sam.nurse, then #ortho-team. @nobody & <b>"
    assert typed_rich_text(typed, SPACE) == section(
        {"type": "broadcast", "range": "here"},
        text(": ask "),
        {"type": "user", "user_id": "U0NURSE01"},
        text(", then "),
        {"type": "channel", "channel_id": "C0ORTHO01"},
        text(". @nobody & <b>"),
    )
    assert typed_rich_text("", SPACE) == {"type": "rich_text", "elements": []}


def test_blank_rich_text_counts_as_empty() -> None:
    assert is_blank({"type": "rich_text", "elements": []})
    assert is_blank(section(text("")))
    assert not is_blank(section(text("x")))
    assert not is_blank(section({"type": "user", "user_id": "U0DRPATEL"}))


def test_a_required_rich_text_input_must_hold_something() -> None:
    blocks = handoff_modal(NOTES)["blocks"]
    _, refused = submission_state(blocks, {})
    assert refused == {"notes": REQUIRED_MESSAGE}
    blank = {"notes": {"text": entry_for(NOTES, "", SPACE)}}
    assert submission_state(blocks, blank)[1] == {"notes": REQUIRED_MESSAGE}
    typed = {"notes": {"text": entry_for(NOTES, "@dr.patel", SPACE)}}
    assert submission_state(blocks, typed)[1] == {}


def test_initial_value_is_the_starting_rich_text() -> None:
    start = section(text("Follow up with "), {"type": "user", "user_id": "U0SOCIAL1"})
    element = dict(NOTES, initial_value=start)
    values, refused = submission_state(handoff_modal(element)["blocks"], {})
    assert refused == {}
    assert values["notes"]["text"] == {"type": "rich_text_input", "rich_text_value": start}
    assert "Notes: Follow up with @riley.sw" in render_view(handoff_modal(element), names=SPACE)


def test_the_modal_shows_what_was_typed() -> None:
    state = {"notes": {"text": entry_for(NOTES, "Page @here & @social-work", SPACE)}}
    shown = render_view(handoff_modal(NOTES), names=SPACE, state=state)
    assert "Notes: Page @here & @social-work" in shown


def test_limits_accept_rich_text_input_only_with_rich_text_initial_value() -> None:
    good = handoff_modal(dict(NOTES, initial_value=section(text("hi"))))
    assert limits.check_view(good) is None
    assert limits.check_view(handoff_modal(NOTES)) is None
    refused = limits.check_view(handoff_modal(dict(NOTES, initial_value="hi")))
    assert refused is not None and refused["error"] == "invalid_arguments"
    assert "/blocks/0/element/initial_value" in str(refused)


def test_the_bot_receives_rich_text_on_submit(driver: SlackDriver, bot: FakeBot) -> None:
    def open_form(received: Received) -> None:
        bot.client.views_open(trigger_id=received.data["trigger_id"], view=handoff_modal(NOTES))

    bot.on("command:/appt")(open_form)
    driver.command("/appt", "handoff")
    driver.fill("Notes", "Tell #cardiology-team @dr.patel")
    assert driver.submit().ok
    entry = bot.last("view_submission").data["view"]["state"]["values"]["notes"]["text"]
    assert entry["rich_text_value"] == section(
        text("Tell "),
        {"type": "channel", "channel_id": "C0CARDIO1"},
        text(" "),
        {"type": "user", "user_id": "U0DRPATEL"},
    )
    assert "value" not in entry
