"""The rules of a handoff: I-PASS or SBAR sections, severity, who may acknowledge it.

A handoff closes the loop only when its receiver reads it back: acknowledging takes a
short synthesis, and only the named receiver (or a member of the named role) may give it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.shared.rules.refusals import Refused

MAX_SECTION_CHARS = 40_000  # what one Slack message can carry; longer text is trimmed on cards
MIN_SYNTHESIS_CHARS = 10
MAX_SYNTHESIS_CHARS = 2_000
QUICK_USAGE = "/handoff Jane Doe to @sam.nurse: stable overnight, recheck K+ at 6am"


class HandoffRefused(Refused):
    """A handoff that cannot be posted, edited or acknowledged as asked; the text says why."""


class Template(StrEnum):
    IPASS = "ipass"
    SBAR = "sbar"

    @property
    def label(self) -> str:
        return "I-PASS" if self is Template.IPASS else "SBAR"

    @property
    def sections(self) -> tuple[Section, ...]:
        return IPASS_SECTIONS if self is Template.IPASS else SBAR_SECTIONS

    @property
    def required(self) -> str:
        """The one section a handoff of this template cannot do without."""
        return self.sections[0].key


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    example: str


IPASS_SECTIONS = (
    Section("summary", "Patient summary", "72M, CHF exacerbation, diuresing well"),
    Section("situation", "Situation awareness & contingency", "If UOP < 30 ml/h, call cardiology"),
)
SBAR_SECTIONS = (
    Section("situation", "Situation", "BP 82/50, HR 118, new since 14:00"),
    Section("background", "Background", "Post-op day 1, CABG"),
    Section("assessment", "Assessment", "Likely hypovolemia; bleeding not excluded"),
    Section("recommendation", "Recommendation", "Please assess within 15 minutes"),
)
SECTION_KEYS = frozenset(s.key for s in IPASS_SECTIONS + SBAR_SECTIONS)


@dataclass(frozen=True)
class Receiver:
    """Who must acknowledge: a person, a role (a Slack user group), or anyone in the channel."""

    user_id: str | None = None
    group_id: str | None = None

    @property
    def anyone(self) -> bool:
        return self.user_id is None and self.group_id is None

    @property
    def mention(self) -> str:
        """<@U..>, <!subteam^S..> or an empty string for anyone."""
        if self.user_id:
            return f"<@{self.user_id}>"
        if self.group_id:
            return f"<!subteam^{self.group_id}>"
        return ""


def check_sections(template: Template, sections: dict[str, str]) -> dict[str, str]:
    """The sections of this template, stripped; refuses a missing first section or odd keys."""
    kept = {s.key: (sections.get(s.key) or "").strip() for s in template.sections}
    first = template.sections[0]
    if not kept[first.key]:
        raise HandoffRefused(f"A handoff needs its {first.title.lower()}. Example: {first.example}")
    for section in template.sections:
        if len(kept[section.key]) > MAX_SECTION_CHARS:
            raise HandoffRefused(
                f"The {section.title.lower()} is {len(kept[section.key]):,} characters; "
                f"a handoff holds up to {MAX_SECTION_CHARS:,} per section."
            )
    return {key: text for key, text in kept.items() if text}


def acknowledge_refusal(
    user_id: str, author_id: str, receiver: Receiver, in_role: bool
) -> str | None:
    """Why this user may not acknowledge, or None when they may.

    `in_role` says whether the user belongs to the receiver's user group (when it has one).
    """
    if receiver.user_id:
        if user_id == receiver.user_id:
            return None
        return (
            f"This handoff is addressed to <@{receiver.user_id}>, so only they can acknowledge "
            "it. If they are away, ask the author to edit the receiver."
        )
    if receiver.group_id:
        if user_id == author_id:
            return (
                f"You wrote this handoff, so another member of <!subteam^{receiver.group_id}> "
                "has to acknowledge it: that read-back is what closes the loop."
            )
        if in_role:
            return None
        return (
            f"This handoff is addressed to <!subteam^{receiver.group_id}>; only a member of "
            "that group can acknowledge it."
        )
    if user_id == author_id:
        return (
            "You wrote this handoff, so someone receiving it has to acknowledge it: that "
            "read-back is what closes the loop."
        )
    return None


def check_synthesis(text: str) -> str:
    """The receiver's read-back, trimmed; refuses one too short to be a read-back."""
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    if len(text) < MIN_SYNTHESIS_CHARS:
        raise HandoffRefused(
            "Please read the handoff back in a few words, e.g. "
            '"Watch UOP overnight, call cardiology if under 30 ml/h".'
        )
    if len(text) > MAX_SYNTHESIS_CHARS:
        raise HandoffRefused(
            f"A read-back is a short synthesis: at most {MAX_SYNTHESIS_CHARS:,} characters."
        )
    return text


_BREAK = re.compile(r"\n\s*\n|\n|(?<=[.!?])\s+|\s+")


def split_text(text: str, limit: int) -> list[str]:
    """Text cut into pieces of at most `limit` characters, at paragraph, line, sentence or word."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = 0
        for match in _BREAK.finditer(window):
            if match.start() > limit // 2:
                cut = match.start()
                if match.group(0).startswith("\n\n"):
                    break
        if cut == 0:  # one very long word: cut it, but not inside an &amp; entity
            amp = rest.rfind("&", limit - 5, limit)
            cut = amp if amp > 0 and ";" not in rest[amp:limit] else limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces
