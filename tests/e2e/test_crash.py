"""kill -9 at the worst moment: a real carebot process dies while Slack holds its post.

A handoff (with its delivery and escalation) and a booking (with its card and the
clinician's copy) are committed before any post, so whatever moment the process died at,
the next sweep (another process) finishes the job: each message reaches Slack exactly once
(found by its send key when Slack already took it), the author hears, and the receiver's
escalation counts from when the handoff was written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.runtime.app import build
from bot.runtime.config import Settings
from bot.sandbox.driver import SlackDriver
from bot.sandbox.driver_base import DriverError
from bot.sandbox.standin import SlackStandIn
from bot.sandbox.world import CARE_CHANNELS
from bot.shared.rules.clock import FakeClock
from storage import Database, channels
from storage.appointments import queries as appointments
from storage.handoffs import queries as handoffs
from tests.e2e.test_cli import SECRET, free_port, wait_for_health

TEAM = "T0CAREBOT"
QUICK = "Jane Doe to @sam.nurse unstable: on heparin drip, recheck aPTT"


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


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


def settings(standin: SlackStandIn, url: str) -> Settings:
    return Settings(
        bot_token=standin.bot_token,
        signing_secret=SECRET,
        slack_api_url=standin.api_url,
        database_url=url,
        timezone=ZoneInfo("America/New_York"),
    )


def serve(standin: SlackStandIn, url: str, cwd: Path) -> tuple[subprocess.Popen[str], str]:
    """`carebot run --http` in its own process, no scheduler: only the test sweeps."""
    port = free_port()
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CAREBOT_", "DATABASE_"))
    }
    env = keep | {
        "DATABASE_URL": url,
        "PYTHONPATH": str(Path.cwd()),
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.api_url,
    }
    command = [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--no-scheduler"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_for_health(base + "/healthz", server)
    return server, base + "/slack/events"


def card_posts(standin: SlackStandIn) -> list[str]:
    """The ts of every handoff card in #cardiology-team."""
    return [m.ts for m in standin.messages("C0CARDIO1") if m.text.startswith("Handoff H-")]


@pytest.mark.parametrize("slack_took_it", [True, False], ids=["posted", "not-posted"])
def test_killed_mid_post_the_next_sweep_posts_the_card_once_and_escalates_on_time(
    standin: SlackStandIn, database_url: str, tmp_path: Path, slack_took_it: bool
) -> None:
    server, events = serve(standin, database_url, tmp_path)
    hold = standin.hold_next("chat.postMessage", stored=slack_took_it)
    try:
        SlackDriver(standin, events, SECRET).command("/handoff", QUICK)
        assert hold.reached.wait(timeout=20), "carebot never posted the card"
        written = datetime.now(UTC)
        os.kill(server.pid, signal.SIGKILL)  # while Slack holds the post
        server.wait(timeout=10)
    finally:
        hold.release()
        if server.poll() is None:
            server.kill()
    assert len(card_posts(standin)) == (1 if slack_took_it else 0)
    assert standin.internal_errors == []

    # Another process, once the dead one's short hold on the delivery has run out.
    clock = FakeClock(written + timedelta(minutes=3))
    runtime = build(settings(standin, database_url), clock=clock)
    try:
        runtime.sweep()
        runtime.wait_idle()

        [card] = card_posts(standin)
        with runtime.db.session(read_only=True) as session:
            row = handoffs.get_by_ref(session, TEAM, "H-1")
            assert row is not None and row.message_ts == card
        people = SlackDriver(standin, "http://127.0.0.1:9/unused", SECRET)
        assert [m.text for m in people.dms("@dana")] == ["Posted H-1 in #cardiology-team at last."]

        clock.set(written + timedelta(minutes=10, seconds=5))  # unstable: DM at 10 min
        runtime.sweep()
        sam = people.dms("@sam.nurse")
        assert len([m for m in sam if "waiting for your acknowledgement" in m.text]) == 1
        assert len(card_posts(standin)) == 1
    finally:
        runtime.executor.shutdown(wait=True)
        runtime.db.dispose()


def shown(slack: SlackDriver, text: str) -> bool:
    try:
        return text in slack.last_reply().text
    except DriverError:  # nothing shown yet
        return False


def wait_for(found: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if found():
            return
        time.sleep(0.05)
    pytest.fail(f"{what} did not happen within 20 s")


@pytest.mark.parametrize("slack_took_it", [True, False], ids=["posted", "not-posted"])
def test_killed_mid_booking_card_the_next_sweep_posts_it_once_and_the_clinician_hears_once(
    standin: SlackStandIn, database_url: str, tmp_path: Path, slack_took_it: bool
) -> None:
    server, events = serve(standin, database_url, tmp_path)
    hold = standin.hold_next("chat.postMessage", stored=slack_took_it)
    try:
        slack = SlackDriver(standin, events, SECRET)
        # Days ahead, not tomorrow: a visit within 24 h would also be due its clinician's
        # reminder at the sweep below, a second DM that is no repeat.
        when = f"{datetime.now(UTC) + timedelta(days=3):%b %-d} 3pm"
        slack.command("/appt", f"book Jane Doe, MRI, {when}, with @dr.patel")
        wait_for(lambda: shown(slack, "Book this visit?"), "the preview")
        slack.click("Confirm")
        assert hold.reached.wait(timeout=20), "carebot never posted the card"
        booked = datetime.now(UTC)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    finally:
        hold.release()
        if server.poll() is None:
            server.kill()

    runtime = build(settings(standin, database_url), clock=FakeClock(booked + timedelta(minutes=3)))
    try:
        runtime.sweep()
        runtime.wait_idle()
        cards = [m for m in standin.messages("C0CARDIO1") if "A-1" in m.text]
        assert len(cards) == 1
        people = SlackDriver(standin, "http://127.0.0.1:9/unused", SECRET)
        assert len([m for m in people.dms("@dr.patel") if "A-1" in m.text]) == 1
        with runtime.db.session(read_only=True) as session:
            row = appointments.get_by_ref(session, TEAM, "A-1")
            assert row is not None and row.message_ts == cards[0].ts
    finally:
        runtime.executor.shutdown(wait=True)
        runtime.db.dispose()
