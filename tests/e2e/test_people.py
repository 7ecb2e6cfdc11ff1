"""People's names and time zones come from Slack once a day, not on every command."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.sandbox.world import Sandbox
from bot.shared.rules.display import PatientDisplay
from bot.shared.rules.people import UnknownPerson
from storage import workspaces

TEAM = "T0CAREBOT"


def test_a_person_is_read_from_slack_once_then_from_the_cache(sandbox: Sandbox) -> None:
    people = sandbox.runtime.shared.people

    first = people.person(TEAM, "U0DRPATEL")
    again = people.person(TEAM, "U0DRPATEL")

    assert first == again
    assert first.timezone == ZoneInfo("America/Chicago")
    assert first.name == "dr.patel"
    assert len(sandbox.standin.calls("users.info")) == 1


def test_the_cache_is_refreshed_after_a_day(sandbox: Sandbox) -> None:
    people = sandbox.runtime.shared.people
    people.person(TEAM, "U0NURSE01")

    sandbox.clock.advance(hours=25)
    people.person(TEAM, "U0NURSE01")

    assert len(sandbox.standin.calls("users.info")) == 2


def test_an_unknown_user_is_said_plainly(sandbox: Sandbox) -> None:
    with pytest.raises(UnknownPerson, match="no Slack user U0NOBODY0"):
        sandbox.runtime.shared.people.person(TEAM, "U0NOBODY0")


def test_a_deleted_user_cannot_be_given_work(sandbox: Sandbox) -> None:
    assert not sandbox.runtime.shared.people.person(TEAM, "U0FORMER1").can_be_assigned
    assert sandbox.runtime.shared.people.person(TEAM, "U0SOCIAL1").can_be_assigned


def test_the_clinic_zone_stands_in_when_slack_cannot_answer(sandbox: Sandbox) -> None:
    sandbox.standin.fail_next("users.info", status=200, error="fatal_error")

    zone = sandbox.runtime.shared.people.timezone(TEAM, "U0SOCIAL1")

    assert zone == sandbox.runtime.shared.settings.timezone
    assert sandbox.runtime.shared.people.timezone(TEAM, "U0SOCIAL1") == ZoneInfo("Europe/London")


def test_a_workspace_shows_patients_by_initials_until_it_chooses_otherwise(
    sandbox: Sandbox,
) -> None:
    shared = sandbox.runtime.shared
    assert shared.in_force.patient_display(TEAM) is PatientDisplay.INITIALS
    with shared.db.session() as session:
        workspaces.set_patient_display(session, TEAM, "id")
    assert shared.in_force.patient_display(TEAM) is PatientDisplay.ID
