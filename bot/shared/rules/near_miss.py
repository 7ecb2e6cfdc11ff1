"""A mistyped word, matched to what it was surely meant to be: "boook" is "book".

Only a close, single match is offered, as a question ("did you mean"), never acted on.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

CUTOFF = 0.75  # "boook"/"book" 0.89, "lsit"/"list" 0.75; "bill"/"book" 0.25


def meant(typed: str, words: Iterable[str]) -> str | None:
    """The one known word `typed` is a near miss of, if there is exactly one."""
    word = typed.strip().lower()
    known = sorted(set(words))
    if not word or word in known:
        return None
    found = difflib.get_close_matches(word, known, n=2, cutoff=CUTOFF)
    if len(found) == 2 and difflib.SequenceMatcher(None, word, found[1]).ratio() >= (
        difflib.SequenceMatcher(None, word, found[0]).ratio()
    ):
        return None  # two equally close: asking which would be a guess
    return found[0] if found else None
