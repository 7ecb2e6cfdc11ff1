"""/carebot audit: admins read who did what and when to a record; everyone else is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox, start_sandbox
from bot.shared.rules.timeparse import TimeParser
from storage import SqlAuditLog, audit
from tests.conftest import DIALECTS, WorkerDatabase
from tests.e2e.conftest import START

TEAM = "T0CAREBOT"
DANA, SAM, RILEY = "U0COORD01", "U0NURSE01", "U0SOCIAL1"
QUICK = "Jane Doe to @sam.nurse: stable overnight, recheck K+ at 6am"


def trail_of(sandbox: Sandbox, ref: str) -> list[tuple[str, str]]:
    with sandbox.db.session(read_only=True) as session:
        rows, _ = audit.trail(session, TEAM, [ref])
    return [(r.actor, r.action) for r in rows]


def acknowledged_handoff(slack: SlackDriver) -> None:
    slack.command("/handoff", QUICK)
    slack.as_user("@sam.nurse").click("Acknowledge")
    slack.submit({"Your read-back (synthesis)": "Recheck K+ at 6am"})
    slack.as_user("@dana")


def test_an_admin_sees_who_did_what_to_a_handoff_newest_first(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    acknowledged_handoff(slack)

    slack.command("/carebot", "audit h1")

    reply = slack.last_reply()
    assert reply.text.startswith("*Audit trail of handoff H-1*, newest first")
    lines = reply.text.splitlines()[1:]
    assert [line.split(" · ")[1:3] for line in lines] == [
        ["@sam.nurse", "`handoff.acknowledge`"],
        ["@dana", "`handoff.post`"],
        ["@dana", "`handoff.create`"],
    ]
    assert all(line.endswith("in #cardiology-team") for line in lines)
    # Times are date tokens (each reader's own zone), people are mentions, channels links.
    assert "<!date^" in reply.raw_text and "{date_short_pretty} {time}|" in reply.raw_text
    assert f"<@{SAM}>" in reply.raw_text and "<#C0CARDIO1>" in reply.raw_text
    assert slack.ephemerals() and reply in slack.ephemerals()
    # Looking is kept too.
    assert trail_of(sandbox, "H-1")[0] == (DANA, "audit.view")


def test_a_patients_trail_covers_its_handoffs_and_names_them(slack: SlackDriver) -> None:
    acknowledged_handoff(slack)

    slack.command("/carebot", "audit P-1")

    reply = slack.last_reply().text
    assert reply.startswith("*Audit trail of patient P-1*")
    assert "`handoff.acknowledge` · H-1 · in #cardiology-team" in reply


def test_someone_not_an_admin_is_refused_politely_and_the_refusal_is_audited(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    acknowledged_handoff(slack)

    slack.as_user("@sam.nurse").command("/carebot", "audit H-1")

    reply = slack.last_reply().text
    assert reply.startswith("Sorry, only carebot admins can read the audit trail.")
    assert "handoff.acknowledge" not in reply
    with sandbox.db.session(read_only=True) as session:
        refused = audit.recent(session, TEAM, limit=1)[0]
    assert (refused.actor, refused.action, refused.ref) == (SAM, "access.refused", "H-1")
    assert refused.channel_id == "C0CARDIO1" and refused.request_id


def test_another_workspaces_record_or_one_without_a_trail_is_not_here(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    with sandbox.db.session() as session:
        SqlAuditLog(session).record("T0ELSEWHR", "U0OTHER01", "handoff.create", "H-4", "C0OTHER01")

    slack.command("/carebot", "audit H-4")
    elsewhere = slack.last_reply().text
    slack.command("/carebot", "audit A-999")
    never = slack.last_reply().text

    assert elsewhere == "There is no record of H-4 in this workspace's audit trail."
    assert "U0OTHER01" not in elsewhere and "C0OTHER01" not in elsewhere
    assert never == "There is no record of A-999 in this workspace's audit trail."
    assert trail_of(sandbox, "H-4") == []  # a miss is not recorded as a view


@pytest.mark.parametrize("typed", ["", "Jane Doe", "H-0", "X-12", "<!channel>"])
def test_a_malformed_ref_shows_a_correct_example(slack: SlackDriver, typed: str) -> None:
    slack.command("/carebot", f"audit {typed}")

    reply = slack.last_reply()
    assert "Name one record, like `/carebot audit H-7`" in reply.text
    assert "<!channel>" not in reply.raw_text


def test_a_long_trail_shows_the_newest_within_slacks_limits_and_points_to_the_export(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    with sandbox.db.session() as session:
        log = SqlAuditLog(session)
        for minute in range(120):
            at = START + timedelta(minutes=minute)
            log.record(TEAM, SAM, "appointment.checklist.consent", "A-3", "C0CARDIO1", "r1", at)

    slack.command("/carebot", "audit A-3")

    reply = slack.last_reply()
    assert len(reply.blocks) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in reply.blocks)
    assert "Showing the newest 40 of 120 entries" in reply.text
    assert "carebot audit export --since" in reply.text
    assert reply.text.count("appointment.checklist.consent") == 40


def test_help_lists_the_audit_command(slack: SlackDriver) -> None:
    slack.command("/carebot", "help")
    overview = slack.last_reply().text
    slack.command("/carebot", "audit help")
    own = slack.last_reply().text

    assert "/carebot audit P-12|A-12|H-7|PA-31" in overview
    assert own.startswith("*/carebot audit* — Who did what and when to a record (admins only)")


def test_an_admin_can_ask_in_a_dm_too(slack: SlackDriver) -> None:
    acknowledged_handoff(slack)

    slack.in_dm().message("carebot audit H-1")

    assert slack.dms()[-1].text.startswith("*Audit trail of handoff H-1*")


@pytest.fixture(params=DIALECTS)
def database_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None  # the sandbox makes its own file
    worker_db: WorkerDatabase = request.getfixturevalue("postgres_worker_db")
    worker_db.empty()
    return worker_db.url


@pytest.fixture
def grouped(
    request: pytest.FixtureRequest, times: TimeParser, database_url: str | None
) -> Iterator[Sandbox]:
    """A sandbox whose only admins are the user group the test names (or none at all)."""
    world = start_sandbox(
        start=START,
        times=times,
        database_url=database_url,
        admins=frozenset(),
        admin_group=request.param,
    )
    try:
        yield world
    finally:
        world.close()
    assert world.standin.internal_errors == []


@pytest.mark.parametrize("grouped", ["@social-work"], indirect=True)
def test_members_of_the_admin_group_are_admins(grouped: Sandbox) -> None:
    slack = grouped.driver
    slack.command("/handoff", QUICK)

    slack.command("/carebot", "audit H-1")
    dana = slack.last_reply().text
    slack.as_user("@riley.sw").command("/carebot", "audit H-1")
    riley = slack.last_reply().text

    assert dana.startswith("Sorry, only carebot admins")
    assert riley.startswith("*Audit trail of handoff H-1*")


@pytest.mark.parametrize("grouped", ["@carebot-admins"], indirect=True)
def test_an_admin_group_that_does_not_exist_is_named_in_the_answer(grouped: Sandbox) -> None:
    slack = grouped.driver

    slack.as_user("@riley.sw").command("/carebot", "audit H-1")

    reply = slack.last_reply().text
    assert reply.startswith("Sorry, only carebot admins can read the audit trail.")
    assert "CAREBOT_ADMIN_GROUP @carebot-admins is not a user group in this workspace" in reply


@pytest.mark.parametrize("grouped", [None], indirect=True)
def test_with_no_admins_configured_the_answer_says_how_to_name_one(grouped: Sandbox) -> None:
    slack = grouped.driver

    slack.command("/carebot", "audit H-1")

    reply = slack.last_reply().text
    assert "Nobody is a carebot admin yet" in reply
    assert "CAREBOT_ADMINS=U012AB3CD,U045EF6GH" in reply
