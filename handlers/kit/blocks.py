"""Small Block Kit builders shared by the features' views."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text)]}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    made: Block = {"type": "button", "text": plain(text), "action_id": action_id, "value": value}
    return made | ({"style": style} if style else {})
