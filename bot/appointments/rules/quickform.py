"""The quick booking form: /appt book <patient>, <kind>, <when>[, <duration>][, with @x][, at y].

Fields after the patient come in any order and are told apart by shape, in this order:
"with ..." is the clinician; "at ..." is the location unless the time parser reads the
whole field ("at 3pm"); a duration ("45 min") next, since the time parser would read
"45 min" as 45 minutes from now; then anything the time parser reads is the when; an
"MRN 88123" field belongs to the patient; the rest is the kind. The time parser refuses
what it reads only in part, so places such as "at Clinic 3" or "at 4 West" stay places.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from bot.appointments.rules.appointment import KINDS, OTHER, KindChoice
from bot.appointments.rules.kinds import STANDARD, Vocabulary, read_kind
from bot.appointments.rules.recurrence import is_count, looks_like_repeat
from bot.shared.rules.durations import parse_duration
from bot.shared.rules.mrkdwn import extract_user_ids, plain_slack_text
from bot.shared.rules.patients import (
    MRN_ONLY,
    MRN_WORD,
    PatientSpec,
    QuickFormError,
    add_mrn,
    read_patient,
    unreadable_mrn,
)
from bot.shared.rules.timeparse import EXAMPLES

USAGE = "/appt book Jane Doe, MRI, tomorrow 3pm, 45 min, with @dr.patel, at Radiology 2"
SERIES_USAGE = "/appt book Ana Lima, physio, every tuesday and thursday 10am for 6 weeks"
# Eight fields at most (patient, MRN, kind, when or repeat, a count of visits, duration,
# clinician, location); a longer text is refused before any field reaches the time parser.
MAX_TEXT_CHARS = 1000
MAX_FIELDS = 8
MAX_LOCATION_CHARS = 80
MAX_CLINICIAN_CHARS = 80

# Commas inside a Slack token (<...>) do not split fields.
# Commas part the fields (not inside <...>), and so does "with" before a mention, which
# people type without a comma: "next monday 8am with @dr.patel".
_FIELD_SPLIT = re.compile(r",(?![^<>]*>)|\s+(?=with\s+<@)", re.IGNORECASE)
# "MRN" as a word of its own, so "Amrnold" is a name, not "A" with MRN "old".
_CLINICIAN = re.compile(r"with(?:\s+(?P<who>.*))?", re.IGNORECASE | re.DOTALL)
_LOCATION = re.compile(r"at(?:\s+(?P<where>.*))?", re.IGNORECASE)
_PARTS = ("kind", "when", "duration", "clinician", "location", "repeat", "count")
# A series' start or end typed as a part of its own: ", for 6 weeks", ", until 2027-06-30".
_REPEAT_PART = re.compile(
    r"(?:for\s+\S+\s+(?:weeks?|days?|months?|visits?|sessions?)"
    r"|(?:until|till|from|starting|beginning)\s+\S.*)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class QuickBooking:
    """The parts of a quick booking, read but not yet checked against the calendar."""

    patient: PatientSpec
    kind: KindChoice
    when: str
    duration: timedelta | None
    clinician: str | None  # a Slack user id, when the clinician was a mention
    clinician_typed: str | None  # what followed "with" when it was not a mention
    location: str | None
    repeat: str | None = None  # a series: "every tuesday 10am for 6 weeks" (when is then "")
    repeat_count: str | None = None  # its count, typed as a field of its own: "8 times"


def parse_quick_booking(
    text: str,
    is_time: Callable[[str], bool],
    kinds: Mapping[str, timedelta] = KINDS,
    vocabulary: Vocabulary = STANDARD,
) -> QuickBooking:
    """Read the text after "/appt book" as Slack sends it; raise QuickFormError, or
    DurationError for a length no visit can have; either's text is the reply."""
    if not text.strip():
        raise QuickFormError(f"Tell me who, what and when. Example: {USAGE}")
    if len(text) > MAX_TEXT_CHARS:
        raise QuickFormError(
            f"That is too long for a quick booking ({len(text):,} characters; at most "
            f"{MAX_TEXT_CHARS:,}). Put notes in the form (/appt with no text). Example: {USAGE}"
        )
    first, *rest = (field.strip() for field in _FIELD_SPLIT.split(text))
    raw_fields = [field for field in rest if field]
    if len(raw_fields) >= MAX_FIELDS:
        raise QuickFormError(
            f"That has {len(raw_fields) + 1} parts; a booking has at most {MAX_FIELDS}. Commas "
            f"separate the parts, so leave them out of names and places. Example: {USAGE}"
        )
    if not first:
        raise QuickFormError(f"Start with the patient. Example: {USAGE}")
    patient_field = _plain(first)
    patient = read_patient(patient_field)
    found: dict[str, list[str]] = {part: [] for part in _PARTS}
    durations: list[timedelta] = []
    clinicians: list[tuple[str | None, str | None]] = []
    repeat_parts: list[str] = []
    for raw in raw_fields:
        field = _plain(raw)
        if (with_match := _CLINICIAN.fullmatch(raw)) is not None:
            clinicians.append(_read_clinician(with_match["who"] or "", field))
            found["clinician"].append(field)
        elif looks_like_repeat(field):
            found["repeat"].append(field)
        elif _REPEAT_PART.fullmatch(field):
            repeat_parts.append(field)
        elif is_count(field):
            found["count"].append(field)
        elif (at_match := _LOCATION.fullmatch(field)) is not None and not is_time(field):
            found["location"].append(_read_location(at_match["where"] or ""))
        elif (length := parse_duration(field)) is not None:
            durations.append(length)
            found["duration"].append(field)
        elif (mrn := MRN_ONLY.fullmatch(field)) is not None:
            patient = add_mrn(patient, mrn["mrn"], field)
        elif MRN_WORD.search(field):
            raise unreadable_mrn(field)
        elif at_match is not None or is_time(field):
            found["when"].append(field)
        elif not any(c.isalpha() for c in field):
            raise QuickFormError(
                f'I couldn\'t tell what "{field}" is: not a kind, a date or time, or a '
                f"duration (a duration needs a unit, as in 45 min). Example: {USAGE}"
            )
        else:
            found["kind"].append(field)
    if repeat_parts and not found["repeat"]:
        raise QuickFormError(
            f'"{repeat_parts[0]}" says when a series starts or ends, but nothing says how it '
            f"repeats. Example: {SERIES_USAGE}"
        )
    if repeat_parts and len(found["repeat"]) == 1:  # "every tue 10am, for 6 weeks": one repeat
        found["repeat"] = [" ".join([found["repeat"][0], *repeat_parts])]
    _check_parts(found, first=patient_field, kinds=kinds)
    clinician, clinician_typed = clinicians[0] if clinicians else (None, None)
    return QuickBooking(
        patient=patient,
        kind=_read_kind(found["kind"][0], kinds, vocabulary),
        when=found["when"][0] if found["when"] else "",
        duration=durations[0] if durations else None,
        clinician=clinician,
        clinician_typed=clinician_typed,
        location=found["location"][0] if found["location"] else None,
        repeat=found["repeat"][0] if found["repeat"] else None,
        repeat_count=found["count"][0] if found["count"] else None,
    )


