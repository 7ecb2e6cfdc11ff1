"""Patients as people type them: an existing ref ("P-4"), or a name with an optional MRN.

Every feature reads a patient the same way; QuickFormError is the one refusal for a typed
field that could not be read, and its text is the reply, with an example.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.shared.rules.mrkdwn import escape
from bot.shared.rules.refusals import Choice

MAX_NAME_CHARS = 120
MAX_MRN_CHARS = 20

_PATIENT_REF = re.compile(r"p-?0*(\d{1,9})", re.IGNORECASE)
_MRN = r"\bmrn(?![a-z])\s*[:#]?\s*(?P<mrn>[^\s()]+)"
_NAME_WITH_MRN = re.compile(rf"(?P<name>.*?)\s*\(?\s*{_MRN}\s*\)?", re.IGNORECASE)
MRN_ONLY = re.compile(_MRN, re.IGNORECASE)
MRN_WORD = re.compile(r"\bmrn(?![a-z])", re.IGNORECASE)
_MRN_EXAMPLE = "Example: Omar Haddad MRN 88123"
_MRN_ID = re.compile(rf"[A-Za-z0-9-]{{1,{MAX_MRN_CHARS}}}")
# Said after a name to mean another patient who shares it: "Jane Doe (new patient)".
NEW_PATIENT = "(new patient)"
_NEW = re.compile(r"\s*\(\s*new\s+patient\s*\)\s*$", re.IGNORECASE)


class QuickFormError(ValueError):
    """A quick booking that could not be read; str() is the reply, with an example."""


@dataclass(frozen=True)
class PatientSpec:
    """Who the visit is for: an existing ref ("P-4"), or a name with an optional MRN."""

    name: str | None
    mrn: str | None
    ref: str | None
    new: bool = False  # "(new patient)": not any patient on file who shares the name


def read_patient(field: str) -> PatientSpec:
    """The first field: "P-4", "Omar Haddad MRN 88123", "Omar Haddad (MRN 88123)" or a name,
    any of the names followed by "(new patient)" for someone not on file who shares it."""
    if (said_new := _NEW.search(field)) is not None:
        return _new_patient(field[: said_new.start()], field)
    if (ref := _PATIENT_REF.fullmatch(field)) is not None:
        return PatientSpec(name=None, mrn=None, ref=f"P-{int(ref[1])}")
    if (named := _NAME_WITH_MRN.fullmatch(field)) is not None:
        name = _check_name(named["name"]) if named["name"] else None
        return add_mrn(PatientSpec(name=name, mrn=None, ref=None), named["mrn"], field)
    if MRN_WORD.search(field):
        raise unreadable_mrn(field)
    return PatientSpec(name=_check_name(field), mrn=None, ref=None)


def _new_patient(before: str, field: str) -> PatientSpec:
    spec = read_patient(before.strip())
    if spec.ref is not None:
        raise QuickFormError(
            f"{spec.ref} is a patient on file, so leave out {NEW_PATIENT}; for someone new, "
            f"give their name: Jane Doe {NEW_PATIENT}"
        )
    if spec.name is None:
        raise QuickFormError(f'"{field}" needs the new patient\'s name. {_MRN_EXAMPLE}')
    return replace(spec, new=True)


def unreadable_mrn(field: str) -> QuickFormError:
    """The refusal for a field that names an MRN in a shape not understood."""
    return QuickFormError(
        f'I couldn\'t read the MRN in "{field}": put it after the name, as one word of '
        f"letters, digits or dashes. {_MRN_EXAMPLE}"
    )


def _check_name(name: str) -> str:
    """A patient name: some letters, at most MAX_NAME_CHARS."""
    if not any(c.isalpha() for c in name):
        raise QuickFormError(
            f'"{name}" doesn\'t look like a patient: give a name, a name with an MRN, '
            f"or a patient ref. {_MRN_EXAMPLE}, or P-4"
        )
    if len(name) > MAX_NAME_CHARS:
        raise QuickFormError(
            f"A patient name is at most {MAX_NAME_CHARS} characters; that one has "
            f"{len(name)}. {_MRN_EXAMPLE}"
        )
    return name


def add_mrn(patient: PatientSpec, mrn: str, field: str) -> PatientSpec:
    """The patient with an MRN, checked: 1 to 20 letters, digits or dashes, given once."""
    if patient.ref is not None:
        raise QuickFormError(
            f'{patient.ref} already names the patient, so leave "{field}" out. '
            f"Example: /appt book {patient.ref}, follow-up, tomorrow 3pm"
        )
    if patient.mrn is not None:
        raise QuickFormError(
            f'The MRN was given twice ("{patient.mrn}" and "{field}"). {_MRN_EXAMPLE}'
        )
    if not _MRN_ID.fullmatch(mrn):
        raise QuickFormError(
            f'"{mrn}" is not an MRN: use 1 to {MAX_MRN_CHARS} letters, digits or dashes. '
            f"{_MRN_EXAMPLE}"
        )
    return PatientSpec(name=patient.name, mrn=mrn, ref=None)


@dataclass(frozen=True)
class OnFile:
    """A patient on file the typist may have meant, with what tells them apart."""

    ref: str
    name: str
    mrn: str | None
    next_visit: datetime | None = None
    last_visit: datetime | None = None


def described(patient: OnFile, zone: ZoneInfo, *, named: bool) -> str:
    """ "P-1 (MRN 111, next visit Tue 2 Mar 2027)"; `named`, for a spelling other than the
    one typed: "Jane Doe (P-1, MRN 111, next visit Tue 2 Mar 2027)"."""
    facts = [f"MRN {patient.mrn}"] if patient.mrn else []
    if patient.next_visit is not None:
        facts.append(f"next visit {_day(patient.next_visit, zone)}")
    elif patient.last_visit is not None:
        facts.append(f"last visit {_day(patient.last_visit, zone)}")
    if named:
        return f"{patient.name} ({', '.join([patient.ref, *facts])})"
    return f"{patient.ref} ({', '.join(facts)})" if facts else patient.ref


def _day(at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y}"


def which_patient(
    name: str,
    candidates: Sequence[OnFile],
    zone: ZoneInfo,
    example: Callable[[str], str] | None,
    *,
    close: bool = False,
) -> str:
    """Asked back when a typed name is not one patient for sure: who it could be, and how to
    say which. `example(ref)` is the command with a ref for the name; None for a form's
    field, where the answer is typed in the field itself (and shown as plain text)."""
    shown = ", ".join(described(c, zone, named=close) for c in candidates)
    first = candidates[0].ref
    if close:
        *others, last = [described(c, zone, named=True) for c in candidates]
        either = f"{', '.join(others)} or {last}" if others else last
        head = f'No patient on file is called "{name}". Did you mean {either}?'
    elif len(candidates) == 1:
        head = f'"{name}" on file is {shown}.'
    else:
        head = f'Which "{name}"? On file: {shown}.'
    new = f"{name} {NEW_PATIENT}"
    someone = f'if "{name}" is someone new' if close else "for someone else of that name"
    if example is None:
        return f"{head} Type the ref, e.g. {first}, or {someone}: {new}"
    return (
        f"{head} Say which by its ref, e.g. `{example(first)}`, or {someone}: `{new}` "
        f"(a new patient's MRN works too, e.g. `{name} MRN 12345`)."
    )


def patient_choices(
    name: str, candidates: Sequence[OnFile], zone: ZoneInfo, *, close: bool = False
) -> tuple[Choice, ...]:
    """A button per patient who may be meant, and one for someone new of the typed name."""
    picks = tuple(
        Choice(button=c.ref, line=escape(described(c, zone, named=True)), typed=c.ref)
        for c in candidates
    )
    new = Choice(
        button="New patient",
        line=escape(f'Someone else: a new patient called "{name}"'),
        typed=f"{name} {NEW_PATIENT}",
    )
    return (*picks, new)


def mrn_of_another(name: str, mrn: str, owner: tuple[str, str]) -> str:
    """Refused: the MRN typed belongs to a patient of another name."""
    ref, owner_name = owner
    return (
        f'MRN {mrn} is {owner_name} ({ref}), not "{name}". Check the MRN, or give the patient '
        f"by ref, e.g. {ref}."
    )
