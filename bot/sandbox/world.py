"""A whole carebot world on loopback: the Slack stand-in, the bot over HTTP (or connected in
Socket Mode), a driver, a clock."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.runtime.app import Runtime, build
from bot.runtime.config import Settings
from bot.runtime.installations import TokenCipher
from bot.runtime.oauth_config import REDIRECT_PATH, OAuthConfig
from bot.runtime.server import EVENTS_PATH, HttpServer, wsgi_app
from bot.runtime.socket_mode import connect
from bot.sandbox.driver import SlackDriver
from bot.sandbox.seed import Workspace, second_seed
from bot.sandbox.standin import SlackStandIn
from bot.sandbox.standin_tokens import OAuthApp
from bot.shared.rules.clock import FakeClock
from bot.shared.rules.timeparse import TimeParser
from storage import Database, channels

SIGNING_SECRET = "sandbox-signing-secret"  # noqa: S105 - the stand-in's own, known to both sides
# In Socket Mode a connection the stand-in closes is replaced within this many seconds.
SOCKET_PING_SECONDS = 2
ADMINS = frozenset({"U0COORD01"})  # dana, so a newcomer can try the admin commands
# Registered as care-team channels at start, as an admin would with /carebot settings.
CARE_CHANNELS = {
    "C0CARDIO1": "cardiology-team",
    "C0ORTHO01": "ortho-team",
    "G0ICU0001": "icu-private",
}


@dataclass
class Sandbox:
    """The stand-in, a carebot runtime served over HTTP, and a driver playing the people.

    In Socket Mode carebot is also connected to the stand-in's WebSocket (`socket`, Bolt's
    SocketModeHandler) and the driver sends everything there instead.
    """

    standin: SlackStandIn
    runtime: Runtime
    server: HttpServer
    driver: SlackDriver
    clock: FakeClock
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)
    socket: SocketModeHandler | None = None  # in Socket Mode

    @property
    def db(self) -> Database:
        return self.runtime.db

    def move_clock(self, to: datetime) -> list[str]:
        """Move the bot's clock forward to `to` and run the reminder sweep, as `time +2d` does."""
        self.clock.set(to)
        report = self.runtime.sweep()
        self.runtime.wait_idle()
        return report.lines()

    def close(self) -> None:
        if self.socket is not None:
            self._disconnect(self.socket)
        self.server.close()
        self.standin.stop()
        self.runtime.executor.shutdown(wait=True, cancel_futures=True)
        self.db.dispose()
        if self._tmp is not None:
            self._tmp.cleanup()

    def _disconnect(self, socket: SocketModeHandler) -> None:
        """Close the Socket Mode client at once rather than at its polls' pace: Slack's side
        closes first so its reader is not left waiting on a quiet socket (up to 3 s), and
        an empty message wakes its queue (up to 1 s)."""
        socket.client.auto_reconnect_enabled = False
        self.standin.socket_mode.close_connections()
        socket.client.closed = True
        socket.client.enqueue_message("")
        socket.close()  # type: ignore[no-untyped-call]


def start_sandbox(
    *,
    database_url: str | None = None,
    start: datetime | None = None,
    times: TimeParser | None = None,
    standin: SlackStandIn | None = None,
    timezone: str = "America/New_York",
    admins: frozenset[str] = ADMINS,
    admin_group: str | None = None,
    care_channels: bool = True,
    settings_changes: Mapping[str, object] | None = None,
    socket_mode: bool = False,
    many_workspaces: bool = False,
) -> Sandbox:
    """Start everything on free loopback ports; close() stops it.

    With `care_channels`, #cardiology-team, #ortho-team and #icu-private start registered
    as care-team channels; without, no channel is one until an admin marks it. With
    `socket_mode`, carebot connects to the stand-in as `carebot run` does with
    SLACK_APP_TOKEN set, and the driver reaches it over that WebSocket. With
    `many_workspaces`, the stand-in also hosts Northside Clinic and offers OAuth installs,
    carebot runs with SLACK_CLIENT_ID and friends instead of a bot token, and an admin of
    each workspace has installed it by the browser dance (`driver.in_workspace` acts in the
    second one).
    """
    tmp = None
    if database_url is None:
        tmp = tempfile.TemporaryDirectory(prefix="carebot-sandbox-")
        database_url = f"sqlite:///{Path(tmp.name) / 'sandbox.db'}"
    if standin is None and many_workspaces:
        standin = SlackStandIn(others=(second_seed(),), oauth=OAuthApp())
    standin = (standin or SlackStandIn()).start()
    oauth = None
    if many_workspaces:
        if standin.oauth is None:
            raise ValueError("a many-workspace sandbox needs a stand-in with an OAuthApp")
        oauth = OAuthConfig(
            standin.oauth.client_id, standin.oauth.client_secret, TokenCipher.new_key()
        )
    settings = Settings(
        bot_token=None if many_workspaces else standin.bot_token,
        signing_secret=SIGNING_SECRET,
        slack_api_url=standin.api_url,
        database_url=database_url,
        timezone=ZoneInfo(timezone),
        admins=admins,
        admin_group=admin_group,
        app_token=standin.app_token if socket_mode else None,
        socket_ping_seconds=SOCKET_PING_SECONDS,
        oauth=oauth,
    ).with_changes(**(settings_changes or {}))
    db = Database(database_url)
    db.upgrade()
    if care_channels:
        _register_care_channels(db, standin.workspace.team.id)
        for team in standin.teams[1:] if many_workspaces else ():
            _register_other_care_channels(db, standin.space(team))
    clock = FakeClock(start or datetime.now(UTC))
    runtime = build(settings, db=db, clock=clock, times=times)
    application = wsgi_app(runtime.app, db, SIGNING_SECRET, metrics=runtime.metrics)
    server = HttpServer(application, "127.0.0.1", 0).start()
    socket = connect(runtime.app, settings) if socket_mode else None
    # Connected is not yet greeted: until the stand-in has sent its hello (and counted the
    # connection), a close from "Slack" would find nothing to close.
    if socket is not None and not standin.socket_mode.wait_opened(1):
        raise TimeoutError("the stand-in never greeted carebot's Socket Mode connection")
    bot_url = None if socket_mode else server.url + EVENTS_PATH
    driver = SlackDriver(standin, bot_url, SIGNING_SECRET, settle=lambda: _settle(runtime))
    if many_workspaces and standin.oauth is not None and not standin.oauth.redirect_urls:
        # As on the app's OAuth page: where Slack sends the admin back when Bolt names none.
        standin.oauth = replace(standin.oauth, redirect_urls=(server.url + REDIRECT_PATH,))
    for team in standin.teams if many_workspaces else ():
        installed = driver.install(server.url, team=team)
        if not installed.ok:
            raise RuntimeError(f"installing carebot in {team} failed: {installed.body[:300]}")
    return Sandbox(standin, runtime, server, driver, clock, tmp, socket)


def _register_care_channels(db: Database, team_id: str) -> None:
    with db.session() as session:
        for channel_id, name in CARE_CHANNELS.items():
            channels.upsert(session, team_id, channel_id, name)


def _register_other_care_channels(db: Database, space: Workspace) -> None:
    """Another workspace's channels the bot is in, registered as its care-team channels."""
    with db.session() as session:
        for channel in space.channels.values():
            if space.bot_user_id in channel.members and not channel.is_im:
                channels.upsert(session, space.team.id, channel.id, channel.name)


def _settle(runtime: Runtime) -> None:
    if not runtime.wait_idle(timeout=15):
        raise TimeoutError("carebot was still busy 15 s after the last request")