def _plain(raw: str) -> str:
    """A field as plain text for storage: tokens read back, entities unescaped, spaces collapsed."""
    return " ".join(plain_slack_text(raw).split())


def _read_clinician(who: str, field: str) -> tuple[str | None, str | None]:
    """(user id, None) for one Slack mention; (None, what was typed) for anything else."""
    typed = field[len("with") :].strip()
    if not typed:
        raise QuickFormError(f'Name the clinician after "with". Example: {USAGE}')
    user_ids = extract_user_ids(who)
    mention = who.strip()
    # Exactly one <@U...> token and nothing else: a real mention of one person.
    alone = mention.startswith("<@") and mention.endswith(">") and mention.count("<") == 1
    if alone and len(user_ids) == 1:
        return user_ids[0], None
    if user_ids:
        raise QuickFormError(
            f'I can book one clinician per visit, named on its own: "{field}" has more. '
            "Example: with @dr.patel"
        )
    if len(typed) > MAX_CLINICIAN_CHARS:
        raise QuickFormError(
            f"A clinician's name is at most {MAX_CLINICIAN_CHARS} characters; that one has "
            f"{len(typed)}. Example: with @dr.patel"
        )
    return None, typed


def _read_location(where: str) -> str:
    """A place such as "Radiology 2": 1 to MAX_LOCATION_CHARS characters."""
    if not where:
        raise QuickFormError(f'Name the place after "at". Example: {USAGE}')
    if len(where) > MAX_LOCATION_CHARS:
        raise QuickFormError(
            f"A location is at most {MAX_LOCATION_CHARS} characters; that one has "
            f"{len(where)}. Example: at Radiology 2"
        )
    return where


def _read_kind(field: str, kinds: Mapping[str, timedelta], vocabulary: Vocabulary) -> KindChoice:
    """read_kind, its refusals as QuickFormError."""
    try:
        return read_kind(field, kinds, vocabulary)
    except ValueError as refused:
        raise QuickFormError(str(refused)) from None


def _check_parts(found: dict[str, list[str]], first: str, kinds: Mapping[str, timedelta]) -> None:
    """Refuse a part given twice or missing, saying which."""
    if len(found["kind"]) > 1 and not found["when"]:
        tried = " or ".join(f'"{field}"' for field in found["kind"])
        raise QuickFormError(
            f"I couldn't read {tried} as a date or time, so I can't tell when. {EXAMPLES} "
            f"Example: {USAGE}"
        )
    if found["repeat"] and found["when"]:
        raise QuickFormError(
            f'"{found["when"][0]}" and "{found["repeat"][0]}" both say when; a series says its '
            f"time in the repeat. Example: {SERIES_USAGE}"
        )
    if found["count"] and not found["repeat"]:
        raise QuickFormError(
            f'"{found["count"][0]}" counts visits, but nothing says how they repeat. '
            f"Example: /appt book Ana Lima, wound check, weekly on fridays 2pm, 4 times"
        )
    for part, fields in found.items():
        if len(fields) > 1:
            given = " and ".join(f'"{field}"' for field in fields)
            raise QuickFormError(
                f"The {part} was given twice ({given}); a booking has one. Commas separate "
                f"the parts, so leave them out of names and places. Example: {USAGE}"
            )
    wanted = ("kind",) if found["repeat"] else ("kind", "when")
    missing = [f"the {part}" for part in wanted if not found[part]]
    if not missing:
        return
    problem = f"Missing {' and '.join(missing)}."
    if not found["kind"] and _reads_as_kind(first, kinds):
        problem += f' The patient comes first, and "{first}" is a kind of visit.'
    if not found["when"]:
        problem += f" {EXAMPLES}"
    raise QuickFormError(f"{problem} Example: {USAGE}")


def _reads_as_kind(field: str, kinds: Mapping[str, timedelta]) -> bool:
    """Whether the patient field is really a kind, as when the patient was left out."""
    try:
        return read_kind(field, kinds).kind != OTHER
    except ValueError:
        return False
