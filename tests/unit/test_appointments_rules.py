"""Kinds of visit, FHIR statuses, and what a coordinator may do to a visit in each."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.appointments.rules.appointment import (
    ACTIVE,
    FINAL,
    HOLDS_SLOT,
    KINDS,
    PROCEDURAL,
    STATUS_LABELS,
    STATUS_WORDS,
    Action,
    KindChoice,
    Status,
    TransitionRefused,
    transition,
)
from bot.appointments.rules.kinds import STANDARD, read_kind

# Kinds


def test_default_lengths_by_kind() -> None:
    assert {kind: int(length / timedelta(minutes=1)) for kind, length in KINDS.items()} == {
        "consult": 30,
        "follow-up": 20,
        "imaging": 45,
        "lab": 15,
        "procedure": 60,
        "surgery": 120,
        "infusion": 120,
        "therapy": 50,
        "other": 30,
    }
    assert sorted(PROCEDURAL) == ["procedure", "surgery"]


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("MRI", "imaging"),
        ("CT", "imaging"),
        ("CT scan", "imaging"),
        ("x-ray", "imaging"),
        ("Xray", "imaging"),
        ("ultrasound", "imaging"),
        ("echo", "imaging"),
        ("mammogram", "imaging"),
        ("scan", "imaging"),
        ("labs", "lab"),
        ("blood work", "lab"),
        ("Bloodwork", "lab"),
        ("blood draw", "lab"),
        ("f/u", "follow-up"),
        ("review", "follow-up"),
        ("op", "surgery"),
        ("Operation", "surgery"),
        ("PT", "therapy"),
        ("physio", "therapy"),
        ("physical therapy", "therapy"),
        ("OT", "therapy"),
        ("speech therapy", "therapy"),
        ("chemo", "infusion"),
        ("IV", "infusion"),
        ("consultation", "consult"),
        ("new patient", "consult"),
        ("initial visit", "consult"),
        ("biopsy", "procedure"),
        ("endoscopy", "procedure"),
        ("colonoscopy", "procedure"),
        ("cath", "procedure"),
        ("catheterization", "procedure"),
    ],
)
def test_an_alias_books_its_kind_and_keeps_the_typed_words(typed: str, kind: str) -> None:
    assert read_kind(typed) == KindChoice(kind=kind, label=typed)


def test_spacing_and_case_do_not_matter_for_aliases() -> None:
    assert read_kind("  ct    SCAN ") == KindChoice(kind="imaging", label="ct SCAN")


@pytest.mark.parametrize("typed", ["follow-up", "Follow-Up", "follow up", "followup", "FOLLOWUP"])
def test_a_kind_name_however_written_is_labelled_as_the_kind(typed: str) -> None:
    assert read_kind(typed) == KindChoice(kind="follow-up", label="follow-up")


def test_words_that_name_no_kind_are_other_and_unsure_so_the_preview_asks() -> None:
    assert read_kind("Dietitian   review  call") == KindChoice(
        kind="other", label="Dietitian review call", unsure=True
    )


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("knee surgery", "surgery"),
        ("hip replacement", "surgery"),
        ("Total knee arthroplasty", "surgery"),
        ("knee arthroscopy", "surgery"),
        ("lap chole (laparoscopic)", "surgery"),
        ("appendectomy", "surgery"),
        ("ORIF left wrist", "surgery"),
        ("rhinoplasty", "surgery"),  # a word ending of clinical usage
        ("MRI brain", "imaging"),
        ("CT chest w/ contrast", "imaging"),
        ("chest x-ray", "imaging"),
        ("renal ultrasound", "imaging"),
        ("DEXA scan", "imaging"),
        ("cardiac cath", "procedure"),
        ("upper endoscopy", "procedure"),
        ("bone marrow biopsy", "procedure"),
        ("lumbar puncture", "procedure"),
        ("hysteroscopy", "procedure"),  # a word ending
        ("ECG", "lab"),
        ("12-lead EKG", "lab"),
        ("fasting blood work", "lab"),
        ("iron infusion", "infusion"),
        ("cycle 3 chemo", "infusion"),
        ("shoulder physical therapy", "therapy"),
        ("post-op check", "follow-up"),
        ("wound check", "follow-up"),
        ("new patient visit", "consult"),
    ],
)
def test_the_common_words_of_each_kind_are_read_and_kept_as_the_title(
    typed: str, kind: str
) -> None:
    assert read_kind(typed) == KindChoice(kind=kind, label=typed)


def test_words_of_two_kinds_are_not_guessed_between() -> None:
    found = read_kind("CT-guided biopsy")
    assert (found.kind, found.unsure) == ("other", True)
    assert set(found.candidates) == {"imaging", "procedure"}
    assert set(read_kind("pre-op consult for knee replacement").candidates) == {
        "surgery",
        "consult",
    }


def test_short_words_name_a_kind_only_on_their_own() -> None:
    assert read_kind("op").kind == "surgery"
    assert read_kind("post op check").kind == "follow-up"  # not surgery
    assert read_kind("scan").kind == "imaging"
    assert read_kind("scan of documents").unsure


def test_a_deployment_adds_words_to_a_kind_and_words_for_its_own_kinds() -> None:
    kinds = {**KINDS, "dialysis": timedelta(hours=4)}
    vocabulary = STANDARD.adding({"surgery": ["TKA"], "dialysis": ["hemodialysis", "HD session"]})

    assert read_kind("left TKA", kinds, vocabulary) == KindChoice("surgery", "left TKA")
    assert read_kind("HD session", kinds, vocabulary).kind == "dialysis"
    assert read_kind("dialysis", kinds, vocabulary) == KindChoice("dialysis", "dialysis")
    assert read_kind("left TKA").unsure  # the standard words know no TKA


def test_an_empty_kind_is_refused_with_an_example() -> None:
    with pytest.raises(ValueError, match="Example: MRI, follow-up"):
        read_kind("   ")


def test_a_long_kind_is_refused_rather_than_cut() -> None:
    with pytest.raises(ValueError, match="at most 60 characters; that one has 61"):
        read_kind("x" * 61)
    assert read_kind("x" * 60).label == "x" * 60


def test_a_clinic_with_its_own_kinds_books_aliases_only_to_kinds_it_has() -> None:
    kinds = {"consult": timedelta(minutes=30), "imaging": timedelta(minutes=30)}
    assert read_kind("MRI", kinds) == KindChoice(kind="imaging", label="MRI")
    with pytest.raises(ValueError, match="consult, imaging"):
        read_kind("chemo", kinds)


# Statuses


def test_statuses_are_fhir_codes() -> None:
    assert [status.value for status in Status] == [
        "proposed",
        "pending",
        "booked",
        "arrived",
        "checked-in",
        "fulfilled",
        "cancelled",
        "noshow",
        "entered-in-error",
        "waitlist",
    ]


def test_only_booked_or_attended_visits_hold_their_slot() -> None:
    assert sorted(HOLDS_SLOT) == [Status.ARRIVED, Status.BOOKED, Status.CHECKED_IN]
    assert HOLDS_SLOT < ACTIVE
    assert Status.WAITLIST in ACTIVE - HOLDS_SLOT
    assert ACTIVE.isdisjoint(FINAL)
    assert set(ACTIVE | FINAL) == set(Status)


def test_every_status_has_words_and_a_label() -> None:
    assert STATUS_WORDS[Status.CHECKED_IN] == "checked in"
    assert STATUS_WORDS[Status.FULFILLED] == "done"
    assert STATUS_WORDS[Status.NOSHOW] == "no-show"
    assert STATUS_LABELS[Status.NOSHOW] == "No-show"
    assert STATUS_LABELS[Status.WAITLIST] == "Waitlist"
    assert set(STATUS_WORDS) == set(STATUS_LABELS) == set(Status)
    assert all(label.isascii() for label in STATUS_LABELS.values())


# Transitions


@pytest.mark.parametrize(
    ("before", "action", "after"),
    [
        (Status.BOOKED, Action.CHECKIN, Status.CHECKED_IN),
        (Status.ARRIVED, Action.CHECKIN, Status.CHECKED_IN),
        (Status.BOOKED, Action.DONE, Status.FULFILLED),
        (Status.ARRIVED, Action.DONE, Status.FULFILLED),
        (Status.CHECKED_IN, Action.DONE, Status.FULFILLED),
        (Status.BOOKED, Action.NOSHOW, Status.NOSHOW),
        (Status.ARRIVED, Action.NOSHOW, Status.NOSHOW),
        (Status.BOOKED, Action.CANCEL, Status.CANCELLED),
        (Status.ARRIVED, Action.CANCEL, Status.CANCELLED),
        (Status.PENDING, Action.CANCEL, Status.CANCELLED),
        (Status.PROPOSED, Action.CANCEL, Status.CANCELLED),
        (Status.WAITLIST, Action.CANCEL, Status.CANCELLED),
        (Status.BOOKED, Action.MOVE, Status.BOOKED),
        (Status.PENDING, Action.MOVE, Status.PENDING),
        (Status.PROPOSED, Action.MOVE, Status.PROPOSED),
        (Status.WAITLIST, Action.MOVE, Status.WAITLIST),
    ],
)
def test_allowed_transitions(before: Status, action: Action, after: Status) -> None:
    assert transition(before, action, "A-12", patient="P-4") == after


def test_checking_in_a_cancelled_visit_is_explained_with_what_to_do() -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition(Status.CANCELLED, Action.CHECKIN, "A-12", patient="P-4")
    assert str(refused.value) == (
        "A-12 was cancelled, so it can't be checked in. "
        "To see the patient, book a new visit: /appt book P-4, follow-up, today 3pm"
    )


def test_checking_in_twice_says_it_is_already_done_and_what_comes_next() -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition(Status.CHECKED_IN, Action.CHECKIN, "A-12", patient="P-4")
    assert str(refused.value) == (
        "A-12 is already checked in. When the visit is over: /appt done A-12"
    )


@pytest.mark.parametrize(
    ("status", "action", "starts"),
    [
        (Status.FULFILLED, Action.DONE, "A-12 is already done."),
        (Status.CANCELLED, Action.CANCEL, "A-12 is already cancelled."),
        (Status.NOSHOW, Action.NOSHOW, "A-12 is already marked a no-show."),
        (Status.CHECKED_IN, Action.CANCEL, "A-12 is checked in: the patient is here, so it"),
        (Status.CHECKED_IN, Action.MOVE, "A-12 is checked in: the patient is here, so it"),
        (Status.FULFILLED, Action.NOSHOW, "A-12 is done, so it can't be marked a no-show"),
        (Status.NOSHOW, Action.CHECKIN, "A-12 was marked a no-show, so it can't be checked"),
        (Status.ENTERED_IN_ERROR, Action.MOVE, "A-12 was entered in error, so it can't be moved"),
        (Status.WAITLIST, Action.CHECKIN, "A-12 is on the waitlist, not booked, so it can't"),
        (Status.PENDING, Action.NOSHOW, "A-12 is still pending, not booked, so it can't be"),
        (Status.CANCELLED, Action.MOVE, "A-12 was cancelled, so it can't be moved."),
        (Status.FULFILLED, Action.CANCEL, "A-12 is done, so it can't be cancelled: it stays"),
    ],
)
def test_refusals_say_what_is_wrong(status: Status, action: Action, starts: str) -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition(status, action, "A-12", patient="P-4")
    assert str(refused.value).startswith(starts)


def test_every_refusal_suggests_a_command() -> None:
    for status in Status:
        for action in Action:
            try:
                transition(status, action, "A-12", patient="P-9")
            except TransitionRefused as refused:
                assert "/appt " in str(refused), (status, action)
                assert "P-4" not in str(refused), (status, action)


def test_final_states_allow_nothing() -> None:
    for status in FINAL:
        for action in Action:
            with pytest.raises(TransitionRefused):
                transition(status, action, "A-3", patient="P-4")


def test_a_refusal_is_a_value_error() -> None:
    assert issubclass(TransitionRefused, ValueError)
