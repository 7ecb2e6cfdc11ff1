"""One carebot, two workspaces installed by OAuth (General Hospital and Northside Clinic):
installs, isolation of records, lists, Home tabs, audit and sweeps, uninstalls, token
rotation, and the installs carebot refuses. Everything goes through the stand-in over HTTP."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.runtime.app import NOT_INSTALLED
from bot.sandbox.driver import SlackDriver
from bot.sandbox.seed import second_seed
from bot.sandbox.standin import SlackStandIn
from bot.sandbox.standin_tokens import OAuthApp
from bot.sandbox.world import Sandbox, start_sandbox
from bot.shared.rules.timeparse import TimeParser
from storage import workspaces
from storage.appointments import queries as appointments
from tests.conftest import DIALECTS, WorkerDatabase
from tests.e2e.conftest import START

HOSPITAL, CLINIC = "T0CAREBOT", "T0NORTHSD"


def world(request: pytest.FixtureRequest, times: TimeParser, **options: object) -> Sandbox:
    url = None
    if request.param == "postgres":
        worker_db: WorkerDatabase = request.getfixturevalue("postgres_worker_db")
        worker_db.empty()
        url = worker_db.url
    return start_sandbox(
        start=START, times=times, database_url=url, many_workspaces=True, **options
    )  # type: ignore[arg-type]


@pytest.fixture(params=DIALECTS)
def many(request: pytest.FixtureRequest, times: TimeParser) -> Iterator[Sandbox]:
    sandbox = world(request, times)
    try:
        yield sandbox
    finally:
        sandbox.close()
    assert sandbox.standin.internal_errors == []
    assert sandbox.standin.cross_workspace_calls == []


@pytest.fixture
def hospital(many: Sandbox) -> SlackDriver:
    return many.driver  # dana in #cardiology-team


@pytest.fixture
def clinic(many: Sandbox) -> SlackDriver:
    return many.driver.in_workspace(CLINIC)  # jordan in #clinic-team


def book(slack: SlackDriver, text: str) -> str:
    slack.command("/appt", f"book {text}")
    slack.click("Confirm")
    return slack.last_reply().text


def teams_called(sandbox: Sandbox, method: str) -> list[str | None]:
    return [call.team for call in sandbox.standin.calls(method)]


def test_both_workspaces_are_installed_with_encrypted_tokens(many: Sandbox) -> None:
    with many.db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT team_id, bot_token FROM slack_bots")).all()
    assert sorted(team for team, _ in rows) == [HOSPITAL, CLINIC]
    for team, stored in rows:
        assert many.standin.token_of(team) not in stored and "xoxb" not in stored

    again = many.driver.install(many.server.url, team=CLINIC)  # an admin installs once more

    assert again.ok
    assert "carebot is installed in <b>Northside Clinic</b>" in again.body
    assert "/invite @carebot" in again.body


def test_records_lists_home_tabs_audit_and_refs_never_cross(
    many: Sandbox, hospital: SlackDriver, clinic: SlackDriver
) -> None:
    told_hospital = book(hospital, "Jane Doe, consult, tomorrow 3pm with @dr.patel")
    told_clinic = book(clinic, "Ana Lima, consult, tomorrow 3pm with @dr.kim")

    assert "Booked *A-1* for Jane Doe (P-1)" in told_hospital  # each workspace counts its own
    assert "Booked *A-1* for Ana Lima (P-1)" in told_clinic
    with many.db.session(read_only=True) as session:
        jane = appointments.get_by_ref(session, HOSPITAL, "A-1")
        ana = appointments.get_by_ref(session, CLINIC, "A-1")
        assert jane is not None and ana is not None and jane.id != ana.id

    clinic.command("/appt", "list tomorrow")
    listed = clinic.last_reply().text
    assert "A.L. (P-1)" in listed and "J.D." not in listed and "dr.patel" not in listed
    hospital.command("/appt", "list tomorrow")
    listed = hospital.last_reply().text
    assert "J.D. (P-1)" in listed and "A.L." not in listed

    clinic.as_user("@dr.kim").open_home()
    home = many.standin.home("U0NSDRKIM")
    assert home is not None
    seen = str(home.view)
    assert "A.L." in seen and "J.D." not in seen

    clinic.as_user("@jordan").command("/carebot", "audit A-1")  # jordan installed it: an admin
    trail = clinic.last_reply().text
    assert "U0NSCOORD" in trail or "@jordan" in trail
    assert "dana" not in trail and "U0COORD01" not in trail

    # What each workspace was told went with its own token, into its own channels.
    [post] = clinic.messages("#clinic-team")
    assert "A.L. (P-1)" in post.text
    assert all("A.L." not in m.text for m in hospital.messages("#cardiology-team"))
    assert set(teams_called(many, "chat.postMessage")) == {HOSPITAL, CLINIC}


def test_the_sweep_sends_each_workspace_s_reminders_with_its_own_token(
    many: Sandbox, hospital: SlackDriver, clinic: SlackDriver
) -> None:
    book(hospital, "Jane Doe, consult, in 3 days 3pm with @dr.patel")
    book(clinic, "Ana Lima, consult, in 3 days 3pm with @dr.kim")
    before = len(many.standin.calls("chat.postMessage"))

    many.move_clock(START + timedelta(days=2, hours=4))  # past both 24-hour reminders

    sent = many.standin.calls("chat.postMessage")[before:]
    assert {call.team for call in sent} == {HOSPITAL, CLINIC}
    assert any(
        "tomorrow" in dm.text.lower() or "A-1" in dm.text for dm in hospital.dms("@dr.patel")
    )
    kim = clinic.dms("@dr.kim")
    assert kim and all("J.D." not in dm.text and "Jane" not in dm.text for dm in kim)


def test_an_uninstall_forgets_the_tokens_stops_the_reminders_and_keeps_the_records(
    many: Sandbox, hospital: SlackDriver, clinic: SlackDriver
) -> None:
    book(hospital, "Jane Doe, consult, in 3 days 3pm with @dr.patel")
    book(clinic, "Ana Lima, consult, in 3 days 3pm with @dr.kim")

    clinic.uninstall_app()  # Slack revokes its tokens and sends both events

    with many.db.engine.connect() as connection:
        teams = connection.execute(sa.text("SELECT team_id FROM slack_bots")).scalars().all()
    assert teams == [HOSPITAL]
    with many.db.session(read_only=True) as session:
        assert workspaces.uninstalled(session, CLINIC)
        assert appointments.get_by_ref(session, CLINIC, "A-1") is not None  # kept
    before = len(many.standin.calls())
    many.move_clock(START + timedelta(days=2, hours=4))
    after = many.standin.calls()[before:]
    assert HOSPITAL in {call.team for call in after}
    assert CLINIC not in {call.team for call in after}  # not even tried

    ack = clinic.command("/appt", "list")
    assert ack.status == 200
    assert NOT_INSTALLED in clinic.last_reply().text

    assert many.driver.install(many.server.url, team=CLINIC).ok  # installed again
    many.move_clock(START + timedelta(days=2, hours=5))
    assert any("A-1" in dm.text for dm in clinic.dms("@dr.kim"))  # the overdue reminder


@pytest.fixture(params=DIALECTS)
def rotating(request: pytest.FixtureRequest, times: TimeParser) -> Iterator[Sandbox]:
    # Tokens that live an hour are always within carebot's two-hour refresh window.
    standin = SlackStandIn(others=(second_seed(),), oauth=OAuthApp(rotation=True, token_ttl_s=3600))
    sandbox = world(request, times, standin=standin)
    try:
        yield sandbox
    finally:
        sandbox.close()
    assert sandbox.standin.internal_errors == []
    assert sandbox.standin.cross_workspace_calls == []


def test_rotating_tokens_are_refreshed_on_requests_and_in_the_sweep(rotating: Sandbox) -> None:
    hospital = rotating.driver
    refreshes = [e for e in rotating.standin.oauth_exchanges if e.grant_type == "refresh_token"]
    assert refreshes == []

    book(hospital, "Jane Doe, consult, in 3 days 3pm with @dr.patel")
    refreshed = [e for e in rotating.standin.oauth_exchanges if e.grant_type == "refresh_token"]
    assert refreshed and all(e.ok for e in refreshed)

    before = len(refreshed)
    rotating.move_clock(START + timedelta(days=2, hours=4))  # the sweep: outside any request
    refreshed = [e for e in rotating.standin.oauth_exchanges if e.grant_type == "refresh_token"]
    assert len(refreshed) > before
    assert any("A-1" in dm.text for dm in hospital.dms("@dr.patel"))
    bot = rotating.runtime.many.store.bot_of_team(HOSPITAL)  # type: ignore[union-attr]
    assert bot is not None and bot.bot_token == rotating.standin.token_of(HOSPITAL)


def test_an_org_wide_install_is_refused_and_its_token_revoked(many: Sandbox) -> None:
    refused = many.driver.install(many.server.url, enterprise="E0RIVERBD")

    assert refused.status == 400
    assert "one workspace at a time" in refused.body
    assert "Install carebot in each workspace" in refused.body
    with pytest.raises(LookupError):
        many.standin.token_of("E0RIVERBD")  # revoked at once
    with many.db.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT team_id FROM slack_bots")).scalars().all()
    assert sorted(stored) == [HOSPITAL, CLINIC]


def test_a_cancelled_or_replayed_install_says_what_happened(many: Sandbox) -> None:
    cancelled = many.driver.install(many.server.url, team=CLINIC, deny=True)
    assert "cancelled in Slack" in cancelled.body
    assert 'href="/slack/install"' in cancelled.body

    done = many.driver.install(many.server.url, team=CLINIC)
    assert done.ok and done.callback_url is not None
    with pytest.raises(urllib.error.HTTPError) as replayed:  # the same link, another browser
        urllib.request.urlopen(done.callback_url, timeout=5)
    page = replayed.value.read().decode()
    assert replayed.value.code == 400 and "another browser" in page


@pytest.mark.parametrize("method", ["POST", "HEAD", "PUT"])
def test_the_install_paths_answer_only_get(many: Sandbox, method: str) -> None:
    for path in ("/slack/install", "/slack/oauth_redirect"):
        request = urllib.request.Request(many.server.url + path, method=method)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 405


def test_one_workspace_mode_serves_no_install_pages(sandbox: Sandbox) -> None:
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(sandbox.server.url + "/slack/install", timeout=5)
    assert missing.value.code == 404


def test_whoever_installed_carebot_in_a_workspace_is_an_admin_there_only(
    many: Sandbox, clinic: SlackDriver
) -> None:
    clinic.as_user("@jordan").command("/carebot", "audit P-1")  # jordan installed it here
    assert "only carebot admins" not in clinic.last_reply().text
    clinic.as_user("@alex.rn").command("/carebot", "audit P-1")
    assert "only carebot admins" in clinic.last_reply().text
    with many.db.session(read_only=True) as session:
        assert workspaces.installed_by(session, CLINIC) == "U0NSCOORD"
        assert workspaces.installed_by(session, HOSPITAL) == "U0COORD01"


def test_a_token_revoked_without_a_word_is_found_out_and_the_workspace_uninstalled(
    many: Sandbox, clinic: SlackDriver
) -> None:
    book(clinic, "Ana Lima, consult, in 3 days 3pm with @dr.kim")
    many.standin.uninstall(CLINIC)  # removed in Slack; the events never reach carebot

    clinic.as_user("@jordan").command("/appt", "list")  # its token is refused: checked, gone

    with many.db.session(read_only=True) as session:
        assert workspaces.uninstalled(session, CLINIC)
    assert many.runtime.many.store.bot_of_team(CLINIC) is None  # type: ignore[union-attr]
    before = len(many.standin.calls())
    many.move_clock(START + timedelta(days=2, hours=4))
    assert CLINIC not in {call.team for call in many.standin.calls()[before:]}
    clinic.command("/appt", "list")
    assert NOT_INSTALLED in clinic.last_reply().text


def test_requests_at_once_refresh_a_rotating_token_once_each_and_all_are_answered(
    rotating: Sandbox,
) -> None:
    drivers = [rotating.driver.in_workspace(HOSPITAL) for _ in range(8)]
    replies: list[str] = []

    def ask(driver: SlackDriver) -> None:
        driver.command("/appt", "list")
        replies.append(driver.last_reply().text)

    threads = [threading.Thread(target=ask, args=(driver,)) for driver in drivers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(replies) == 8
    assert not any(NOT_INSTALLED in reply for reply in replies)
    refreshes = [e for e in rotating.standin.oauth_exchanges if e.grant_type == "refresh_token"]
    assert refreshes and all(e.ok for e in refreshes)  # single-use refresh tokens never reused


def test_a_person_of_the_other_workspace_is_nobody_here(many: Sandbox, clinic: SlackDriver) -> None:
    clinic.command("/handoff", "Ana Lima to <@U0COORD01|dana>: stable, recheck labs")
    said = clinic.last_reply().text
    assert "E-" not in said  # no apology: a clear refusal
    assert "receiver" in said.lower()
    clinic.command("/appt", "book Ana Lima, consult, tomorrow 3pm, with <@U0DRPATEL|dr.patel>")
    said = clinic.last_reply().text
    assert "in this workspace" in said and "E-" not in said


def test_a_workspace_not_allowed_is_refused_with_a_page_that_says_whom_to_ask(
    many: Sandbox,
) -> None:
    flow = many.runtime.many.flow  # type: ignore[union-attr]
    flow.allowed = frozenset({HOSPITAL})  # as CAREBOT_ALLOWED_WORKSPACES=T0CAREBOT

    refused = many.driver.install(many.server.url, team=CLINIC)

    assert refused.status == 403
    assert "not open to this workspace (T0NORTHSD)" in refused.body
    assert "CAREBOT_ALLOWED_WORKSPACES" in refused.body
    assert many.driver.install(many.server.url, team=HOSPITAL).ok
