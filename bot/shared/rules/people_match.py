"""Who a typed name means, decided over plain values: one person (or role) for sure, or a
refusal that names the closest matches and how to say it so Slack completes the name.

A name typed without a mention ("sam.nurse", "Sam Nurse", a mistyped "@sam") is matched
against handles, display names and real names, ignoring case, spaces and a leading "@". It
is taken only when exactly one person (or user group, by handle) answers to it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.shared.rules.mrkdwn import escape
from bot.shared.rules.refusals import AskedBack, Choice

CLOSE = 0.72
SHOWN = 3


@dataclass(frozen=True)
class Known:
    """A person or a user group, by the names people type for them."""

    id: str  # U… for a person, S… for a user group
    handle: str  # sam.nurse, or the group's handle
    names: tuple[str, ...] = ()  # display name, real name

    @property
    def mention(self) -> str:
        return f"<!subteam^{self.id}>" if self.id.startswith("S") else f"<@{self.id}>"

    def shown(self) -> str:
        """For a refusal's list of candidates: "@sam.nurse (Sam Nurse)", as plain text,
        which pings nobody and reads the same wherever the refusal is escaped."""
        real = next((n for n in self.names if _key(n) != _key(self.handle)), "")
        return f"@{self.handle}" + (f" ({real})" if real else "")


class NobodyByThatName(AskedBack):
    """The typed name is no one for sure: none, or several, answer to it. str() is mrkdwn;
    a choice per candidate puts their mention where the name was typed."""

    def __init__(self, text: str, typed: str, candidates: Sequence[Known] = ()) -> None:
        choices = [
            Choice(button=f"@{k.handle}"[:75], line=escape(k.shown()), typed=k.mention)
            for k in candidates
        ]
        super().__init__(escape(text), typed.strip(), choices, last=True)


def who(typed: str, known: Iterable[Known], *, what: str, example: str) -> Known:
    """The one person or group `typed` names; else NobodyByThatName with the closest ones.

    `what` names the role in the refusal ("receiver"); `example` shows the way that works,
    with a placeholder `{mention}` for the closest candidate's handle.
    """
    wanted = _key(typed)
    everyone = list(known)
    exact = [k for k in everyone if wanted in _keys(k)]
    if len(exact) == 1:
        return exact[0]
    shown = typed.strip()
    if len(exact) > 1:
        listed = ", ".join(k.shown() for k in exact[:SHOWN])
        raise NobodyByThatName(
            f'Several people answer to "{shown}": {listed}. Mention the {what} you mean so '
            f"Slack completes the name, e.g. {example.format(mention='@' + exact[0].handle)}",
            typed,
            exact[:SHOWN],
        )
    close = _closest(wanted, everyone)
    if close:
        listed = ", ".join(k.shown() for k in close)
        raise NobodyByThatName(
            f'I couldn\'t find "{shown}" in this workspace. Closest: {listed}. Mention the '
            f"{what} so Slack completes the name, e.g. "
            f"{example.format(mention='@' + close[0].handle)}",
            typed,
            close,
        )
    raise NobodyByThatName(
        f'I couldn\'t find "{shown}" in this workspace. Mention the {what} so Slack completes '
        f"the name, e.g. {example.format(mention='@name')}",
        typed,
    )


def _closest(wanted: str, everyone: Sequence[Known]) -> list[Known]:
    scored = sorted(
        ((max(_ratio(wanted, key) for key in _keys(k)), k) for k in everyone),
        key=lambda pair: -pair[0],
    )
    return [k for score, k in scored if score >= CLOSE][:SHOWN]


def _ratio(a: str, b: str) -> float:
    if a and b and (b.startswith(a) or a.startswith(b)):
        return max(0.8, difflib.SequenceMatcher(None, a, b).ratio())
    return difflib.SequenceMatcher(None, a, b).ratio()


def _keys(known: Known) -> set[str]:
    keys = {_key(known.handle), *(_key(n) for n in known.names)}
    keys.discard("")
    return keys


def _key(text: str) -> str:
    """Compared as: lower case, no leading @, spaces and dots and dashes alike."""
    return re.sub(r"[\s._\-]+", " ", text.strip().lstrip("@").casefold()).strip()
