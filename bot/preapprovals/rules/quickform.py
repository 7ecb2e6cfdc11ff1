"""The quick form: /preauth new <patient>, <payer>, <service>[, for A-n|S-n][, owner @x][, ...].

The first three fields are the patient, the payer and the service, in that order; the
rest are told apart by their first word ("for", "owner", "needed by", "dx", "ref") or
are the urgency ("expedited"). CPT/HCPCS codes typed in the service are picked out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.preapprovals.rules.preapproval import Urgency
from bot.shared.rules.mrkdwn import extract_user_ids, plain_slack_text
from bot.shared.rules.patients import PatientSpec, QuickFormError, read_patient

USAGE = "/preauth new Jane Doe, Aetna, MRI lumbar spine 72148, for A-12, owner @dana"
MAX_TEXT_CHARS = 1000
MAX_PAYER_CHARS = 120
MAX_SERVICE_CHARS = 200
MAX_CODES_CHARS = 200
MAX_PAYER_REF_CHARS = 64

_FIELD_SPLIT = re.compile(r",(?![^<>]*>)")
# CPT: five digits (or four and a letter, category II/III); HCPCS level II: a letter and four.
_SERVICE_CODE = re.compile(r"\b(\d{4}[0-9FTU]|[A-V]\d{4})\b")
# "for A-12" (a visit) or "for S-2" (a series); "for A-3 and S-2" is read to be refused.
_LINK = re.compile(r"for\s+([as]-?\d{1,9}(?:\s*(?:and|&|\+|/|\s)\s*[as]-?\d{1,9})*)", re.IGNORECASE)
_LINK_REF = re.compile(r"([as])-?(\d{1,9})", re.IGNORECASE)
ONE_LINK = (
    "A request is for one visit (for A-12) or one whole series of visits (for S-2), not more: "
    "open one request for each."
)
_OWNER = re.compile(r"owner\s*(?P<who>.*)", re.IGNORECASE | re.DOTALL)
_NEEDED = re.compile(r"needed\s+by\s*(?P<when>.*)", re.IGNORECASE)
_DIAGNOSIS = re.compile(r"(?:dx|diagnosis|icd)\s*:?\s*(?P<codes>.*)", re.IGNORECASE)
_PAYER_REF = re.compile(r"(?:ref|payer ref)\s*:?\s*(?P<ref>.*)", re.IGNORECASE)
_ICD = re.compile(r"[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?", re.IGNORECASE)


@dataclass(frozen=True)
class QuickRequest:
    """The parts of a quick /preauth new, read but not yet checked against the records."""

    patient: PatientSpec
    payer: str
    service: str
    service_codes: str | None = None
    diagnosis_codes: str | None = None
    appointment_ref: str | None = None
    series_ref: str | None = None  # a whole series: every visit of it needs the approval
    owner: str | None = None  # a Slack user id
    owner_typed: str | None = None  # a name typed without a mention: found, or refused
    needed_by: str | None = None  # as typed, for the time parser
    urgency: Urgency = Urgency.STANDARD
    payer_ref: str | None = None


def service_codes(service: str) -> tuple[str, str | None]:
    """The service without its CPT/HCPCS codes, and the codes ("72148 G0283") if any."""
    codes = _SERVICE_CODE.findall(service)
    if not codes:
        return service, None
    rest = " ".join(_SERVICE_CODE.sub(" ", service).split()).strip(" -:")
    return rest or service, " ".join(dict.fromkeys(codes))


def check_diagnosis_codes(text: str) -> str | None:
    """ICD-10 codes such as "M54.5 M51.26", spaces or commas between; None when empty."""
    codes = [c for c in re.split(r"[\s,;]+", text.strip()) if c]
    if not codes:
        return None
    bad = [c for c in codes if not _ICD.fullmatch(c)]
    if bad:
        raise QuickFormError(
            f'"{bad[0]}" is not an ICD-10 code; they look like M54.5 or S83.512A. '
            "Example: dx M54.5 M51.26"
        )
    joined = " ".join(c.upper() for c in codes)
    if len(joined) > MAX_CODES_CHARS:
        raise QuickFormError(
            f"At most {MAX_CODES_CHARS} characters of diagnosis codes, please; those have "
            f"{len(joined)}. Example: dx M54.5 M51.26"
        )
    return joined


def check_payer(payer: str) -> str:
    payer = " ".join(payer.split())
    if not payer:
        raise QuickFormError(f"Which payer? Name the insurer second. Example: {USAGE}")
    if len(payer) > MAX_PAYER_CHARS:
        raise QuickFormError(
            f"A payer name is at most {MAX_PAYER_CHARS} characters; that one has "
            f"{len(payer)}. Example: Aetna"
        )
    return payer


def check_service(service: str) -> str:
    service = " ".join(service.split())
    if not service:
        raise QuickFormError(f"What service needs approval? Name it third. Example: {USAGE}")
    if len(service) > MAX_SERVICE_CHARS:
        raise QuickFormError(
            f"A service is at most {MAX_SERVICE_CHARS} characters; that one has "
            f"{len(service)}. Example: MRI lumbar spine 72148"
        )
    return service


def check_payer_ref(ref: str) -> str | None:
    ref = " ".join(ref.split())
    if len(ref) > MAX_PAYER_REF_CHARS:
        raise QuickFormError(
            f"A payer reference is at most {MAX_PAYER_REF_CHARS} characters; that one has "
            f"{len(ref)}. Example: REF-778812"
        )
    return ref or None


def link_ref(text: str) -> str | None:
    """The visit ("A-12") or series ("S-2") a typed ref names; None when it names neither."""
    found = _LINK_REF.fullmatch(text.strip())
    if found is None or int(found[2]) == 0:
        return None
    return f"{found[1].upper()}-{int(found[2])}"


def parse_quick_request(text: str) -> QuickRequest:
    """Read the text after "/preauth new" as Slack sends it; raise QuickFormError."""
    if not text.strip():
        raise QuickFormError(f"Tell me the patient, payer and service. Example: {USAGE}")
    if len(text) > MAX_TEXT_CHARS:
        raise QuickFormError(f"That is over {MAX_TEXT_CHARS} characters. Example: {USAGE}")
    raw = [part.strip() for part in _FIELD_SPLIT.split(text)]
    if len(raw) < 3:
        missing = "payer and service" if len(raw) == 1 else "service"
        raise QuickFormError(f"I need the {missing} too, after commas. Example: {USAGE}")
    patient = read_patient(_plain(raw[0]))
    payer = check_payer(_plain(raw[1]))
    service, codes = service_codes(check_service(_plain(raw[2])))
    found: dict[str, str] = {}
    for field in raw[3:]:
        name, value = _optional(field)
        if name in found:
            raise QuickFormError(f'"{field}" repeats the {name}. Example: {USAGE}')
        found[name] = value
    if "appointment" in found and "series" in found:
        raise QuickFormError(
            f"For {found['appointment']} and for {found['series']}: {ONE_LINK} Example: {USAGE}"
        )
    return QuickRequest(
        patient=patient,
        payer=payer,
        service=service,
        service_codes=codes,
        diagnosis_codes=check_diagnosis_codes(found.get("diagnosis", "")),
        appointment_ref=found.get("appointment"),
        series_ref=found.get("series"),
        owner=found.get("owner"),
        owner_typed=found.get("owner typed"),
        needed_by=found.get("needed by"),
        urgency=Urgency(found.get("urgency", Urgency.STANDARD.value)),
        payer_ref=check_payer_ref(found.get("payer ref", "")),
    )


def _optional(field: str) -> tuple[str, str]:
    """One optional field as (what it is, its value)."""
    plain = _plain(field)
    if (link := _LINK.fullmatch(plain)) is not None:
        refs = [f"{kind.upper()}-{int(number)}" for kind, number in _LINK_REF.findall(link[1])]
        if len(refs) > 1:
            raise QuickFormError(f'"{plain}": {ONE_LINK} Example: {USAGE}')
        return ("series" if refs[0].startswith("S") else "appointment"), refs[0]
    if (owner := _OWNER.fullmatch(field)) is not None:
        users = extract_user_ids(owner["who"])
        if len(users) == 1 and owner["who"].strip().count("<") == 1:
            return "owner", users[0]
        typed = _plain(owner["who"])
        if users or not typed:  # two people, or nobody named: there is nothing to look up
            raise QuickFormError(
                f'I couldn\'t find "{typed or "?"}" in this workspace: mention the owner so '
                "Slack completes the name. Example: owner @dana"
            )
        return "owner typed", typed  # found by name when exactly one person answers to it
    if (needed := _NEEDED.fullmatch(plain)) is not None:
        if not needed["when"]:
            raise QuickFormError('Say when after "needed by". Example: needed by friday')
        return "needed by", needed["when"]
    if (diagnosis := _DIAGNOSIS.fullmatch(plain)) is not None:
        return "diagnosis", diagnosis["codes"]
    if (reference := _PAYER_REF.fullmatch(plain)) is not None:
        return "payer ref", reference["ref"]
    if plain.lower() in ("expedited", "urgent", "standard", "routine"):
        return "urgency", (
            Urgency.EXPEDITED if plain.lower() in ("expedited", "urgent") else Urgency.STANDARD
        ).value
    raise QuickFormError(
        f'I couldn\'t tell what "{plain}" is. After the service come, in any order: '
        f"for A-12 (or a series, for S-2), owner @dana, needed by friday, dx M54.5, ref 12345, "
        "expedited. "
        f"Example: {USAGE}"
    )


def _plain(raw: str) -> str:
    return " ".join(plain_slack_text(raw).split())
