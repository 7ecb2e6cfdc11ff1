"""Commands register once and are found by name, with or without the slash."""

from __future__ import annotations

import pytest

from bot.shared.commands import Ask, Command, CommandRegistry, Reply
from handlers.kit.dedup import request_key


def echo(ask: Ask) -> Reply:
    return Reply(text=ask.text)


def test_a_command_is_found_with_or_without_its_slash_and_keeps_the_rest() -> None:
    registry = CommandRegistry()
    appt = registry.add(Command("appt", "Appointments", ("/appt list",), echo))

    assert registry.split("appt list today") == (appt, "list today")
    assert registry.split("/APPT   list") == (appt, "list")
    assert registry.split("lunch?") == (None, "")


def test_a_command_cannot_be_registered_twice() -> None:
    registry = CommandRegistry()
    registry.add(Command("appt", "Appointments", (), echo))
    with pytest.raises(ValueError, match="twice"):
        registry.add(Command("appt", "Again", (), echo))


def test_a_retried_event_has_the_same_key_as_the_first_delivery() -> None:
    event = {"type": "event_callback", "event_id": "Ev123", "event": {"type": "message"}}
    assert request_key(event) == request_key(dict(event)) == "event:Ev123"


def click(
    action_id: str, value: str = "v", ts: str = "1.1", kind: str = "button"
) -> dict[str, object]:
    return {
        "type": "block_actions",
        "container": {"type": "message", "message_ts": ts},
        "actions": [{"type": kind, "action_id": action_id, "block_id": "b", "value": value}],
    }


def test_a_double_click_is_one_key_but_another_button_or_message_is_not() -> None:
    assert request_key(click("confirm")) == request_key(click("confirm"))
    assert request_key(click("confirm")) != request_key(click("cancel"))
    assert request_key(click("confirm")) != request_key(click("confirm", ts="2.2"))
    assert request_key(click("done", value="item-1")) != request_key(click("done", value="item-2"))


def test_buttons_that_only_show_something_and_menus_may_repeat() -> None:
    assert request_key(click("open_edit_modal")) is None
    assert request_key(click("page_next")) is None
    assert request_key(click("pick", kind="static_select")) is None
    assert request_key({"type": "view_submission", "view": {"id": "V1"}}) is None


def test_confirm_again_reaches_its_listener_which_answers_with_the_booking() -> None:
    assert request_key(click("appt_confirm")) is None
