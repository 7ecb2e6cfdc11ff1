"""The kind of a visit is read from a coordinator's own words, kept as its title, and asked
for, never guessed, when the words name no kind or two."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.appointments.booking import BookingRefused
from bot.sandbox.driver import SlackDriver
from bot.sandbox.driver_base import DriverError
from bot.sandbox.world import Sandbox
from bot.shared.access import Actor
from storage.appointments import queries as appointments

TEAM = "T0CAREBOT"


def stored(sandbox: Sandbox, ref: str = "A-1") -> appointments.AppointmentRow:
    with sandbox.db.session(read_only=True) as session:
        row = appointments.get_by_ref(session, TEAM, ref)
        assert row is not None
        return row


@pytest.mark.parametrize(
    ("typed", "kind", "length"),
    [
        ("knee surgery", "surgery", timedelta(hours=2)),
        ("hip replacement", "surgery", timedelta(hours=2)),
        ("MRI brain", "imaging", timedelta(minutes=45)),
        ("cardiac cath", "procedure", timedelta(hours=1)),
        ("ECG", "lab", timedelta(minutes=15)),
    ],
)
def test_common_clinical_words_book_their_kind_for_its_length_with_the_words_as_title(
    sandbox: Sandbox, slack: SlackDriver, typed: str, kind: str, length: timedelta
) -> None:
    slack.command("/appt", f"book Jane Doe, {typed}, tomorrow 7:30am")

    preview = slack.last_reply().text
    assert f"*What:* {typed} ({kind})" in preview
    slack.click("Confirm")

    row = stored(sandbox)
    assert (row.kind, row.label, row.end_at - row.start_at) == (kind, typed, length)


def test_words_that_name_no_kind_are_asked_about_before_confirm(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jane Doe, dietitian call, tomorrow 3pm")

    asked = slack.last_reply()
    assert ':question: *What kind of visit is "dietitian call"?*' in asked.text
    with pytest.raises(DriverError):
        slack.click("Confirm")  # nothing to confirm until the kind is known

    slack.select("Kind of visit", "consult (30 min)")

    preview = slack.last_reply()
    assert "*What:* dietitian call (consult)" in preview.text
    slack.click("Confirm")
    row = stored(sandbox)
    assert (row.kind, row.label, row.end_at - row.start_at) == (
        "consult",
        "dietitian call",
        timedelta(minutes=30),
    )


def test_words_of_two_kinds_say_which_and_a_typed_length_is_kept(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jane Doe, CT-guided biopsy, tomorrow 3pm, 90 min")

    asked = slack.last_reply().text
    assert "It could be imaging or procedure." in asked
    slack.select("Kind of visit", "procedure (1 h)")
    slack.click("Confirm")

    row = stored(sandbox)
    assert (row.kind, row.end_at - row.start_at) == ("procedure", timedelta(minutes=90))


def test_a_confirm_forged_onto_an_unsure_preview_books_nothing(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jane Doe, dietitian call, tomorrow 3pm")
    [menu] = [b for b in slack.last_reply().blocks if b.get("block_id") == "appt_kind"]
    draft = json.loads(menu["elements"][0]["options"][0]["value"])["d"]
    confirming = sandbox.runtime.services.appointments.confirming

    with pytest.raises(BookingRefused, match="Pick what kind of visit"):
        confirming.confirm(Actor(TEAM, "U0COORD01", "C0CARDIO1"), draft)

    with sandbox.db.session(read_only=True) as session:
        assert appointments.get_by_ref(session, TEAM, "A-1") is None


@pytest.mark.settings(appointment_words={"surgery": ("TKA",)})
def test_a_deployment_adds_its_own_words_to_a_kind(sandbox: Sandbox, slack: SlackDriver) -> None:
    slack.command("/appt", "book Jane Doe, left TKA, tomorrow 7:30am")
    slack.click("Confirm")

    assert stored(sandbox).kind == "surgery"


def test_a_kind_not_offered_or_a_second_pick_on_a_used_menu_changes_nothing(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jane Doe, dietitian call, tomorrow 3pm")
    [menu] = [b for b in slack.last_reply().blocks if b.get("block_id") == "appt_kind"]
    draft = json.loads(menu["elements"][0]["options"][0]["value"])["d"]
    booking = sandbox.runtime.services.appointments.booking
    dana = Actor(TEAM, "U0COORD01", "C0CARDIO1")

    with pytest.raises(BookingRefused, match="Pick one of the kinds in the list"):
        booking.choose_kind(dana, draft, "dentistry")  # forged: not one offered
    booking.choose_kind(dana, draft, "consult")
    with pytest.raises(BookingRefused, match="expired or was already used"):
        booking.choose_kind(dana, draft, "lab")  # the menu of a preview already answered

    with sandbox.db.session(read_only=True) as session:
        assert appointments.get_by_ref(session, TEAM, "A-1") is None
