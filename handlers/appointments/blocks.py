"""The Block Kit pieces appointments' messages are made of: sections, buttons, context lines,
and a visit's "what" as lists and cards say it."""

from __future__ import annotations

from bot.shared.commands import Block
from bot.shared.rules.mrkdwn import escape, truncate

SECTION_MAX = 3000
BUTTON_MAX = 75


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_MAX)}}


def button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    made: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label[:BUTTON_MAX]},
        "action_id": action_id,
        "value": value,
    }
    if style:
        made["style"] = style
    return made


def context(text: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(text, SECTION_MAX)}],
    }


def what(kind: str, label: str) -> str:
    """ "MRI (imaging)", or just "surgery" when the label is the kind itself."""
    shown = escape(label)
    return shown if label.lower() == kind else f"{shown} ({kind})"
