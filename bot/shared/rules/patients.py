"""Patients as people type them: an existing ref ("P-4"), or a name with an optional MRN.

Every feature reads a patient the same way; QuickFormError is the one refusal for a typed
field that could not be read, and its text is the reply, with an example.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MAX_NAME_CHARS = 120
MAX_MRN_CHARS = 20

_PATIENT_REF = re.compile(r"p-?0*(\d{1,9})", re.IGNORECASE)
_MRN = r"\bmrn(?![a-z])\s*[:#]?\s*(?P<mrn>[^\s()]+)"
_NAME_WITH_MRN = re.compile(rf"(?P<name>.*?)\s*\(?\s*{_MRN}\s*\)?", re.IGNORECASE)
MRN_ONLY = re.compile(_MRN, re.IGNORECASE)
MRN_WORD = re.compile(r"\bmrn(?![a-z])", re.IGNORECASE)
_MRN_EXAMPLE = "Example: Omar Haddad MRN 88123"
_MRN_ID = re.compile(rf"[A-Za-z0-9-]{{1,{MAX_MRN_CHARS}}}")


class QuickFormError(ValueError):
    """A quick booking that could not be read; str() is the reply, with an example."""


@dataclass(frozen=True)
class PatientSpec:
    """Who the visit is for: an existing ref ("P-4"), or a name with an optional MRN."""

    name: str | None
    mrn: str | None
    ref: str | None


def read_patient(field: str) -> PatientSpec:
    """The first field: "P-4", "Omar Haddad MRN 88123", "Omar Haddad (MRN 88123)" or a name."""
    if (ref := _PATIENT_REF.fullmatch(field)) is not None:
        return PatientSpec(name=None, mrn=None, ref=f"P-{int(ref[1])}")
    if (named := _NAME_WITH_MRN.fullmatch(field)) is not None:
        name = _check_name(named["name"]) if named["name"] else None
        return add_mrn(PatientSpec(name=name, mrn=None, ref=None), named["mrn"], field)
    if MRN_WORD.search(field):
        raise unreadable_mrn(field)
    return PatientSpec(name=_check_name(field), mrn=None, ref=None)


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


def which_patient(
    name: str, candidates: Sequence[tuple[str, str | None]], example: Callable[[str], str]
) -> str:
    """Asked back when a typed name is not one patient for sure: who it could be, and how to
    say which (`example(ref)` shows the command with a ref in place of the name)."""
    shown = ", ".join(f"{ref} (MRN {mrn})" if mrn else ref for ref, mrn in candidates)
    first = candidates[0][0]
    if len(candidates) == 1:
        head = f'"{name}" on file is {shown}.'
    else:
        head = f'Which "{name}"? On file: {shown}.'
    return (
        f"{head} Say which by its ref, e.g. `{example(first)}`, or give the MRN of a new "
        f"patient, e.g. `{name} MRN 12345`."
    )


def mrn_of_another(name: str, mrn: str, owner: tuple[str, str]) -> str:
    """Refused: the MRN typed belongs to a patient of another name."""
    ref, owner_name = owner
    return (
        f'MRN {mrn} is {owner_name} ({ref}), not "{name}". Check the MRN, or give the patient '
        f"by ref, e.g. {ref}."
    )
