"""Reading the kind of a visit from the words a coordinator types.

The kind drives how long a visit is booked for, what it clashes over and whether it gets
a pre-procedure checklist, so it is read, never guessed: the words of each kind come from
clinical usage ("knee arthroscopy" is surgery, "MRI brain" imaging, "cardiac cath" a
procedure, "ECG" a lab test), the words typed are kept as the visit's title, and words
that name no kind, or name two ("CT-guided biopsy"), are said to be unsure so the
preview can ask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from bot.appointments.rules.appointment import (
    KIND_EXAMPLE,
    KINDS,
    MAX_LABEL_CHARS,
    OTHER,
    KindChoice,
)

_LONGEST_PHRASE = 3  # words

# Words that name a kind wherever they appear in what was typed.
WORDS: Mapping[str, tuple[str, ...]] = {
    "surgery": (
        "surgery", "surgical", "operation", "arthroplasty", "replacement", "arthroscopy",
        "laparoscopy", "laparoscopic", "appendectomy", "cholecystectomy", "hernia repair",
        "bypass", "cabg", "resection", "excision", "orif", "fusion", "mastectomy", "lumpectomy",
        "hysterectomy", "c-section", "caesarean", "cesarean", "transplant", "amputation",
        "craniotomy", "tonsillectomy", "prostatectomy", "nephrectomy", "thyroidectomy",
        "reconstruction", "discectomy", "laminectomy", "cataract", "bariatric", "debridement",
    ),
    "imaging": (
        "imaging", "mri", "mra", "ct", "cta", "ct scan", "cat scan", "x-ray", "radiograph",
        "ultrasound", "sonogram", "sonography", "echo", "echocardiogram", "mammogram",
        "mammography", "pet", "pet-ct", "dexa", "dxa", "bone scan", "fluoroscopy", "doppler",
    ),
    "procedure": (
        "procedure", "biopsy", "endoscopy", "colonoscopy", "gastroscopy", "egd", "bronchoscopy",
        "cystoscopy", "sigmoidoscopy", "ercp", "cath", "catheterization", "catheterisation",
        "angiogram", "angiography", "angioplasty", "stent", "pci", "lumbar puncture",
        "paracentesis", "thoracentesis", "epidural", "nerve block", "cardioversion", "ablation",
        "pacemaker", "tee", "stress test", "joint injection", "steroid injection", "eeg",
    ),
    "lab": (
        "lab", "labs", "blood work", "bloodwork", "blood draw", "blood test", "phlebotomy",
        "ecg", "ekg", "holter", "urinalysis", "inr", "cbc", "a1c", "spirometry",
    ),
    "infusion": (
        "infusion", "chemo", "chemotherapy", "transfusion", "immunotherapy", "ivig",
        "iv antibiotics",
    ),
    "therapy": (
        "therapy", "physiotherapy", "physical therapy", "occupational therapy", "speech therapy",
        "rehab", "rehabilitation", "counseling", "counselling", "psychotherapy",
    ),
    "consult": (
        "consult", "consultation", "new patient", "initial visit", "second opinion", "pre-op",
        "preop", "pre-operative",
    ),
    "follow-up": (
        "follow-up", "f/u", "post-op", "postop", "post-operative", "wound check",
        "suture removal", "check-up", "checkup",
    ),
}  # fmt: skip
# Short or common words that name a kind only when they are all that was typed ("op" is
# surgery; "post-op check" is not).
ALONE: Mapping[str, tuple[str, ...]] = {
    "surgery": ("op",),
    "therapy": ("pt", "ot", "physio"),
    "infusion": ("iv",),
    "follow-up": ("review",),
    "imaging": ("scan",),
}
# Word endings of clinical usage, read only when no word of a kind was found.
ENDINGS = (
    ("ectomy", "surgery"),
    ("plasty", "surgery"),
    ("otomy", "surgery"),
    ("oscopy", "procedure"),
)


@lru_cache(maxsize=4096)  # the vocabulary's words are keyed again on every booking
def _key(text: str) -> str:
    """What is compared: lower case, no spaces, dashes, slashes or dots ("F/U" -> "fu")."""
    return re.sub(r"[\s\-/.]+", "", text.lower())


@dataclass(frozen=True)
class Vocabulary:
    """Which words name which kind: the standard ones, and a deployment's additions."""

    words: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(WORDS))
    alone: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(ALONE))

    def adding(self, extra: Mapping[str, Iterable[str]]) -> Vocabulary:
        """This vocabulary with more words for some kinds (CAREBOT_VISIT_WORDS)."""
        words = {kind: tuple(found) for kind, found in self.words.items()}
        for kind, more in extra.items():
            words[kind] = (*words.get(kind, ()), *more)
        return Vocabulary(words, self.alone)

    def kinds_in(self, text: str, kinds: Iterable[str]) -> list[str]:
        """Every kind (of those booked here) whose words appear in `text`."""
        keys = set(_windows(text))
        known = list(kinds)
        found = [
            kind
            for kind in known
            if kind != OTHER and any(_key(w) in keys for w in (kind, *self.words.get(kind, ())))
        ]
        if found:
            return found
        tokens = _tokens(text)
        return [
            kind
            for ending, kind in ENDINGS
            if kind in known and any(t.endswith(ending) and t != ending for t in tokens)
        ]

    def alone_kind(self, text: str) -> str | None:
        key = _key(text)
        return next((k for k, words in self.alone.items() if key in map(_key, words)), None)


STANDARD = Vocabulary()


def read_kind(
    text: str, kinds: Mapping[str, timedelta] = KINDS, vocabulary: Vocabulary = STANDARD
) -> KindChoice:
    """Read the kind of a visit as typed; refuses (ValueError) only what cannot be a title."""
    words = " ".join(text.split())
    if not words:
        raise ValueError(f"I need the kind of visit, and got nothing. {KIND_EXAMPLE}")
    key = _key(words)
    named = next((kind for kind in kinds if _key(kind) == key), None)
    if named is not None:
        return KindChoice(kind=named, label=named)
    if not any(c.isalpha() for c in words):
        raise ValueError(f'"{words}" is not a kind of visit. {KIND_EXAMPLE}')
    if len(words) > MAX_LABEL_CHARS:
        raise ValueError(
            f"A kind of visit is at most {MAX_LABEL_CHARS} characters; "
            f"that one has {len(words)}. {KIND_EXAMPLE}"
        )
    alone = vocabulary.alone_kind(words)
    found = [alone] if alone is not None and alone in kinds else vocabulary.kinds_in(words, kinds)
    if len(found) == 1:
        return KindChoice(kind=found[0], label=words)
    if OTHER not in kinds:
        raise ValueError(f'"{words}" is not one of the kinds here: {", ".join(kinds)}.')
    return KindChoice(kind=OTHER, label=words, unsure=True, candidates=tuple(found))


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _windows(text: str) -> Iterator[str]:
    """The keys of every run of one to three words in `text` ("post-op", "cardiac cath")."""
    tokens = _tokens(text)
    for size in range(1, _LONGEST_PHRASE + 1):
        for start in range(len(tokens) - size + 1):
            yield "".join(tokens[start : start + size])
