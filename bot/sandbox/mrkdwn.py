"""Slack's text both ways: mrkdwn as a reader sees it, and typed text as Slack delivers it.

Mentions are shown by name, dates by their fallback text; typed @names and #channels
become the links Slack would send. `typed_parts` finds those mentions once, for messages
here and for rich text in `richtext`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox.seed import Workspace
from bot.shared.rules.timeparse import format_when

ENTITY = re.compile(r"<([^<>\n]*)>")
# Matched on the raw typed text; what it finds is linked, the rest escaped.
TOKEN = re.compile(r"(?<![\w@#|])([@#])([A-Za-z0-9][\w.\-]*)")
SPECIAL_MENTIONS = ("here", "channel", "everyone")


def text_of(value: Any) -> str:
    """The string inside a text object (or the string itself)."""
    if isinstance(value, dict):
        return str(value.get("text", ""))
    return "" if value is None else str(value)


def plain(text: str, names: Workspace | None = None, zone: ZoneInfo | None = None) -> str:
    """mrkdwn as a reader sees it: `<@U1>` as @name, `<!date^..|fallback>` in the reader's
    own zone as Slack shows it (the fallback when the reader's zone is not known)."""

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
            return _date(target, label, zone) or label or target
        if target.startswith("!"):
            return "@" + target[1:].split("^")[0]
        return label or target

    shown = ENTITY.sub(entity, text)
    return shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _date(target: str, fallback: str, zone: ZoneInfo | None) -> str | None:
    """A date token as its reader sees it: Slack shows every reader the instant on their own
    clock. A fallback that names its zone ("..., 3:00 PM EST") was written for a channel's
    readers, so it is shown again on this reader's clock; one without a zone was already
    written in the reader's own (a DM), and stands."""
    epoch = target.split("^")[1] if target.count("^") >= 1 else ""
    if zone is None or not epoch.isdigit() or not _NAMES_ZONE.search(fallback):
        return None
    return format_when(datetime.fromtimestamp(int(epoch), UTC), zone)


_NAMES_ZONE = re.compile(r"(?:\b(?!AM$|PM$)[A-Z]{2,5}|[+-]\d{2,4})$")


def escape(text: str) -> str:
    """Escape what Slack escapes in user-typed text: `&`, `<` and `>`, nothing else."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def encode_typed(text: str, names: Workspace, *, with_labels: bool = False) -> str:
    """Typed text as Slack delivers it: escaped, with known @names and #channels as links.

    Messages carry `<@U123>`; slash commands with `should_escape` carry `<@U123|name>`.
    """
    return "".join(
        escape(part) if isinstance(part, str) else part.link(with_labels=with_labels)
        for part in typed_parts(text, names)
    )


@dataclass(frozen=True)
class Mention:
    """A typed @name, @handle, #channel or @here that Slack recognises."""

    kind: str  # "user", "usergroup", "channel" or "broadcast"
    target: str  # the user, group or channel id; for a broadcast, here|channel|everyone
    label: str  # the name Slack shows: user name, @handle or channel name

    def link(self, *, with_labels: bool = False) -> str:
        """The mrkdwn Slack sends for it (channels always carry their name)."""
        if self.kind == "channel":
            return f"<#{self.target}|{self.label}>"
        if self.kind == "broadcast":
            return f"<!{self.target}>"
        head = f"@{self.target}" if self.kind == "user" else f"!subteam^{self.target}"
        return f"<{head}|{self.label}>" if with_labels else f"<{head}>"


def typed_parts(text: str, names: Workspace) -> list[str | Mention]:
    """Typed text split into plain runs and the mentions Slack finds in it, in order.

    A name may be followed by punctuation (`@sam.nurse,`); the punctuation stays text.
    """
    parts: list[str | Mention] = []
    done = 0
    for match in TOKEN.finditer(text):
        sigil, word = match.group(1), match.group(2)
        for end in range(len(word), 0, -1):
            if word[end:] and not re.fullmatch(r"[.\-_]+", word[end:]):
                continue
            mention = _mention_for(sigil, word[:end], names)
            if mention is not None:
                parts += [text[done : match.start()], mention]
                done = match.start() + 1 + end
                break
    parts.append(text[done:])
    return [part for part in parts if part != ""]


def _mention_for(sigil: str, name: str, names: Workspace) -> Mention | None:
    if sigil == "#":
        channel = names.find_channel(name)
        if channel is None or channel.is_im:
            return None
        return Mention("channel", channel.id, channel.name)
    if name.lower() in SPECIAL_MENTIONS:
        return Mention("broadcast", name.lower(), name.lower())
    user = names.find_user(name)
    if user is not None and user.name.lower() == name.lower():
        return Mention("user", user.id, user.name)
    group = names.find_usergroup(name)
    if group is not None:
        return Mention("usergroup", group.id, "@" + group.handle)
    return None
