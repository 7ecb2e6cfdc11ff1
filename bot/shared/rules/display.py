"""How much of a patient's name a workspace shows: full, initials or the short ref only."""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from functools import lru_cache

from bot.shared.rules.mrkdwn import escape


class PatientDisplay(StrEnum):
    """The workspace's patient display policy."""

    FULL = "full"
    INITIALS = "initials"
    ID = "id"

    @classmethod
    def parse(cls, value: str) -> PatientDisplay:
        """Read a policy as an admin typed it; the error lists the allowed values."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            allowed = ", ".join(policy.value for policy in cls)
            raise ValueError(
                f"Unknown patient display {value!r}: use one of {allowed} (e.g. initials)."
            ) from None


@lru_cache(maxsize=4096)  # a list shows the same patients again and again
def patient_label(policy: PatientDisplay, ref: str, name: str) -> str:
    """The patient as mrkdwn-safe text: "Jane Doe (P-4)", "J.D. (P-4)" or "P-4"."""
    safe_ref = escape(ref)
    if policy == PatientDisplay.ID:
        return safe_ref
    shown = " ".join(name.split()) if policy == PatientDisplay.FULL else initials(name)
    return f"{escape(shown)} ({safe_ref})" if shown else safe_ref


def initials(name: str) -> str:
    """First and last name initials: "Mary-Ann O'Neil" -> "M.O."; one-word names give one."""
    # NFC so a letter typed with a combining accent stays one letter ("É", not "E").
    letters = [_first_letter(word) for word in unicodedata.normalize("NFC", name).split()]
    found = [letter for letter in letters if letter]
    if len(found) > 2:
        found = [found[0], found[-1]]
    return "".join(f"{letter}." for letter in found)


def _first_letter(word: str) -> str:
    """The word's first letter, upper-cased; "" when it has none."""
    return next((c.upper() for c in word if c.isalpha()), "")
