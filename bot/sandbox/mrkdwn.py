"""Slack's text both ways: mrkdwn as a reader sees it, and typed text as Slack delivers it.

Mentions are shown by name, dates by their fallback text; typed @names and #channels
become the links Slack would send.
"""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.seed import Workspace

ENTITY = re.compile(r"<([^<>\n]*)>")
TOKEN = re.compile(r"(?<![\w@#&<|])([@#])([A-Za-z0-9][\w.\-]*)")
SPECIAL_MENTIONS = ("here", "channel", "everyone")


def text_of(value: Any) -> str:
    """The string inside a text object (or the string itself)."""
    if isinstance(value, dict):
        return str(value.get("text", ""))
    return "" if value is None else str(value)


def plain(text: str, names: Workspace | None = None) -> str:
    """mrkdwn as a reader sees it: `<@U1>` as @name, `<!date^..|fallback>` as fallback."""

    def entity(match: re.Match[str]) -> str:
        body = match.group(1)
        target, _, label = body.partition("|")
        if target.startswith("@"):
            user = names.find_user(target[1:]) if names else None
            return "@" + (user.name if user else label or target[1:])
        if target.startswith("#"):
            channel = names.find_channel(target[1:]) if names else None
            return "#" + (channel.name if channel else label or target[1:])
        if target.startswith("!subteam^"):
            group = names.find_usergroup(target.split("^", 1)[1]) if names else None
            return "@" + group.handle if group else label or target
        if target.startswith("!date^"):
            return label or target
        if target.startswith("!"):
            return "@" + target[1:].split("^")[0]
        return label or target

    shown = ENTITY.sub(entity, text)
    return shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape(text: str) -> str:
    """Escape what Slack escapes in user-typed text: `&`, `<` and `>`, nothing else."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def encode_typed(text: str, names: Workspace, *, with_labels: bool = False) -> str:
    """Typed text as Slack delivers it: escaped, with known @names and #channels as links.

    Messages carry `<@U123>`; slash commands with `should_escape` carry `<@U123|name>`.
    """

    def link(match: re.Match[str]) -> str:
        sigil, word = match.group(1), match.group(2)
        for end in range(len(word), 0, -1):
            candidate, rest = word[:end], word[end:]
            if rest and not re.fullmatch(r"[.\-_]+", rest):
                continue
            found = _link_for(sigil, candidate, names, with_labels)
            if found:
                return found + rest
        return match.group(0)

    return TOKEN.sub(link, escape(text))


def _link_for(sigil: str, name: str, names: Workspace, with_labels: bool) -> str | None:
    if sigil == "#":
        channel = names.find_channel(name)
        return f"<#{channel.id}|{channel.name}>" if channel and not channel.is_im else None
    if name.lower() in SPECIAL_MENTIONS:
        return f"<!{name.lower()}>"
    user = names.find_user(name)
    if user is not None and user.name.lower() == name.lower():
        return f"<@{user.id}|{user.name}>" if with_labels else f"<@{user.id}>"
    group = names.find_usergroup(name)
    if group is not None:
        return f"<!subteam^{group.id}|@{group.handle}>" if with_labels else f"<!subteam^{group.id}>"
    return None
