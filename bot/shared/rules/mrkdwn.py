"""Slack mrkdwn: escaping what users typed, building tokens, reading them back."""

from __future__ import annotations

import re
from datetime import datetime

ELLIPSIS = "…"

_USER_ID = re.compile(r"[UWB][A-Z0-9]{2,}")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")
_TOKEN = re.compile(r"<([^<>]*)>")
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_ENTITY = re.compile(r"&(?:amp|lt|gt);")
_UNESCAPED = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}
_BROADCASTS = frozenset({"here", "channel", "everyone"})


def escape(text: str) -> str:
    """Make raw user text inert in mrkdwn: only &, < and > change.

    Apply it exactly once, to text as the user typed it: "&amp;" becomes "&amp;amp;",
    which is right, because the user typed those five characters.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoted(typed: str, limit: int = 40) -> str:
    """Slack-formatted text someone typed, shown back in a reply: read as plain text,
    cut to `limit` characters and escaped once, so it neither pings nor overflows."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    plain = " ".join(plain_slack_text(typed).split())
    if len(plain) > limit:
        plain = plain[: limit - len(ELLIPSIS)] + ELLIPSIS
    return escape(plain)


def mention(user_id: str) -> str:
    """<@U123>: a mention that notifies the user."""
    if not _USER_ID.fullmatch(user_id):
        raise ValueError(f"not a Slack user id: {user_id!r} (expected e.g. U0123ABCD)")
    return f"<@{user_id}>"


def channel_link(channel_id: str) -> str:
    """<#C123>: a link to a channel, shown with its current name."""
    if not _CHANNEL_ID.fullmatch(channel_id):
        raise ValueError(f"not a Slack channel id: {channel_id!r} (expected e.g. C0123ABCD)")
    return f"<#{channel_id}>"


def date_token(at: datetime, fallback: str) -> str:
    """A date Slack shows in each reader's own zone; fallback is plain text for old clients."""
    if at.utcoffset() is None:
        raise ValueError("date_token needs a timezone-aware datetime")
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{escape(fallback)}>"


def truncate(text: str, limit: int) -> str:
    """Cut mrkdwn to at most limit characters, ending in "…", never inside &amp; or <...>."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:] and _ENTITY.match(text, amp):
        cut = cut[:amp]
    bracket = cut.rfind("<")
    if bracket != -1 and ">" not in cut[bracket:]:
        cut = cut[:bracket]
    return cut.rstrip() + ELLIPSIS


def plain_slack_text(text: str) -> str:
    """Slash-command text (should_escape=true) as plain readable text for storage."""
    return _unescape(_TOKEN.sub(_plain_token, text))


def extract_user_ids(text: str) -> list[str]:
    """The user ids mentioned in Slack-formatted text, first mention first, no repeats."""
    return list(dict.fromkeys(_USER_MENTION.findall(text)))


def _plain_token(match: re.Match[str]) -> str:
    """One <...> token as readable text; labels stay escaped until the final pass."""
    target, _, label = match.group(1).partition("|")
    if target.startswith("@"):
        return f"@{label}" if label else target
    if target.startswith("#"):
        return f"#{label}" if label else target
    if target.startswith("!"):
        command = target[1:].split("^", 1)[0]
        if command in _BROADCASTS:
            return f"@{command}"
        return label or target
    bare = target.removeprefix("mailto:")
    if not label or label in (target, bare, re.sub(r"^[a-z]+://", "", target)):
        return bare
    return f"{label} ({target})"


def _unescape(text: str) -> str:
    """&amp; &lt; &gt; back to characters, in one pass so "&amp;lt;" stays "&lt;"."""
    return _ENTITY.sub(lambda m: _UNESCAPED[m.group(0)], text)
