"""Which patient: a name several patients have (or one whose MRN was not given) is asked
about with the candidates, in every command; an MRN picks its patient; an MRN of someone
else is refused. Nobody is created or merged behind the typist's back."""

from __future__ import annotations

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from storage import patients

TEAM = "T0CAREBOT"


def on_file(sandbox: Sandbox) -> list[str]:
    with sandbox.db.session(read_only=True) as session:
        return [p.ref for p in patients.find_by_name(session, TEAM, "Jane Doe")]


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

    asked = slack.last_reply().text
    assert asked.startswith('Which "Jane Doe"? On file: P-1 (MRN 111), P-2 (MRN 222).')
    assert example in asked and "`Jane Doe MRN 12345`" in asked
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
