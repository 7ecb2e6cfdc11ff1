"""Slack's limits on what a bot sends, as the error codes Slack answers with."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox import limits


def section(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(text: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, **extra}


def actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


def select(n: int) -> dict[str, Any]:
    options = [{"text": {"type": "plain_text", "text": f"o{i}"}, "value": str(i)} for i in range(n)]
    return {"type": "static_select", "action_id": "pick", "options": options}


FIELD = {"type": "mrkdwn", "text": "x"}

MESSAGES: list[tuple[str, Any, Any, str | None]] = [
    ("plain text", "hello", None, None),
    ("nothing at all", "", None, "no_text"),
    ("text too long", "x" * 40_001, None, "msg_too_long"),
    ("text at the limit", "x" * 40_000, None, None),
    ("blocks not a list", "x", {"type": "section"}, "invalid_blocks_format"),
    ("50 blocks", "x", [section()] * 50, None),
    ("51 blocks", "x", [section()] * 51, "invalid_blocks"),
    ("block without type", "x", [{"text": "hi"}], "invalid_blocks"),
    ("unknown block type", "x", [{"type": "fancy"}], "invalid_blocks"),
    ("section 3000", "x", [section("x" * 3000)], None),
    ("section 3001", "x", [section("x" * 3001)], "invalid_blocks"),
    ("empty section", "x", [{"type": "section"}], "invalid_blocks"),
    (
        "header 150",
        "x",
        [{"type": "header", "text": {"type": "plain_text", "text": "h" * 150}}],
        None,
    ),
    (
        "header 151",
        "x",
        [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
        "invalid_blocks",
    ),
    (
        "header in mrkdwn",
        "x",
        [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}],
        "invalid_blocks",
    ),
    ("10 fields", "x", [{"type": "section", "fields": [FIELD] * 10}], None),
    ("11 fields", "x", [{"type": "section", "fields": [FIELD] * 11}], "invalid_blocks"),
    (
        "field 2001",
        "x",
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}],
        "invalid_blocks",
    ),
    ("button text 75", "x", [actions(button("b" * 75))], None),
    ("button text 76", "x", [actions(button("b" * 76))], "invalid_blocks"),
    ("button value 2001", "x", [actions(button(value="v" * 2001))], "invalid_blocks"),
    ("action_id 256", "x", [actions(button(action_id="a" * 256))], "invalid_blocks"),
    ("block_id 256", "x", [section(block_id="b" * 256)], "invalid_blocks"),
    (
        "duplicate block_id",
        "x",
        [section(block_id="same"), section(block_id="same")],
        "invalid_blocks",
    ),
    ("100 options", "x", [actions(select(100))], None),
    ("101 options", "x", [actions(select(101))], "invalid_blocks"),
    ("empty actions", "x", [actions()], "invalid_blocks"),
]


@pytest.mark.parametrize(
    ("name", "text", "blocks", "error"), MESSAGES, ids=[m[0] for m in MESSAGES]
)
def test_message_limits(name: str, text: Any, blocks: Any, error: str | None) -> None:
    refused = limits.check_message(text, blocks)
    assert (refused or {}).get("error") == error


def test_invalid_blocks_points_at_the_problem() -> None:
    refused = limits.check_message("x", [section(), actions(button("b" * 76))])
    assert refused is not None
    assert refused["errors"] == [
        "must be less than 76 characters [json-pointer:/blocks/1/elements/0/text]"
    ]


def modal(**overrides: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Book appointment"},
        "submit": {"type": "plain_text", "text": "Book"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [section()],
    }
    view.update(overrides)
    return view


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


VIEWS: list[tuple[str, Any, bool]] = [
    ("a good modal", modal(), True),
    ("a home tab", {"type": "home", "blocks": [section()]}, True),
    ("not a view", "modal", False),
    ("no title", {k: v for k, v in modal().items() if k != "title"}, False),
    ("title 24", modal(title=plain("t" * 24)), True),
    ("title 25", modal(title=plain("t" * 25)), False),
    ("submit 25", modal(submit=plain("s" * 25)), False),
    ("close 25", modal(close=plain("c" * 25)), False),
    ("100 blocks", modal(blocks=[section()] * 100), True),
    ("101 blocks", modal(blocks=[section()] * 101), False),
    ("private_metadata 3001", modal(private_metadata="m" * 3001), False),
    ("bad block inside", modal(blocks=[section("x" * 3001)]), False),
    ("over 250 kB", modal(private_metadata="", blocks=[section("x" * 2900)] * 90), False),
    (
        "input without submit",
        {
            k: v
            for k, v in modal(
                blocks=[
                    {
                        "type": "input",
                        "label": plain("Patient"),
                        "element": {"type": "plain_text_input"},
                    }
                ]
            ).items()
            if k != "submit"
        },
        False,
    ),
]


@pytest.mark.parametrize(("name", "view", "accepted"), VIEWS, ids=[v[0] for v in VIEWS])
def test_view_limits(name: str, view: Any, accepted: bool) -> None:
    refused = limits.check_view(view)
    if accepted:
        assert refused is None
    else:
        assert refused is not None
        assert refused["error"] == "invalid_arguments"
        assert refused["response_metadata"]["messages"][0].startswith("[ERROR] ")


def test_normalize_fills_in_ids_slack_would_assign() -> None:
    stored = limits.normalize_blocks([section(), actions(button())])
    assert all(b["block_id"] for b in stored)
    assert stored[1]["elements"][0]["action_id"]
    kept = limits.normalize_blocks([section(block_id="mine")])
    assert kept[0]["block_id"] == "mine"
