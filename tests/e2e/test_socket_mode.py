"""Socket Mode, tested like HTTP: the key flows over both transports, and the connection's
life (Slack closing it, asking for a new one, an event retried after a drop).

Over Socket Mode carebot is connected with Bolt's SocketModeHandler, as `carebot run` does
when SLACK_APP_TOKEN is set: it asks the stand-in's apps.connections.open for a WebSocket
URL and answers every envelope on it; the driver sends the same requests as envelopes.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sandbox.driver import Seen, SlackDriver
from bot.sandbox.standin import SlackStandIn
from bot.sandbox.world import CARE_CHANNELS, Sandbox, start_sandbox
from bot.shared.rules.timeparse import TimeParser
from storage import Database, channels
from storage.preapprovals import queries as preapprovals
from tests.e2e.conftest import START
from tests.e2e.test_appointment_form import GOOD
from tests.e2e.test_cli import carebot, one_line

TEAM = "T0CAREBOT"
QUICK = "Jane Doe to @sam.nurse unstable: on heparin drip, recheck aPTT"

JANE = "Jane Doe, MRI, tomorrow 3pm, 45 min, with @dr.patel, at Radiology 2"
READ_BACK = {"Your read-back (synthesis)": "Recheck K+ at 6am, call if it drops"}
TUE_9AM_NY = datetime(2027, 3, 2, 14, 0, tzinfo=UTC)
HELP = "What carebot can do"


@pytest.fixture(params=[False, True], ids=["http", "socket-mode"])
def world(request: pytest.FixtureRequest, times: TimeParser) -> Iterator[Sandbox]:
    """The whole world on SQLite, carebot reached over HTTP or over Socket Mode."""
    sandbox = start_sandbox(start=START, times=times, socket_mode=request.param)
    try:
        yield sandbox
    finally:
        sandbox.close()
    assert sandbox.standin.internal_errors == []
    deliveries = sandbox.standin.socket_mode.deliveries()
    assert bool(deliveries) == request.param  # Socket Mode or not, nothing went the other way
    assert all(d.ack is not None for d in deliveries)
    assert sandbox.standin.socket_mode.unreadable == []


@pytest.fixture
def slack(world: Sandbox) -> SlackDriver:
    return world.driver


def card(slack: SlackDriver) -> str:
    [post] = [m for m in slack.messages("#cardiology-team") if "Handoff H-" in m.text]
    return post.text


def rounds(slack: SlackDriver) -> list[Seen]:
    return [m for m in slack.dms("@dana") if "pre-approval" in m.text.lower()]


# -- the key flows, over both transports ------------------------------------------------


def test_a_visit_is_previewed_booked_and_announced(slack: SlackDriver) -> None:
    assert slack.command("/appt", f"book {JANE}").ok
    assert "Book this visit?" in slack.last_reply().text

    slack.click("Confirm")

    assert "Booked *A-1* for Jane Doe (P-1)" in slack.last_reply().text
    [post] = slack.messages("#cardiology-team")
    assert "A-1" in post.text and "Jane Doe" not in post.text
    [dm] = slack.dms("@dr.patel")
    assert "A-1" in dm.text


def test_a_handoff_is_acknowledged_with_a_read_back(slack: SlackDriver) -> None:
    slack.command("/handoff", QUICK)
    assert "Posted H-1 in" in slack.last_reply().text

    sam = slack.as_user("@sam.nurse")
    sam.click("Acknowledge")
    assert sam.modal is not None and sam.modal.title == "Acknowledge H-1"
    ack = sam.submit(READ_BACK)

    assert ack.ok and sam.modal is None
    assert "*Acknowledged* by @sam.nurse" in card(slack)
    assert READ_BACK["Your read-back (synthesis)"] in card(slack)


def test_a_pre_approval_round_reaches_its_owner_whose_click_moves_it_on(
    world: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI")

    assert "preauth-round: 1 sent for 1 reminder(s)" in world.move_clock(TUE_9AM_NY)
    [round_dm] = rounds(slack)
    assert "1 pre-approval needs your attention" in round_dm.text
    dana = slack.in_dm()
    assert dana.click("Submitted").ok

    assert "*PA-1* is now _submitted_" in dana.last_reply().text
    with world.db.session(read_only=True) as session:
        row = preapprovals.get_by_ref(session, TEAM, "PA-1")
        assert row is not None and row.status == "submitted"


def test_a_command_typed_in_a_dm_is_answered_there(world: Sandbox, slack: SlackDriver) -> None:
    slack.in_dm().message("preauth new Jane Doe, Aetna, MRI")

    [reply] = slack.dms()
    assert "Opened *PA-1*" in reply.text
    slack.message("carebot help")
    assert HELP in slack.dms()[-1].text


def test_a_form_shows_what_is_wrong_under_each_field_then_takes_the_fixed_one(
    slack: SlackDriver,
) -> None:
    slack.command("/appt")
    assert slack.modal is not None and slack.modal.title == "Book a visit"

    bad = slack.submit({**GOOD, "When": "blorp", "Duration": "30 hours"})
    assert bad.ok and set(slack.errors) == {"when", "duration"}
    assert slack.modal is not None
    slack.submit({"When": "", "Duration": "1h"})

    assert slack.errors == {} and slack.modal is None
    assert "Tue 2 Mar 2027, 3:00-4:00 PM EST" in slack.last_reply().text


# -- the connection's life, in Socket Mode ----------------------------------------------


@pytest.fixture
def connected(times: TimeParser) -> Iterator[Sandbox]:
    """carebot connected to the stand-in over Socket Mode."""
    sandbox = start_sandbox(start=START, times=times, socket_mode=True)
    try:
        yield sandbox
    finally:
        sandbox.close()
    assert sandbox.standin.internal_errors == []


def test_a_connection_slack_closes_is_opened_again_and_carebot_answers_on_it(
    connected: Sandbox,
) -> None:
    link, slack = connected.standin.socket_mode, connected.driver

    link.close_connections()

    assert link.wait_opened(2, timeout=15), "carebot did not connect again"
    assert len(connected.standin.calls("apps.connections.open")) == 2
    assert slack.command("/carebot", "help").ok
    assert HELP in slack.last_reply().text
    [delivery] = link.deliveries()
    assert [e.link for e in delivery.attempts] == [2]


def test_an_event_slack_retries_after_a_drop_is_handled_once(
    connected: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="handlers.kit.dedup")
    link, slack = connected.standin.socket_mode, connected.driver
    link.drop_next_envelope()  # carebot hears the event, but its ack is lost with the link

    ack = slack.in_dm().message("preauth new Jane Doe, Aetna, MRI")

    assert ack.ok, "the retry was never acked"
    [delivery] = link.deliveries("events_api")
    first, retry = delivery.attempts
    assert (first.retry_attempt, first.retry_reason) == (0, "")
    assert (retry.retry_attempt, retry.retry_reason) == (1, "timeout")
    assert retry.link > first.link  # on the connection carebot opened after the drop
    [reply] = slack.dms()
    assert "Opened *PA-1*" in reply.text
    with connected.db.session(read_only=True) as session:
        assert preapprovals.get_by_ref(session, TEAM, "PA-2") is None
    assert "ignored a repeat: event" in caplog.text


# -- `carebot run` itself, in Socket Mode -----------------------------------------------


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running
    assert running.internal_errors == []


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'carebot.db'}"
    db = Database(url)
    db.upgrade()
    with db.session() as session:
        for channel_id, name in CARE_CHANNELS.items():
            channels.upsert(session, TEAM, channel_id, name)
    db.dispose()
    return url


def socket_env(standin: SlackStandIn, url: str, **more: str) -> dict[str, str]:
    """What an admin sets for Socket Mode: the bot and app-level tokens, no signing secret."""
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CAREBOT_", "DATABASE_"))
    }
    return keep | {
        "DATABASE_URL": url,
        "PYTHONPATH": str(Path.cwd()),
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_APP_TOKEN": standin.app_token,
        "SLACK_API_URL": standin.api_url,
        "CAREBOT_SOCKET_PING_SECONDS": "2",
        **more,
    }


def eventually(found: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if found():
            return
        time.sleep(0.05)
    pytest.fail(f"{what} did not happen within 15 s")


def test_carebot_run_answers_over_socket_mode_across_drops_and_refreshes(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    link = standin.socket_mode
    command = [sys.executable, "-m", "bot", "run", "--no-scheduler"]
    server = subprocess.Popen(
        command,
        env=socket_env(standin, database_url),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        if not link.wait_opened(1, timeout=30):
            server.kill()
            pytest.fail(f"carebot run never connected: {server.communicate()[1]}")
        slack, dm = SlackDriver(standin, None), SlackDriver(standin, None).in_dm()

        assert slack.command("/handoff", QUICK).ok
        eventually(lambda: any("Handoff H-1" in m.text for m in slack.messages()), "the card")

        link.close_connections()  # Slack goes away: carebot finds out and dials again
        assert link.wait_opened(2, timeout=15)
        dm.message("carebot help")
        eventually(lambda: len(dm.dms()) == 1, "the answer on the second connection")

        link.disconnect("refresh_requested")  # carebot dials again, then closes the old one
        assert link.wait_opened(3, timeout=15)
        eventually(lambda: link.connections == 1, "carebot closing the connection it left")
        assert slack.command("/carebot", "help").ok
        assert link.deliveries()[-1].attempts[-1].link == 3

        link.drop_next_envelope()
        assert dm.message("preauth new Jane Doe, Aetna, MRI").ok  # acked on its retry
        eventually(lambda: len(dm.dms()) == 2, "the answer to the retried event")
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=10)

    answers = [m.text for m in dm.dms()]
    assert len(answers) == 2 and HELP in answers[0] and "Opened *PA-1*" in answers[1]
    assert link.opened >= 4  # the first, then after the close, the refresh and the drop
    assert len(standin.calls("apps.connections.open")) == link.opened  # a new URL each time
    assert "ignored a repeat: event" in stderr
    assert "Traceback" not in stderr


def test_carebot_run_refuses_an_app_token_slack_does_not_know_in_one_line(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    settings = socket_env(standin, database_url, SLACK_APP_TOKEN="xapp-1-A0OTHER-1-revoked")

    refused = carebot("run", env=settings, cwd=tmp_path)

    assert refused.returncode == 1
    line = one_line(refused.stderr)
    assert "Slack refused the app-level token (invalid_auth)" in line
    assert "SLACK_APP_TOKEN" in line
    assert standin.socket_mode.opened == 0
