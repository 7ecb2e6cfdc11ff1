"""The fuzz run's world: the Slack stand-in here, the real carebot in its own process over HTTP.

carebot runs as `carebot run --http` would in production (waitress, its own logging
to stderr), on a scratch SQLite file (or a PostgreSQL URL) where the sandbox's care-team
channels are registered, so commands get past access checks to the deeper paths.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bot.runtime.server import EVENTS_PATH, HEALTH_PATH
from bot.sandbox import driver_payloads as payloads
from bot.sandbox.seed import Channel, User
from bot.sandbox.standin import ApiCall, SlackStandIn
from bot.sandbox.world import ADMINS, CARE_CHANNELS
from storage import Database, channels, workspaces

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Sent:
    """One request and what the bot answered; `key` finds its replies among the calls."""

    kind: str  # "/appt", ..., or "dm"
    text: str
    status: int
    key: str  # the response_url id, or the DM's thread ts
    ack: ApiCall | None = None  # a slash command's ack body, as the stand-in showed it
    trigger: str | None = None  # the trigger_id a slash command carried


class Answers:
    """Which requests carebot has answered, read from the stand-in's record of calls.

    A request is answered by a post to its response_url, a view opened with its
    trigger_id, or a reply in its DM thread. Clients wait for the answer before sending
    more, as people do; without that, work queued after each ack piles up until SQLite's
    writers starve one another, which says nothing about input.
    """

    def __init__(self, standin: SlackStandIn) -> None:
        self.standin = standin
        self._seen: set[str] = set()
        self._read = 0
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="fuzz-answers", daemon=True)
        self._thread.start()

    def wait(self, sent: Sent, timeout: float) -> bool:
        """Whether carebot answered `sent` within `timeout` seconds."""
        keys = {sent.key, sent.trigger} - {None}
        with self._changed:
            return self._changed.wait_for(lambda: not keys.isdisjoint(self._seen), timeout)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            calls = self.standin.calls()
            fresh, self._read = calls[self._read :], len(calls)
            keys = {
                str(c.params.get(name))
                for c in fresh
                for name in ("id", "trigger_id", "thread_ts")
                if c.params.get(name)
            }
            if keys:
                with self._changed:
                    self._seen |= keys
                    self._changed.notify_all()


@dataclass
class Bot:
    """carebot's process, the stand-in it talks to, and where its stderr goes."""

    standin: SlackStandIn
    port: int
    secret: str
    log: Path | None = None  # None when carebot runs in this process (the property tests)

    # -- the people's side ------------------------------------------------------------

    def places(self) -> list[tuple[User, Channel]]:
        """Every (person, channel) where that person can type and the bot hears it."""
        space = self.standin.workspace
        found = []
        for channel in space.channels.values():
            if channel.is_im or channel.is_archived or space.bot_user_id not in channel.members:
                continue
            for user_id in sorted(channel.members):
                user = space.users.get(user_id)
                if user is not None and not user.is_bot and not user.deleted:
                    found.append((user, channel))
        return found

    def slash(self, user: User, channel: Channel, command: str, text: str) -> Sent:
        """A signed slash command with fresh response_url and trigger_id; its ack shown."""
        standin = self.standin
        response_url = standin.issue_response_url(channel.id, user.id)
        trigger = standin.issue_trigger(user.id)
        fields = payloads.command_form(
            standin.workspace,
            channel,
            user,
            command,
            text,
            response_url=response_url,
            trigger_id=trigger,
        )
        status, body = self.post(urlencode(fields).encode(), "application/x-www-form-urlencoded")
        rid = response_url.rsplit("/", 1)[-1]
        ack = None
        if status == 200 and body:
            refused = standin.deliver_ack(channel.id, user.id, body)
            ack = ApiCall("ack", {"body": body, "id": rid}, time.time(), 200, refused or {})
        return Sent(command, text, status, rid, ack, trigger)

    def dm(self, user: User, text: str) -> Sent:
        """A message in the person's DM with the bot, in a thread of its own (to find replies)."""
        standin = self.standin
        channel = standin.dm_channel(user.id)
        posted = standin.post_as_user(channel.id, user.id, text)
        event = payloads.message_event(standin.workspace, channel, user, text, text, posted)
        event |= {"type": "message", "channel_type": "im", "thread_ts": posted.ts}
        envelope = payloads.event_callback(
            standin.workspace, event, f"Ev{uuid.uuid4().hex[:12].upper()}"
        )
        status, _ = self.post(json.dumps(envelope).encode(), "application/json")
        return Sent("dm", text, status, posted.ts)

    def post(self, body: bytes, content_type: str) -> tuple[int, Any]:
        """One signed POST to /slack/events: (HTTP status, parsed body or None)."""
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": payloads.sign(self.secret, timestamp, body),
        }
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT_S)
        try:
            connection.request("POST", EVENTS_PATH, body, headers)
            answer = connection.getresponse()
            raw = answer.read()
        except OSError as failure:
            return 0, type(failure).__name__
        finally:
            connection.close()
        text = raw.decode("utf-8", errors="replace")
        try:
            return answer.status, json.loads(text) if text.strip() else None
        except ValueError:
            return answer.status, text

    # -- what it wrote to stderr ------------------------------------------------------

    def log_lines(self, start: int = 0) -> list[str]:
        """carebot's stderr from line `start` on."""
        if self.log is None:
            return []
        return self.log.read_text(errors="replace").splitlines()[start:]


def prepare_database(url: str, team_id: str) -> None:
    """Migrate and register the sandbox's care-team channels, as an admin would."""
    db = Database(url)
    db.upgrade()
    with db.session() as session:
        for channel_id, name in CARE_CHANNELS.items():
            channels.upsert(session, team_id, channel_id, name)
    show_names_in_full(db, team_id)
    db.dispose()


def show_names_in_full(db: Database, team_id: str) -> None:
    """Patients' full names on cards (the hardest case for escaping), initials in one channel."""
    with db.session() as session:
        workspaces.set_patient_display(session, team_id, "full")
        channels.save_settings(
            session, team_id, "C0ORTHO01", "ortho-team", {"patient_display": "initials"}, by="fuzz"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_bot(workdir: Path, database_url: str | None = None) -> Iterator[Bot]:
    """The stand-in and carebot's process, both stopped on the way out."""
    standin = SlackStandIn().start()
    url = database_url or f"sqlite:///{workdir / 'fuzz.db'}"
    prepare_database(url, standin.workspace.team.id)
    secret = uuid.uuid4().hex
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CAREBOT_"))}
    env = keep | {
        "PYTHONPATH": str(REPO),
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": url,
        "CAREBOT_TIMEZONE": "America/New_York",
        "CAREBOT_ADMINS": ",".join(sorted(ADMINS)),
        "LOG_LEVEL": "WARNING",
    }
    port = free_port()
    argv = [sys.executable, "-m", "bot", "run", "--http", "--host", HOST]
    argv += ["--port", str(port), "--no-scheduler"]
    log = workdir / "carebot.stderr"
    with log.open("wb") as sink:
        # Run away from the repo, so no stray .env is read.
        process = subprocess.Popen(
            argv, env=env, cwd=workdir, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink
        )
        try:
            _wait_healthy(port, process, log)
            yield Bot(standin, port, secret, log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            standin.stop()


def _wait_healthy(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=1)
            connection.request("GET", HEALTH_PATH)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"carebot did not start; its stderr:\n{log.read_text(errors='replace')}")
