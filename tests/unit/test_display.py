"""Patient names shown as the workspace's display policy allows, and never as markup."""

from __future__ import annotations

import pytest

from bot.shared.rules.display import PatientDisplay, initials, patient_label


def test_full_policy_shows_the_name_and_ref() -> None:
    assert patient_label(PatientDisplay.FULL, "P-4", "Jane Doe") == "Jane Doe (P-4)"


def test_full_policy_tidies_extra_spaces() -> None:
    assert patient_label(PatientDisplay.FULL, "P-4", "  Jane \t Doe\n") == "Jane Doe (P-4)"


def test_initials_policy_shows_first_and_last_initials() -> None:
    assert patient_label(PatientDisplay.INITIALS, "P-4", "Jane Doe") == "J.D. (P-4)"


def test_id_policy_shows_only_the_ref() -> None:
    assert patient_label(PatientDisplay.ID, "P-4", "Jane Doe") == "P-4"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Jane Doe", "J.D."),
        ("Cher", "C."),
        ("Mary-Ann O'Neil", "M.O."),
        ("  jane   q.  doe  ", "J.D."),
        ("Éloïse Ångström", "É.Å."),
        ("E\u0301lodie Zoë", "É.Z."),
        ("Жанна Иванова", "Ж.И."),
        ("Jan van der Berg", "J.B."),
        ("", ""),
        ("- 42", ""),
    ],
)
def test_initials(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_a_name_without_letters_falls_back_to_the_ref() -> None:
    assert patient_label(PatientDisplay.INITIALS, "P-4", "  ") == "P-4"
    assert patient_label(PatientDisplay.FULL, "P-4", "") == "P-4"


def test_a_name_that_is_a_broadcast_is_escaped() -> None:
    label = patient_label(PatientDisplay.FULL, "P-9", "<!channel>")
    assert label == "&lt;!channel&gt; (P-9)"
    assert "<" not in label


def test_a_name_with_markup_characters_is_escaped() -> None:
    label = patient_label(PatientDisplay.FULL, "P-9", "Tom & <@U123> Jerry")
    assert label == "Tom &amp; &lt;@U123&gt; Jerry (P-9)"


def test_initials_of_a_markup_name_are_plain_letters() -> None:
    assert patient_label(PatientDisplay.INITIALS, "P-9", "<!channel>") == "C. (P-9)"


@pytest.mark.parametrize(
    ("typed", "policy"),
    [
        ("full", PatientDisplay.FULL),
        (" Initials ", PatientDisplay.INITIALS),
        ("ID", PatientDisplay.ID),
    ],
)
def test_parse_policy(typed: str, policy: PatientDisplay) -> None:
    assert PatientDisplay.parse(typed) is policy


def test_an_unknown_policy_lists_the_allowed_values() -> None:
    with pytest.raises(ValueError, match="use one of full, initials, id"):
        PatientDisplay.parse("surname")


def test_policies_are_their_stored_strings() -> None:
    assert [str(policy) for policy in PatientDisplay] == ["full", "initials", "id"]
