"""A modal's rich text, read back as the Slack-formatted text a slash command carries.

Mentions picked in a rich text input arrive as elements with ids; turning them into
`<@U123>` tokens lets one parser read the action list from either place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.shared.rules.mrkdwn import escape


def flatten(value: Mapping[str, Any] | None) -> str:
    """Lines of Slack-formatted text: list items and quotes each on their own line."""
    if not value:
        return ""
    lines: list[str] = []
    for block in value.get("elements") or []:
        if not isinstance(block, Mapping):
            continue
        kind = block.get("type")
        if kind == "rich_text_list":
            lines.extend(
                _inline(item.get("elements") or []) for item in block.get("elements") or []
            )
        else:
            lines.append(_inline(block.get("elements") or []))
    return "\n".join(line for line in "\n".join(lines).splitlines())


def _inline(elements: list[Any]) -> str:
    parts: list[str] = []
    for element in elements:
        if not isinstance(element, Mapping):
            continue
        kind = element.get("type")
        if kind == "text":
            parts.append(escape(str(element.get("text") or "")))
        elif kind == "user":
            parts.append(f"<@{element.get('user_id')}>")
        elif kind == "usergroup":
            parts.append(f"<!subteam^{element.get('usergroup_id')}>")
        elif kind == "channel":
            parts.append(f"<#{element.get('channel_id')}>")
        elif kind == "broadcast":
            parts.append(f"<!{element.get('range')}>")
        elif kind == "link":
            parts.append(escape(str(element.get("text") or element.get("url") or "")))
        elif kind == "emoji":
            parts.append(f":{element.get('name')}:")
    return "".join(parts)
