"""The I-PASS action list: one item per line, with `@owner` and `by <time>` picked up.

Lines arrive as Slack-formatted text (`<@U123|sam>` for a mention), from a slash command
or from a modal's rich text. What was recognised is taken out of the item's text and
shown back on the card, so a misread owner or time is visible at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.handoffs.rules.handoff import HandoffRefused
from bot.shared.rules.mrkdwn import plain_slack_text
from bot.shared.rules.timeparse import TimeParseError, TimeParser

MAX_ITEMS = 20
MAX_ITEM_CHARS = 300
_BULLET = re.compile(r"^\s*(?:[-*•◦▪]|\d{1,2}[.)]|\[\s?\])\s*")
_OWNER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
# "@sam.nurse" typed as text (Slack completed no name): an owner to find, never dropped.
_TYPED_OWNER = re.compile(r"(?<![\w<&])@([A-Za-z][\w.\-]*[\w])")
_BY = re.compile(r"\bby\s+", re.IGNORECASE)
_MOST_TIME_WORDS = 6
END_OF_DAY = 17


@dataclass(frozen=True)
class ActionItem:
    """One thing to do: plain text as typed (owner and due time taken out), owner, due."""

    text: str
    owner: str | None = None
    due: datetime | None = None
    owner_typed: str | None = None  # "@sam" as text: found by name, or refused


def parse_actions(text: str, times: TimeParser, now: datetime, zone: ZoneInfo) -> list[ActionItem]:
    """The action list's lines as items; empty lines are skipped."""
    items = [
        _parse_line(line, times, now, zone)
        for line in text.splitlines()
        if _BULLET.sub("", line).strip()
    ]
    if len(items) > MAX_ITEMS:
        raise HandoffRefused(
            f"That action list has {len(items)} items; a handoff holds up to {MAX_ITEMS}. "
            "Group related steps on one line."
        )
    return items


def _parse_line(line: str, times: TimeParser, now: datetime, zone: ZoneInfo) -> ActionItem:
    line = _BULLET.sub("", line, count=1)
    owner = typed = None
    if (found := _OWNER.search(line)) is not None:
        owner = found.group(1)
        line = line[: found.start()] + line[found.end() :]
    elif (named := _TYPED_OWNER.search(line)) is not None:
        typed = "@" + named.group(1)
        line = line[: named.start()] + line[named.end() :]
    line, due = _take_due(line, times, now, zone)
    words = " ".join(plain_slack_text(line).split()).strip(" ,;:-\u2013\u2014")
    if not words:
        words = "(no description)"
    if len(words) > MAX_ITEM_CHARS:
        raise HandoffRefused(
            f"An action item is at most {MAX_ITEM_CHARS} characters; one has {len(words)}. "
            "Keep items short and put detail in the summary."
        )
    return ActionItem(words, owner, due, typed)


def _take_due(
    line: str, times: TimeParser, now: datetime, zone: ZoneInfo
) -> tuple[str, datetime | None]:
    """The line without its "by <time>" and that time, trying the longest reading first."""
    if (exact := _EXACT.search(line)) is not None:
        # The edit form writes due times this way; one already past must read back as it was.
        try:
            due = datetime.strptime(exact.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=zone)
        except ValueError:
            pass
        else:
            return f"{line[: exact.start()]} {line[exact.end() :]}", due
    for by in reversed(list(_BY.finditer(line))):
        words = line[by.end() :].split()
        for count in range(min(len(words), _MOST_TIME_WORDS), 0, -1):
            candidate = " ".join(words[:count]).rstrip(",;.")
            if not any(c.isdigit() for c in candidate) and not _TIME_WORD.search(candidate):
                continue
            try:
                parsed = times.parse(candidate, now, zone)
            except TimeParseError:
                continue
            rest = " ".join(words[count:])
            # "by Friday" means by the end of Friday's working day, not its first minute.
            due = parsed.at if parsed.has_time else parsed.at.replace(hour=END_OF_DAY, minute=0)
            return f"{line[: by.start()]} {rest}", due
    return line, None


_EXACT = re.compile(r"\bby\s+(\d{4}-\d{2}-\d{2} \d{2}:\d{2})(?![\d:])", re.IGNORECASE)
_TIME_WORD = re.compile(
    r"\b(?:today|tonight|tomorrow|noon|midnight|morning|afternoon|evening|"
    r"mon|tue|wed|thu|fri|sat|sun)",
    re.IGNORECASE,
)
