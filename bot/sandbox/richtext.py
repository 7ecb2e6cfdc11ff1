"""Rich text as Slack records it: what a rich_text_input holds, and how a reader sees it.

Typed text becomes one `rich_text_section` of text runs and mentions, newlines kept
inside the runs, as Slack's composer sends it. Mentions are found by `mrkdwn.typed_parts`,
the same rules that link typed messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.sandbox.mrkdwn import Mention, escape, typed_parts
from bot.sandbox.seed import Workspace

LEAF_TYPES = frozenset({"text", "user", "usergroup", "channel", "broadcast", "emoji", "link"})


def typed_rich_text(text: str, names: Workspace) -> dict[str, Any]:
    """The `rich_text_value` a rich_text_input holds once a person has typed `text`."""
    if not text:
        return {"type": "rich_text", "elements": []}
    runs = [
        {"type": "text", "text": part} if isinstance(part, str) else _element(part)
        for part in typed_parts(text, names)
    ]
    return {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": runs}]}


def _element(mention: Mention) -> dict[str, Any]:
    if mention.kind == "broadcast":
        return {"type": "broadcast", "range": mention.target}
    return {"type": mention.kind, f"{mention.kind}_id": mention.target}


def is_blank(value: Any) -> bool:
    """Whether rich text holds nothing: no elements, or only empty text runs."""
    return all(leaf.get("type") == "text" and not leaf.get("text") for leaf in _leaves(value))


def _leaves(node: Any) -> list[Mapping[str, Any]]:
    if not isinstance(node, Mapping):
        return []
    if node.get("type") in LEAF_TYPES:
        return [node]
    return [leaf for child in node.get("elements") or [] for leaf in _leaves(child)]


def rich_text_mrkdwn(node: Any) -> str:
    """Rich text as the mrkdwn a message with the same content would carry."""
    if not isinstance(node, Mapping):
        return ""
    kind = node.get("type")
    if kind == "text":
        return escape(str(node.get("text", "")))
    if kind == "user":
        return f"<@{node.get('user_id')}>"
    if kind == "usergroup":
        return f"<!subteam^{node.get('usergroup_id')}>"
    if kind == "channel":
        return f"<#{node.get('channel_id')}>"
    if kind == "broadcast":
        return f"<!{node.get('range')}>"
    if kind == "emoji":
        return f":{node.get('name')}:"
    if kind == "link":
        url, label = node.get("url", ""), node.get("text")
        return f"<{url}|{escape(str(label))}>" if label else f"<{url}>"
    inner = "".join(rich_text_mrkdwn(child) for child in node.get("elements") or [])
    if kind == "rich_text_list":
        return "\n".join(f"• {rich_text_mrkdwn(item)}" for item in node.get("elements") or [])
    if kind == "rich_text_preformatted":
        return f"```{inner}```"
    if kind == "rich_text_quote":
        return "> " + inner
    return inner  # rich_text and rich_text_section: their runs, in order
