"""Which patient: a name several patients have (or one whose MRN was not given) is asked
about with the candidates, in every command; an MRN picks its patient; an MRN of someone
else is refused. Nobody is created or merged behind the typist's back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.driver_reading import Seen
from bot.sandbox.world import Sandbox
from storage import patients
from tests.e2e.conftest import START

TEAM = "T0CAREBOT"


def on_file(sandbox: Sandbox) -> list[str]:
    with sandbox.db.session(read_only=True) as session:
        return [p.ref for p in patients.find_by_name(session, TEAM, "Jane Doe")]


def buttons(seen: Seen) -> list[str]:
    return [
        block["accessory"]["text"]["text"]
        for block in seen.blocks
        if block.get("accessory", {}).get("type") == "button"
    ]


@pytest.fixture
def two_jane_does(sandbox: Sandbox) -> None:
    with sandbox.db.session() as session:
        patients.find_or_create(session, TEAM, "Jane Doe", "111", "U0COORD01")
        patients.find_or_create(session, TEAM, "Jane Doe", "222", "U0COORD01")


@pytest.mark.usefixtures("two_jane_does")
@pytest.mark.parametrize(
    ("command", "typed", "example"),
    [
        ("/handoff", "Jane Doe: stable overnight", "`/handoff P-1: stable overnight`"),
        ("/appt", "book Jane Doe, MRI, tomorrow 3pm", "`/appt book P-1, MRI, ...`"),
        ("/preauth", "new Jane Doe, Aetna, MRI", "`/preauth new P-1, Aetna, MRI`"),
    ],
)
def test_a_name_two_patients_have_is_asked_about_in_every_command(
    sandbox: Sandbox, slack: SlackDriver, command: str, typed: str, example: str
) -> None:
    slack.command(command, typed)

    asked = slack.last_reply()
    assert asked.text.startswith('Which "Jane Doe"? On file: P-1 (MRN 111), P-2 (MRN 222).')
    assert example in asked.text and "`Jane Doe (new patient)`" in asked.text
    assert "`Jane Doe MRN 12345`" in asked.text
    assert buttons(asked) == ["P-1", "P-2", "New patient"]
    assert on_file(sandbox) == ["P-1", "P-2"]  # no third one made up


@pytest.mark.usefixtures("two_jane_does")
def test_an_mrn_picks_its_patient_and_an_mrn_of_someone_else_is_refused(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", "Jane Doe MRN 222: stable overnight")
    assert slack.last_reply().text.startswith("Posted H-1")
    assert "(P-2)" in slack.messages("#cardiology-team")[0].text

    slack.command("/appt", "book John Smith MRN 111, MRI, tomorrow 3pm")
    assert slack.last_reply().text.startswith('MRN 111 is Jane Doe (P-1), not "John Smith".')
    assert on_file(sandbox) == ["P-1", "P-2"]


def test_a_visitor_outside_the_care_team_is_not_shown_who_is_on_file(
    sandbox: Sandbox, slack: SlackDriver, two_jane_does: None
) -> None:
    visitor = slack.as_user("@visitor").in_channel("#general")

    for command, typed in (
        ("/preauth", "new Jane Doe, Aetna, MRI"),
        ("/appt", "book Jane Doe, MRI, tomorrow 3pm"),
        ("/appt", "book John Smith MRN 111, MRI, tomorrow 3pm"),
    ):
        visitor.command(command, typed)
        told = visitor.last_reply().text
        assert "MRN" not in told and "P-1" not in told, told


@pytest.mark.usefixtures("two_jane_does")
def test_the_handoff_form_asks_under_the_patient_field(slack: SlackDriver) -> None:
    slack.command("/handoff")

    slack.submit({"Patient": "Jane Doe", "Patient summary": "Stable overnight"})

    assert slack.modal is not None
    assert slack.errors["patient"].startswith('Which "Jane Doe"? On file: P-1 (MRN 111)')
    assert slack.errors["patient"].endswith(
        "or for someone else of that name: Jane Doe (new patient)"
    )


@pytest.mark.usefixtures("two_jane_does")
def test_a_click_on_the_patient_meant_runs_the_command_with_them(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", "Jane Doe to @sam.nurse: stable overnight")

    slack.click("P-2")

    assert slack.last_reply().text.startswith("Posted H-1")
    [card] = slack.messages("#cardiology-team")
    assert "(P-2)" in card.text and "stable overnight" in card.text
    assert "@sam" in card.text  # the rest of what was typed is kept
    assert on_file(sandbox) == ["P-1", "P-2"]


@pytest.mark.usefixtures("two_jane_does")
def test_new_patient_adds_another_of_that_name_and_says_so_in_the_preview(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jane Doe, MRI, tomorrow 3pm")

    slack.click("New patient")
    preview = slack.last_reply()
    assert "Jane Doe (new patient)" in preview.text
    slack.click("Confirm")

    assert "Booked *A-1* for Jane Doe (P-3)" in slack.last_reply().text
    assert on_file(sandbox) == ["P-1", "P-2", "P-3"]
    slack.command("/appt", "book Jane Doe, MRI, tomorrow 5pm")  # three of them now
    assert buttons(slack.last_reply()) == ["P-1", "P-2", "P-3", "New patient"]


@pytest.mark.usefixtures("two_jane_does")
def test_typed_new_patient_is_the_same_as_the_button(sandbox: Sandbox, slack: SlackDriver) -> None:
    slack.command("/preauth", "new Jane Doe (new patient), Aetna, MRI")

    assert "Opened *PA-1*" in slack.last_reply().text
    assert on_file(sandbox) == ["P-1", "P-2", "P-3"]
    slack.command("/handoff", "P-4 (new patient): stable")
    assert "leave out (new patient)" in slack.last_reply().text


@pytest.mark.usefixtures("two_jane_does")
def test_a_double_click_on_a_choice_runs_the_command_once(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/handoff", "Jane Doe: stable overnight")

    slack.double_click("P-1")

    assert len(slack.messages("#cardiology-team")) == 1
    assert slack.last_reply().text.startswith("Posted H-1")


def test_a_close_spelling_is_offered_and_a_new_name_still_possible(
    sandbox: Sandbox, slack: SlackDriver, two_jane_does: None
) -> None:
    slack.command("/handoff", "Jane Do: stable overnight")

    asked = slack.last_reply()
    assert asked.text.startswith(
        'No patient on file is called "Jane Do". Did you mean Jane Doe (P-1, MRN 111) or '
        "Jane Doe (P-2, MRN 222)?"
    )
    assert buttons(asked) == ["P-1", "P-2", "New patient"]
    slack.click("New patient")
    assert slack.last_reply().text.startswith("Posted H-1")
    with sandbox.db.session(read_only=True) as session:
        assert [p.ref for p in patients.find_by_name(session, TEAM, "jane  DO")] == ["P-3"]
    slack.command("/handoff", "Omar Hadad: stable")  # nobody close: a new patient at once
    assert slack.last_reply().text.startswith("Posted H-2")


@pytest.mark.usefixtures("two_jane_does")
def test_each_candidate_shows_its_next_or_last_visit_in_the_askers_zone(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book P-2, MRI, tomorrow 3pm")
    slack.click("Confirm")

    slack.command("/handoff", "jane doe: stable overnight")

    assert slack.last_reply().text.startswith(
        'Which "jane doe"? On file: P-1 (MRN 111), P-2 (MRN 222, next visit Tue 2 Mar 2027).'
    )
    sandbox.move_clock(START + timedelta(days=3))
    slack.command("/handoff", "Jane Doe: stable overnight")
    assert "P-2 (MRN 222, last visit Tue 2 Mar 2027)" in slack.last_reply().text


@pytest.mark.usefixtures("two_jane_does")
def test_questions_asked_in_a_dm_and_by_mention_are_answered_there(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    dm = slack.in_dm()
    dm.message("appt book Jane Doe, MRI, tomorrow 3pm")
    assert buttons(dm.last_reply()) == ["P-1", "P-2", "New patient"]
    dm.click("P-1")
    assert "Jane Doe (P-1)" in dm.last_reply().text
    dm.click("Confirm")
    assert "Booked *A-1* for Jane Doe (P-1)" in dm.last_reply().text

    slack.in_channel("#cardiology-team").message("@carebot handoff Jane Doe: stable overnight")
    asked = slack.last_reply()
    assert asked.ephemeral and buttons(asked) == ["P-1", "P-2", "New patient"]
    slack.click("P-2")
    assert "(P-2)" in slack.messages("#cardiology-team")[-1].text


@pytest.mark.usefixtures("two_jane_does")
@pytest.mark.parametrize(
    ("command", "fields", "reply"),
    [
        (
            ("/appt", ""),
            {"Patient": "Jane Doe", "Kind": "Imaging", "Date": "2027-03-02", "Time": "15:00"},
            "Jane Doe (P-2)",
        ),
        (("/preauth", "new"), {"Patient": "Jane Doe", "Payer": "Aetna", "Service": "MRI"}, "PA-1"),
    ],
    ids=["booking form", "pre-approval form"],
)
def test_the_booking_and_preapproval_forms_ask_under_the_patient_field(
    sandbox: Sandbox,
    slack: SlackDriver,
    command: tuple[str, str],
    fields: dict[str, str],
    reply: str,
) -> None:
    slack.command(*command)

    slack.submit(fields)
    assert slack.modal is not None
    assert slack.errors["patient"].startswith('Which "Jane Doe"? On file: P-1 (MRN 111), P-2')
    assert slack.errors["patient"].endswith("Jane Doe (new patient)")

    slack.submit({**fields, "Patient": "P-2"})
    assert slack.modal is None and reply in slack.last_reply().text
    assert on_file(sandbox) == ["P-1", "P-2"]


def test_an_outsiders_form_is_not_told_who_is_on_file(
    slack: SlackDriver, two_jane_does: None
) -> None:
    visitor = slack.as_user("@visitor").in_channel("#general")
    visitor.command("/preauth", "new")

    visitor.submit({"Patient": "Jane Doe", "Payer": "Aetna", "Service": "MRI"})

    assert visitor.modal is not None  # pushed over the form, so Back gives it back
    told = visitor.modal.text
    assert "care-team" in told and "MRN" not in told and "P-1" not in told, told


@pytest.mark.usefixtures("two_jane_does")
def test_the_message_shortcut_form_asks_and_takes_the_typed_answer(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.message("Bed 4: BP 82/50, on a drip")
    slack.shortcut("handoff_message")

    slack.submit({"Patient": "Jane Doe", "Illness severity": "Watcher"})
    assert slack.errors["patient"].startswith('Which "Jane Doe"? On file: P-1 (MRN 111), P-2')

    slack.submit({"Patient": "Jane Doe (new patient)", "Illness severity": "Watcher"})
    assert slack.errors == {} and slack.modal is None
    assert on_file(sandbox) == ["P-1", "P-2", "P-3"]
    assert "(P-3)" in slack.messages("#cardiology-team")[-1].text
