"""The quick booking form, read from text exactly as Slack sends it (should_escape=true)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.appointments.rules.appointment import KindChoice
from bot.appointments.rules.quickform import USAGE, QuickBooking, parse_quick_booking
from bot.shared.rules.durations import DurationError
from bot.shared.rules.patients import PatientSpec, QuickFormError
from bot.shared.rules.timeparse import TimeParseError, TimeParser

NEW_YORK = ZoneInfo("America/New_York")
# Monday 1 March 2027, 10:00 in New York.
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=NEW_YORK)
IsTime = Callable[[str], bool]


@pytest.fixture(scope="module")
def is_time() -> IsTime:
    parser = TimeParser()
    parser.warm()

    def reads_as_time(text: str) -> bool:
        try:
            parser.parse(text, NOW, NEW_YORK)
        except TimeParseError:
            return False
        return True

    return reads_as_time


def book(text: str, is_time: IsTime) -> QuickBooking:
    return parse_quick_booking(text, is_time)


def refusal(text: str, is_time: IsTime) -> str:
    with pytest.raises(QuickFormError) as refused:
        parse_quick_booking(text, is_time)
    return str(refused.value)


# The three examples, as Slack sends them


def test_jane_doe_mri_with_a_clinician_and_a_room(is_time: IsTime) -> None:
    text = "Jane Doe, MRI, tomorrow 3pm, 45 min, with <@U0DRPATEL|dr.patel>, at Radiology 2"
    assert book(text, is_time) == QuickBooking(
        patient=PatientSpec(name="Jane Doe", mrn=None, ref=None),
        kind=KindChoice(kind="imaging", label="MRI"),
        when="tomorrow 3pm",
        duration=timedelta(minutes=45),
        clinician="U0DRPATEL",
        clinician_typed=None,
        location="Radiology 2",
    )


def test_omar_haddad_by_mrn_with_the_kinds_default_length(is_time: IsTime) -> None:
    assert book("Omar Haddad MRN 88123, follow-up, next tuesday 9:30", is_time) == QuickBooking(
        patient=PatientSpec(name="Omar Haddad", mrn="88123", ref=None),
        kind=KindChoice(kind="follow-up", label="follow-up"),
        when="next tuesday 9:30",
        duration=None,
        clinician=None,
        clinician_typed=None,
        location=None,
    )


def test_an_existing_patient_to_surgery_by_ref(is_time: IsTime) -> None:
    assert book("P-4, surgery, 2027-03-02 07:30, 3h, at OR 4", is_time) == QuickBooking(
        patient=PatientSpec(name=None, mrn=None, ref="P-4"),
        kind=KindChoice(kind="surgery", label="surgery"),
        when="2027-03-02 07:30",
        duration=timedelta(hours=3),
        clinician=None,
        clinician_typed=None,
        location="OR 4",
    )


# Fields in any order


def test_fields_after_the_patient_come_in_any_order(is_time: IsTime) -> None:
    shuffled = "Jane Doe, at Radiology 2, with <@U0DRPATEL>, 45 min, tomorrow 3pm, MRI"
    expected = book(
        "Jane Doe, MRI, tomorrow 3pm, 45 min, with <@U0DRPATEL|dr.patel>, at Radiology 2",
        is_time,
    )
    assert book(shuffled, is_time) == expected


def test_at_a_time_is_the_when_not_a_place(is_time: IsTime) -> None:
    booking = book("P-4, at 3pm, consult", is_time)
    assert (booking.when, booking.location) == ("at 3pm", None)


def test_at_a_clinic_with_a_number_is_a_place(is_time: IsTime) -> None:
    assert not is_time("Clinic 3")
    assert not is_time("at Clinic 3")
    booking = book("P-4, lab, at Clinic 3, today 3pm", is_time)
    assert (booking.when, booking.location) == ("today 3pm", "Clinic 3")


def test_a_ward_that_sounds_like_a_month_is_still_a_place(is_time: IsTime) -> None:
    assert book("P-4, lab, at 4 West, today 3pm", is_time).location == "4 West"


def test_a_duration_is_never_read_as_in_45_minutes(is_time: IsTime) -> None:
    # The time parser alone would read "45 min" as 45 minutes from now.
    assert is_time("45 min")
    booking = book("P-4, MRI, 45 min, friday 9am", is_time)
    assert (booking.duration, booking.when) == (timedelta(minutes=45), "friday 9am")


def test_patient_refs_are_read_loosely(is_time: IsTime) -> None:
    for typed in ("p4", "P-4", "p-04", " P4 "):
        assert book(f"{typed}, lab, today 3pm", is_time).patient.ref == "P-4"


@pytest.mark.parametrize(
    "first",
    ["Omar Haddad (MRN 88123)", "Omar Haddad MRN: 88123", "Omar  Haddad mrn#88123"],
)
def test_an_mrn_can_be_written_several_ways(first: str, is_time: IsTime) -> None:
    patient = book(f"{first}, follow-up, today 3pm", is_time).patient
    assert patient == PatientSpec(name="Omar Haddad", mrn="88123", ref=None)


def test_an_mrn_after_a_comma_still_belongs_to_the_patient(is_time: IsTime) -> None:
    patient = book("Omar Haddad, MRN: 88123, follow-up, today 3pm", is_time).patient
    assert patient == PatientSpec(name="Omar Haddad", mrn="88123", ref=None)


def test_a_name_containing_mrn_letters_is_just_a_name(is_time: IsTime) -> None:
    patient = book("Jo Amrnold, lab, today 3pm", is_time).patient
    assert patient == PatientSpec(name="Jo Amrnold", mrn=None, ref=None)


def test_an_mrn_with_odd_characters_is_refused(is_time: IsTime) -> None:
    assert "is not an MRN" in refusal("Omar Haddad MRN 88_123, lab, today 3pm", is_time)


@pytest.mark.parametrize(
    "text", ["Omar Haddad MRN 88123 Jr, lab, today 3pm", "Omar Haddad, MRN 88 123, lab, today"]
)
def test_an_mrn_that_cannot_be_read_is_refused_not_kept_in_the_name(
    text: str, is_time: IsTime
) -> None:
    assert refusal(text, is_time).startswith("I couldn't read the MRN in")


def test_an_mrn_for_a_patient_ref_is_refused(is_time: IsTime) -> None:
    assert "P-4 already names the patient" in refusal("P-4, MRN 88123, lab, today 3pm", is_time)


# Escaping: what is stored is what the user typed


def test_a_channel_ping_typed_in_a_name_is_stored_as_literal_text(is_time: IsTime) -> None:
    booking = book("Jane &lt;!channel&gt; Doe, lab, today 3pm", is_time)
    assert booking.patient.name == "Jane <!channel> Doe"


def test_ampersands_come_back_once(is_time: IsTime) -> None:
    booking = book("P-4, lab, today 3pm, at Ear &amp; Eye Clinic", is_time)
    assert booking.location == "Ear & Eye Clinic"


# Clinicians


def test_an_unknown_mention_is_kept_as_typed_for_the_handler_to_report(is_time: IsTime) -> None:
    booking = book("P-4, lab, today 3pm, with @nobody", is_time)
    assert (booking.clinician, booking.clinician_typed) == (None, "@nobody")


def test_a_clinician_named_in_words_is_kept_as_typed(is_time: IsTime) -> None:
    assert book("P-4, lab, today 3pm, with Dr Who", is_time).clinician_typed == "Dr Who"


def test_two_clinicians_in_one_field_are_refused(is_time: IsTime) -> None:
    message = refusal("P-4, lab, today 3pm, with <@U1AAA|a> and <@U2BBB|b>", is_time)
    assert "one clinician per visit" in message
    assert "Example: with @dr.patel" in message


# Missing, repeated and bad parts


def test_missing_when_lists_it_with_the_usage_and_time_examples(is_time: IsTime) -> None:
    message = refusal("Jane Doe, MRI", is_time)
    assert message.startswith("Missing the when.")
    assert USAGE in message
    assert '"tomorrow 3pm"' in message


def test_missing_kind_and_when_are_both_listed(is_time: IsTime) -> None:
    assert refusal("Jane Doe, 45 min", is_time).startswith("Missing the kind and the when.")


def test_a_forgotten_patient_is_pointed_out(is_time: IsTime) -> None:
    message = refusal("MRI, tomorrow 3pm", is_time)
    assert 'The patient comes first, and "MRI" is a kind of visit.' in message


def test_an_unreadable_when_is_named_not_taken_for_a_second_kind(is_time: IsTime) -> None:
    message = refusal("Jane Doe, MRI, tomorow 3pmm", is_time)
    assert message.startswith(
        'I couldn\'t read "MRI" or "tomorow 3pmm" as a date or time, so I can\'t tell when.'
    )


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("P-4, MRI, CT, today 3pm", "kind"),
        ("P-4, MRI, today 3pm, tomorrow 3pm", "when"),
        ("P-4, MRI, today 3pm, 45 min, 1h", "duration"),
        ("P-4, MRI, today 3pm, at Room 1, at Room 2", "location"),
        ("P-4, MRI, today 3pm, with <@U1AAA>, with <@U2BBB>", "clinician"),
    ],
)
def test_a_repeated_part_is_named(text: str, part: str, is_time: IsTime) -> None:
    assert refusal(text, is_time).startswith(f"The {part} was given twice")


def test_a_comma_in_a_name_reads_as_a_repeat_and_says_so(is_time: IsTime) -> None:
    message = refusal("Doe, Jane, MRI, today 3pm", is_time)
    assert 'The kind was given twice ("Jane" and "MRI")' in message
    assert "leave them out of names" in message


@pytest.mark.parametrize("length", ["0 min", "30 hours"])
def test_impossible_durations_are_refused(length: str, is_time: IsTime) -> None:
    with pytest.raises(DurationError, match=f'"{length}" is outside that'):
        parse_quick_booking(f"P-4, MRI, today 3pm, {length}", is_time)


def test_a_bare_number_is_not_guessed_at(is_time: IsTime) -> None:
    assert "a duration needs a unit" in refusal("P-4, MRI, today 3pm, 45", is_time)


def test_a_long_location_is_refused(is_time: IsTime) -> None:
    place = "Radiology " * 9
    message = refusal(f"P-4, MRI, today 3pm, at {place}", is_time)
    assert "A location is at most 80 characters; that one has 89" in message
    assert len(book(f"P-4, MRI, today 3pm, at {'R' * 80}", is_time).location or "") == 80


def test_a_name_without_letters_is_refused(is_time: IsTime) -> None:
    assert "doesn't look like a patient" in refusal("12345, MRI, today 3pm", is_time)


def test_a_long_name_is_refused(is_time: IsTime) -> None:
    assert "at most 120 characters" in refusal(f"{'Ann ' * 40}, MRI, today 3pm", is_time)


def test_empty_text_gets_the_usage(is_time: IsTime) -> None:
    assert refusal("   ", is_time) == f"Tell me who, what and when. Example: {USAGE}"


def test_a_missing_patient_is_refused(is_time: IsTime) -> None:
    assert refusal(", MRI, today 3pm", is_time).startswith("Start with the patient.")


def test_four_thousand_characters_are_refused_fast(is_time: IsTime) -> None:
    calls: list[str] = []

    def counting(text: str) -> bool:
        calls.append(text)
        return is_time(text)

    text = "Jane Doe, MRI, tomorrow 3pm, " + "x" * 3971
    assert len(text) == 4000
    started = time.perf_counter()
    message = refusal(text, counting)
    assert time.perf_counter() - started < 0.05
    assert message.startswith("That is too long for a quick booking (4,000 characters")
    assert USAGE in message
    assert calls == []


def test_many_short_parts_are_refused_before_the_time_parser_sees_them(is_time: IsTime) -> None:
    calls: list[str] = []
    message = refusal("P-4" + ", a" * 300, lambda text: calls.append(text) is None)
    assert "a booking has at most 8" in message
    assert calls == []


def test_with_a_mention_needs_no_comma_before_it() -> None:
    typed = "John Smith, knee surgery, next monday 8am with <@U0DRPATEL|dr.patel>"

    booking = parse_quick_booking(typed, lambda field: "monday" in field)

    assert (booking.when, booking.clinician) == ("next monday 8am", "U0DRPATEL")
    assert booking.kind.kind == "surgery"
