"""The one refusal type: what someone asked for is not done, and the text says why, politely.

Features refine it (a handoff refused, a visit refused); one helper in handlers turns any of
them into the reply the person sees, whichever way they asked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


class Refused(ValueError):
    """A request carebot will not carry out; str() is the whole reply, with what to do instead."""


@dataclass(frozen=True)
class Choice:
    """One answer to a question asked back: clicking it re-runs the request as if the
    person had typed `typed` where they typed the question's `asked`."""

    button: str  # the button's words, plain text
    line: str  # mrkdwn shown beside the button
    typed: str


class AskedBack(Refused):
    """A refusal that asks which one was meant; str() is the whole question as text, with
    how to type the answer. A command's reply adds a button per choice."""

    def __init__(
        self, text: str, asked: str, choices: Sequence[Choice], *, last: bool = False
    ) -> None:
        super().__init__(text)
        self.asked = asked
        self.choices = tuple(choices)
        self.last = last  # `asked` is the last of its kind typed (a person after the patient)


def answered(text: str, asked: str, typed: str, *, last: bool = False) -> str | None:
    """`text` with its first (or `last`) `asked`, as a whole word however spaced, replaced by
    `typed`; None when `asked` is not in it."""
    words = asked.split()
    if not words:
        return None
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(word) for word in words) + r"(?!\w)"
    found = list(re.finditer(pattern, text))
    if not found:
        return None
    chosen = found[-1] if last else found[0]
    return text[: chosen.start()] + typed + text[chosen.end() :]
