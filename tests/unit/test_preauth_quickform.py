"""Reading /preauth new's quick form, as Slack sends it (mentions escaped)."""

from __future__ import annotations

import pytest

from bot.preapprovals.rules.preapproval import Urgency
from bot.preapprovals.rules.quickform import parse_quick_request, service_codes
from bot.shared.rules.patients import QuickFormError


def test_every_part_is_told_apart_by_its_first_word() -> None:
    typed = parse_quick_request(
        "Jane Doe MRN 88123, Aetna, MRI lumbar spine 72148, for a12, owner <@U0NURSE01|sam>, "
        "needed by friday 9am, dx M54.5 m51.26, ref REF-9, expedited"
    )
    assert (typed.patient.name, typed.patient.mrn) == ("Jane Doe", "88123")
    assert (typed.payer, typed.service, typed.service_codes) == (
        "Aetna",
        "MRI lumbar spine",
        "72148",
    )
    assert typed.appointment_ref == "A-12"
    assert typed.owner == "U0NURSE01"
    assert typed.needed_by == "friday 9am"
    assert typed.diagnosis_codes == "M54.5 M51.26"
    assert typed.payer_ref == "REF-9"
    assert typed.urgency is Urgency.EXPEDITED


def test_a_patient_ref_and_the_defaults() -> None:
    typed = parse_quick_request("P-4, Cigna, knee arthroscopy")
    assert typed.patient.ref == "P-4"
    assert typed.owner is None and typed.urgency is Urgency.STANDARD


def test_hcpcs_codes_are_picked_out_of_the_service() -> None:
    assert service_codes("Power wheelchair K0823 and E0950") == (
        "Power wheelchair and",
        "K0823 E0950",
    )
    assert service_codes("Physical therapy") == ("Physical therapy", None)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "patient, payer and service"),
        ("Jane Doe, , MRI", "Which payer?"),
        ("Jane Doe, Aetna", "service too"),
        ("Jane Doe, Aetna, ", "What service"),
        ("Jane Doe, Aetna, MRI, owner", "mention the owner"),
        ("Jane Doe, Aetna, MRI, dx back pain", "not an ICD-10 code"),
        ("Jane Doe, Aetna, MRI, tomorrow", 'couldn\'t tell what "tomorrow" is'),
        ("Jane Doe, Aetna, MRI, for A-1, for A-2", "repeats the appointment"),
        ("12345, Aetna, MRI", "doesn't look like a patient"),
    ],
)
def test_bad_input_says_what_and_shows_an_example(text: str, says: str) -> None:
    with pytest.raises(QuickFormError) as refused:
        parse_quick_request(text)
    assert says in str(refused.value)


def test_an_owner_typed_without_a_mention_is_kept_to_be_found_by_name() -> None:
    typed = parse_quick_request("Jane Doe, Aetna, MRI, owner dana")
    assert (typed.owner, typed.owner_typed) == (None, "dana")
