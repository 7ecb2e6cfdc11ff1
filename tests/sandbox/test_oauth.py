"""Slack's OAuth v2 on the stand-in: authorize, oauth.v2.access, rotation, uninstall."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from slack_sdk import WebClient

from bot.sandbox.driver_install import Page, browse
from bot.sandbox.seed import second_seed
from bot.sandbox.standin import OAuthApp, SlackStandIn
from tests.sandbox.conftest import FakeMonotonic
from tests.sandbox.test_webapi import error_of

HOSPITAL, CLINIC, ORG = "T0CAREBOT", "T0NORTHSD", "E0RIVERBD"
REDIRECT = "https://carebot.example/slack/oauth_redirect"
APP = OAuthApp(client_id="1111.2222", client_secret="shh-secret", redirect_urls=(REDIRECT,))
ROTATING = OAuthApp(
    client_id=APP.client_id,
    client_secret=APP.client_secret,
    redirect_urls=APP.redirect_urls,
    rotation=True,
    token_ttl_s=43200,
)


def start(manifest: Path, clock: FakeMonotonic, oauth: OAuthApp) -> SlackStandIn:
    return SlackStandIn(manifest=manifest, monotonic=clock, others=(second_seed(),), oauth=oauth)


@pytest.fixture
def slack(manifest: Path, clock: FakeMonotonic) -> Iterator[SlackStandIn]:
    with start(manifest, clock, APP) as running:
        yield running
    assert running.internal_errors == [] and running.cross_workspace_calls == []


@pytest.fixture
def rotating(manifest: Path, clock: FakeMonotonic) -> Iterator[SlackStandIn]:
    with start(manifest, clock, ROTATING) as running:
        yield running
    assert running.internal_errors == []


def authorize(standin: SlackStandIn, **asked: str) -> Page:
    """The admin clicking Allow (or Cancel, with deny="1") on the authorize page."""
    query = {
        "client_id": APP.client_id,
        "scope": "chat:write,commands",
        "user_scope": "",
        "state": "state-1",
        "redirect_uri": REDIRECT,
        **asked,
    }
    return browse(f"{standin.authorize_url}?{urlencode(query)}", {}, 5)


def sent_back(page: Page) -> dict[str, str]:
    """The query the browser is sent back to the redirect URL with."""
    assert page.status == 302, page.body
    location = page.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}


def code_for(standin: SlackStandIn, **asked: str) -> str:
    back = sent_back(authorize(standin, **asked))
    assert back["state"] == "state-1"
    return back["code"]


def exchange(standin: SlackStandIn, **params: str) -> dict[str, Any]:
    oauth = WebClient(base_url=standin.api_url)  # no token: the app's credentials instead
    fields = {"client_id": APP.client_id, "client_secret": APP.client_secret, **params}
    answer = oauth.oauth_v2_access(**fields)  # type: ignore[arg-type]
    assert isinstance(answer.data, dict)
    return answer.data


def refused(standin: SlackStandIn, **params: str) -> str:
    oauth = WebClient(base_url=standin.api_url)
    fields = {"client_id": APP.client_id, "client_secret": APP.client_secret, **params}
    return str(error_of(oauth.oauth_v2_access, **fields)["error"])


def as_bot(standin: SlackStandIn, token: str) -> WebClient:
    return WebClient(token=token, base_url=standin.api_url)


def test_allow_then_exchange_gives_the_workspaces_bot_token(slack: SlackStandIn) -> None:
    installed = exchange(slack, code=code_for(slack, team=CLINIC), redirect_uri=REDIRECT)
    assert installed == {
        "ok": True,
        "app_id": "A0CAREBOT",
        "authed_user": {"id": "U0NSCOORD"},
        "scope": ",".join(sorted(slack.granted)),  # a reinstall keeps the token and its scopes
        "token_type": "bot",
        "access_token": slack.token_of(CLINIC),
        "bot_user_id": "U0NSCAREB",
        "team": {"id": CLINIC, "name": "Northside Clinic"},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    bot = as_bot(slack, installed["access_token"])
    assert bot.auth_test()["team_id"] == CLINIC
    assert bot.chat_postMessage(channel="C0NSCLINC", text="Installed")["ok"]
    assert [(e.grant_type, e.owner, e.ok) for e in slack.oauth_exchanges] == [
        ("authorization_code", CLINIC, True)
    ]


def test_without_a_team_the_first_workspace_is_installed(slack: SlackStandIn) -> None:
    installed = exchange(slack, code=code_for(slack))
    assert (installed["team"]["id"], installed["authed_user"]["id"]) == (HOSPITAL, "U0COORD01")
    assert [c.outcome for c in slack.oauth_consents] == ["allowed"]


def test_a_code_works_once(slack: SlackStandIn) -> None:
    code = code_for(slack)
    exchange(slack, code=code)
    assert refused(slack, code=code) == "invalid_code"
    assert refused(slack, code="123.456.not-a-code") == "invalid_code"
    assert [e.error for e in slack.oauth_exchanges] == [None, "invalid_code", "invalid_code"]


def test_a_code_expires_after_ten_minutes(slack: SlackStandIn, clock: FakeMonotonic) -> None:
    fresh, stale = code_for(slack), code_for(slack)
    clock.advance(599)
    assert exchange(slack, code=fresh)["ok"]
    clock.advance(2)
    assert refused(slack, code=stale) == "invalid_code"


def test_the_apps_credentials_are_checked(slack: SlackStandIn) -> None:
    code = code_for(slack)
    assert refused(slack, code=code, client_secret="guessed") == "bad_client_secret"
    assert refused(slack, code=code, client_id="9999.9999") == "invalid_client_id"
    assert exchange(slack, code=code)["ok"]  # a refused exchange leaves the code usable


def test_the_credentials_may_come_as_form_fields(slack: SlackStandIn) -> None:
    body = urlencode(
        {"client_id": APP.client_id, "client_secret": APP.client_secret, "code": code_for(slack)}
    )
    request = urllib.request.Request(slack.api_url + "oauth.v2.access", data=body.encode())
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read())["team"]["id"] == HOSPITAL


def test_the_redirect_uri_must_be_the_authorize_one(slack: SlackStandIn) -> None:
    code = code_for(slack)
    elsewhere = "https://carebot.example/slack/other"
    assert refused(slack, code=code, redirect_uri=elsewhere) == "bad_redirect_uri"
    assert exchange(slack, code=code, redirect_uri=REDIRECT)["ok"]


def test_only_known_grant_types(slack: SlackStandIn) -> None:
    assert refused(slack, code=code_for(slack), grant_type="password") == "invalid_grant_type"
    assert refused(slack, grant_type="refresh_token", refresh_token="xoxe-1-x") == (
        "invalid_refresh_token"  # no rotation: no refresh tokens
    )


@pytest.mark.parametrize(
    ("asked", "reason"),
    [
        ({"client_id": "9999.9999"}, "invalid_client_id"),
        ({"scope": "chat:write,admin"}, "invalid_scope"),
        ({"scope": ""}, "invalid_scope"),
        ({"redirect_uri": "https://evil.example/steal"}, "bad_redirect_uri"),
        ({"team": "T0NOSUCH1"}, "unknown_team"),
        ({"enterprise": "E0NOSUCH1"}, "unknown_enterprise"),
    ],
)
def test_the_authorize_page_refuses_a_wrong_request(
    slack: SlackStandIn, asked: dict[str, str], reason: str
) -> None:
    page = authorize(slack, **asked)
    assert page.status == 400 and page.body.startswith(reason + ":")
    assert [c.outcome for c in slack.oauth_consents] == [reason]


def test_cancel_sends_access_denied_with_the_state(slack: SlackStandIn) -> None:
    assert sent_back(authorize(slack, deny="1")) == {"error": "access_denied", "state": "state-1"}
    assert [c.outcome for c in slack.oauth_consents] == ["denied"]


def test_without_a_redirect_uri_the_configured_one_is_used(slack: SlackStandIn) -> None:
    page = browse(f"{slack.authorize_url}?client_id={APP.client_id}&scope=commands", {}, 5)
    assert sent_back(page)["code"]


def test_rotation_hands_out_expiring_tokens_and_refreshes_them(
    rotating: SlackStandIn, clock: FakeMonotonic
) -> None:
    first = exchange(rotating, code=code_for(rotating, team=CLINIC))
    assert first["access_token"].startswith("xoxe.xoxb-1-")
    assert first["refresh_token"].startswith("xoxe-1-") and first["expires_in"] == 43200
    assert first["access_token"] != rotating.bot_token
    bot = as_bot(rotating, first["access_token"])
    assert bot.auth_test()["user_id"] == "U0NSCAREB"
    clock.advance(43200)
    assert error_of(bot.auth_test)["error"] == "token_expired"
    second = exchange(rotating, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert (second["team"]["id"], second["expires_in"]) == (CLINIC, 43200)
    assert as_bot(rotating, second["access_token"]).auth_test()["team_id"] == CLINIC
    again = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    assert refused(rotating, **again) == "invalid_refresh_token"  # a refresh token works once
    assert [e.grant_type for e in rotating.oauth_exchanges] == [
        "authorization_code",
        "refresh_token",
        "refresh_token",
    ]


def test_the_old_access_token_lasts_until_it_expires(
    rotating: SlackStandIn, clock: FakeMonotonic
) -> None:
    first = exchange(rotating, code=code_for(rotating))
    clock.advance(40000)
    exchange(rotating, grant_type="refresh_token", refresh_token=first["refresh_token"])
    old = as_bot(rotating, first["access_token"])
    assert old.auth_test()["ok"]
    clock.advance(3200)
    assert error_of(old.auth_test)["error"] == "token_expired"


def test_an_issued_token_has_the_scopes_asked_for(slack: SlackStandIn) -> None:
    slack.uninstall(CLINIC)  # a fresh install, not a reinstall keeping the old token
    token = exchange(slack, code=code_for(slack, team=CLINIC))["access_token"]
    bot = as_bot(slack, token)
    assert bot.chat_postMessage(channel="C0NSCLINC", text="hi")["ok"]
    assert error_of(bot.users_info, user="U0NSDRKIM")["error"] == "missing_scope"


def test_an_org_wide_install_is_in_no_workspace(slack: SlackStandIn) -> None:
    installed = exchange(slack, code=code_for(slack, enterprise=ORG))
    assert installed["is_enterprise_install"] is True and installed["team"] is None
    assert installed["enterprise"] == {"id": ORG, "name": "Riverbend Health"}
    assert (installed["bot_user_id"], installed["authed_user"]) == (
        "W0RBCAREB",
        {"id": "W0RBADMIN"},
    )
    bot = as_bot(slack, installed["access_token"])
    who = bot.auth_test()
    assert (who["team_id"], who["enterprise_id"], who["is_enterprise_install"]) == (ORG, ORG, True)
    assert who["url"] == "https://riverbend-health.enterprise.slack.com/"
    refusal = error_of(bot.chat_postMessage, channel="C0CARDIO1", text="x")
    assert refusal["error"] == "team_access_not_granted"


def test_uninstall_revokes_every_token_until_a_reinstall(
    rotating: SlackStandIn, clock: FakeMonotonic
) -> None:
    seeded = rotating.token_of(CLINIC)
    installed = exchange(rotating, code=code_for(rotating, team=CLINIC))
    assert sorted(rotating.uninstall(CLINIC)) == sorted([seeded, installed["access_token"]])
    for token in (seeded, installed["access_token"]):
        assert error_of(as_bot(rotating, token).auth_test)["error"] == "account_inactive"
    gone = {"grant_type": "refresh_token", "refresh_token": installed["refresh_token"]}
    assert refused(rotating, **gone) == "invalid_refresh_token"
    assert as_bot(rotating, rotating.bot_token).auth_test()["team_id"] == HOSPITAL
    again = exchange(rotating, code=code_for(rotating, team=CLINIC))["access_token"]
    assert again not in (seeded, installed["access_token"])
    assert rotating.token_of(CLINIC) == again


def test_no_oauth_app_no_install(manifest: Path) -> None:
    with SlackStandIn(manifest=manifest) as plain:
        page = browse(f"{plain.authorize_url}?client_id=1&scope=commands", {}, 5)
        assert page.status == 400 and page.body.startswith("no_oauth_app:")
        assert refused(plain, code="1.2.3") == "invalid_client_id"
