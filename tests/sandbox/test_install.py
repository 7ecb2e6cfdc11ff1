"""An admin installing the app through Bolt's real OAuth flow, with the driver as the browser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.sandbox.driver import DriverError, SlackDriver
from bot.sandbox.seed import second_seed
from bot.sandbox.standin import OAuthApp, SlackStandIn
from tests.sandbox.boltinstall import BoltInstaller
from tests.sandbox.conftest import FakeMonotonic

HOSPITAL, CLINIC, ORG = "T0CAREBOT", "T0NORTHSD", "E0RIVERBD"
APP = OAuthApp(client_id="1111.2222", client_secret="shh-secret")
Launch = Callable[..., BoltInstaller]


@pytest.fixture
def slack(manifest: Path, clock: FakeMonotonic) -> Iterator[SlackStandIn]:
    standin = SlackStandIn(manifest=manifest, monotonic=clock, others=(second_seed(),), oauth=APP)
    with standin as running:
        yield running
    assert running.internal_errors == [] and running.cross_workspace_calls == []


@pytest.fixture
def launch(slack: SlackStandIn, tmp_path: Path) -> Iterator[Launch]:
    started: list[BoltInstaller] = []

    def start(**options: bool) -> BoltInstaller:
        installer = BoltInstaller(slack, slack.oauth or APP, tmp_path, **options).start()
        started.append(installer)
        return installer

    yield start
    for installer in started:
        installer.stop()


@pytest.fixture
def admin(slack: SlackStandIn) -> SlackDriver:
    return SlackDriver(slack, None)  # a browser only: nothing goes to the events URL


def test_an_admin_installs_the_app_in_the_second_workspace(
    slack: SlackStandIn, launch: Launch, admin: SlackDriver
) -> None:
    bolt = launch()
    installed = admin.in_workspace(CLINIC).install(bolt.url)
    assert installed.ok and "Thank you!" in installed.body
    assert installed.callback_url is not None and "code=" in installed.callback_url
    kept = bolt.store.find_installation(enterprise_id=None, team_id=CLINIC)
    assert kept is not None
    assert (kept.bot_token, kept.bot_user_id, kept.bot_id, kept.user_id) == (
        slack.token_of(CLINIC),
        "U0NSCAREB",
        "B0NSCAREB",
        "U0NSCOORD",
    )
    assert bolt.store.find_installation(enterprise_id=None, team_id=HOSPITAL) is None
    assert [(e.owner, e.ok) for e in slack.oauth_exchanges] == [(CLINIC, True)]


def test_a_rotating_install_through_a_redirecting_install_page(
    slack: SlackStandIn, launch: Launch, admin: SlackDriver
) -> None:
    slack.oauth = replace(APP, rotation=True)
    bolt = launch(page=False)
    assert admin.install(bolt.url).ok
    kept = bolt.store.find_installation(enterprise_id=None, team_id=HOSPITAL)
    assert kept is not None and kept.bot_token is not None
    assert kept.bot_token.startswith("xoxe.xoxb-1-")
    assert kept.bot_refresh_token is not None and kept.bot_refresh_token.startswith("xoxe-1-")
    assert kept.bot_token_expires_at is not None


def test_the_redirect_url_may_come_from_the_apps_configuration(
    slack: SlackStandIn, launch: Launch, admin: SlackDriver
) -> None:
    bolt = launch(with_redirect_uri=False)
    slack.oauth = replace(APP, redirect_urls=(bolt.url + "/slack/oauth_redirect",))
    assert admin.install(bolt.url, team=CLINIC).ok
    assert bolt.store.find_installation(enterprise_id=None, team_id=CLINIC) is not None


def test_clicking_cancel_shows_bolts_failure_page(
    slack: SlackStandIn, launch: Launch, admin: SlackDriver
) -> None:
    bolt = launch()
    cancelled = admin.install(bolt.url, deny=True)
    assert cancelled.status == 200 and "access_denied" in cancelled.body
    assert "Thank you!" not in cancelled.body
    assert bolt.store.find_installation(enterprise_id=None, team_id=HOSPITAL) is None
    assert slack.oauth_exchanges == []


def test_an_org_wide_install_reaches_the_app_as_one(
    slack: SlackStandIn, launch: Launch, admin: SlackDriver
) -> None:
    bolt = launch()
    assert admin.install(bolt.url, enterprise=ORG).ok
    kept = bolt.store.find_installation(enterprise_id=ORG, team_id=None, is_enterprise_install=True)
    assert kept is not None and kept.is_enterprise_install and kept.team_id is None
    assert kept.enterprise_url == "https://riverbend-health.enterprise.slack.com/"


def test_an_install_page_that_sends_the_admin_to_real_slack_is_named(
    launch: Launch, admin: SlackDriver
) -> None:
    bolt = launch(to_standin=False)
    with pytest.raises(DriverError, match="not to the stand-in's"):
        admin.install(bolt.url)


def test_a_refused_authorize_page_ends_the_install_there(
    slack: SlackStandIn, launch: Launch, admin: SlackDriver
) -> None:
    bolt = launch()
    slack.oauth = replace(APP, client_id="another.app")
    refused = admin.install(bolt.url)
    assert (refused.status, refused.callback_url, refused.ok) == (400, None, False)
    assert refused.body.startswith("invalid_client_id:")
