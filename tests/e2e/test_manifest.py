"""app.yaml and `carebot manifest` paste into Slack (Slack's schema says so) and stay in step
with what carebot listens to and calls."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

import handlers
from bot.runtime.cli import main
from bot.sandbox import scopes
from bot.sandbox.world import Sandbox

ROOT = Path(__file__).resolve().parents[2]
# Web API calls in carebot's own code (the sandbox plays Slack, so it is left out).
CALL = re.compile(
    r"\.(auth|chat|views|users|conversations|files|team|usergroups)_([A-Za-z0-9_]+)\("
)
# SDK helpers that stand for several Web API calls.
COMPOSITE = {"files.upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal")}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "app.yaml").read_text()))


def test_display_information_fits_slacks_limits(manifest: dict[str, Any]) -> None:
    info = manifest["display_information"]
    assert 0 < len(info["name"]) <= 35
    assert 0 < len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info["background_color"])
    assert manifest["features"]["bot_user"]["display_name"]


def test_every_registered_command_is_declared_and_nothing_else(
    manifest: dict[str, Any], sandbox: Sandbox
) -> None:
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    registered = {c.slash for c in sandbox.runtime.shared.commands}
    assert declared == registered


def test_slash_commands_explain_themselves_and_escape_mentions(manifest: dict[str, Any]) -> None:
    for command in manifest["features"]["slash_commands"]:
        assert command["description"] and len(command["description"]) <= 100
        assert command["usage_hint"]
        assert command["should_escape"] is True, f"{command['command']} must escape mentions"


def test_subscribed_events_are_exactly_what_carebot_listens_to(manifest: dict[str, Any]) -> None:
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == set(
        handlers.BOT_EVENTS
    )


def test_socket_mode_and_interactivity_are_on(manifest: dict[str, Any]) -> None:
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_shortcut_names_fit(manifest: dict[str, Any]) -> None:
    for shortcut in manifest["features"].get("shortcuts", []):
        assert len(shortcut["name"]) <= 24
        assert shortcut["type"] in ("message", "global")


def methods_called() -> set[str]:
    found = set()
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            if "sandbox" not in path.parts:
                # slack_sdk spells usergroups.users.list as usergroups_users_list.
                found.update(
                    f"{a}.{b.replace('_', '.') if a == 'usergroups' else b}"
                    for a, b in CALL.findall(path.read_text())
                )
    for helper, methods in COMPOSITE.items():
        if helper in found:
            found.discard(helper)
            found.update(methods)
    return found


def test_the_scopes_cover_every_web_api_method_carebot_calls(manifest: dict[str, Any]) -> None:
    spec = scopes.load_spec()
    granted = set(manifest["oauth_config"]["scopes"]["bot"])
    called = methods_called()
    assert "chat.postMessage" in called  # the scan itself works

    for method in sorted(called):
        described = spec.get(method)
        assert described is not None, f"{method} is not a Slack Web API method"
        assert scopes.missing_scope(described, granted) is None, (
            f"app.yaml lacks a scope for {method}"
        )


# -- what an admin pastes: app.yaml, and `carebot manifest` for each mode -------------------

SCHEMAS = Path(__file__).with_name("slack_manifest_schema")
SHARED_SCHEMAS = ROOT.parent / "shared" / "slack-api" / "manifest-schema"
SCHEMA_FILES = ("manifest.schema.1.0.0.json", "manifest.schema.2.0.0.json")
BASE = "https://carebot.example.org"
EVENTS = f"{BASE}/slack/events"


@pytest.fixture(scope="module", params=SCHEMA_FILES)
def slack_schema(request: pytest.FixtureRequest) -> Draft7Validator:
    schema = json.loads((SCHEMAS / request.param).read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def printed(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """What `carebot manifest ...` prints; it must succeed and say nothing on stderr."""
    assert main(["manifest", *args]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def problems(validator: Draft7Validator, document: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def test_the_vendored_schemas_are_slacks_published_ones() -> None:
    licence = (SCHEMAS / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Slack Technologies" in licence
    if not SHARED_SCHEMAS.is_dir():
        pytest.skip(f"Slack's schemas are not at {SHARED_SCHEMAS}; kept copies are used")
    for name in SCHEMA_FILES:
        assert (SCHEMAS / name).read_bytes() == (SHARED_SCHEMAS / name).read_bytes(), name


def test_the_schema_refuses_request_url_under_a_slash_command(
    manifest: dict[str, Any], slack_schema: Draft7Validator
) -> None:
    """What the README once said to do: the check has teeth."""
    old_advice = copy.deepcopy(manifest)
    old_advice["features"]["slash_commands"][0]["request_url"] = EVENTS

    assert any("'request_url' was unexpected" in p for p in problems(slack_schema, old_advice))


def test_app_yaml_is_a_valid_socket_mode_manifest(
    manifest: dict[str, Any], slack_schema: Draft7Validator
) -> None:
    assert problems(slack_schema, manifest) == []
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in json.dumps(manifest)


@pytest.mark.parametrize("as_json", [False, True], ids=["yaml", "json"])
def test_carebot_manifest_prints_app_yaml_for_socket_mode(
    capsys: pytest.CaptureFixture[str],
    manifest: dict[str, Any],
    slack_schema: Draft7Validator,
    as_json: bool,
) -> None:
    out = printed(capsys, *(["--json"] if as_json else []))

    document = json.loads(out) if as_json else yaml.safe_load(out)
    assert document == manifest
    assert problems(slack_schema, document) == []


@pytest.mark.parametrize("as_json", [False, True], ids=["yaml", "json"])
def test_carebot_manifest_http_fills_in_every_request_url(
    capsys: pytest.CaptureFixture[str],
    manifest: dict[str, Any],
    slack_schema: Draft7Validator,
    as_json: bool,
) -> None:
    out = printed(capsys, "--http", BASE, *(["--json"] if as_json else []))

    http = json.loads(out) if as_json else yaml.safe_load(out)
    assert problems(slack_schema, http) == []
    settings = http["settings"]
    assert settings["socket_mode_enabled"] is False
    assert settings["event_subscriptions"]["request_url"] == EVENTS
    assert settings["interactivity"]["request_url"] == EVENTS
    assert [c["url"] for c in http["features"]["slash_commands"]] == [EVENTS] * len(
        manifest["features"]["slash_commands"]
    )
    assert "request_url" not in json.dumps(http["features"])


def test_the_http_manifest_is_app_yaml_with_only_the_urls_and_the_mode_changed(
    capsys: pytest.CaptureFixture[str], manifest: dict[str, Any]
) -> None:
    http = yaml.safe_load(printed(capsys, "--http", BASE))

    for command in http["features"]["slash_commands"]:
        del command["url"]
    del http["settings"]["event_subscriptions"]["request_url"]
    del http["settings"]["interactivity"]["request_url"]
    http["settings"]["socket_mode_enabled"] = True
    assert http == manifest


@pytest.mark.parametrize(
    ("base", "events"),
    [
        ("https://carebot.example.org/", EVENTS),
        ("https://carebot.example.org:8443", "https://carebot.example.org:8443/slack/events"),
        ("https://example.org/carebot/", "https://example.org/carebot/slack/events"),
    ],
)
def test_the_base_may_carry_a_port_or_a_path(
    capsys: pytest.CaptureFixture[str], base: str, events: str
) -> None:
    http = yaml.safe_load(printed(capsys, "--http", base))
    assert http["settings"]["event_subscriptions"]["request_url"] == events


@pytest.mark.parametrize(
    ("base", "says"),
    [
        ("http://carebot.example.org", "Slack calls only HTTPS"),
        ("carebot.example.org", "Slack calls only HTTPS"),
        ("https://", "names no host"),
        ("https:///slack", "names no host"),
        ("https://carebot.example.org/?team=T1", "without ? or #"),
        ("https://carebot.example.org/#events", "without ? or #"),
        ("https://carebot.example.org?", "without ? or #"),
        ("https://admin:hunter2@carebot.example.org", "without a user or password"),
        ("https://carebot.example.org:https", "its port is not a number"),
        ("https://carebot example.org", "without spaces"),
        ("https://carebot.example.org/slack/events", "carebot adds /slack/events itself"),
        ("https://carebot.example.org/" + "a" * 3000, "shorter than 3000 characters"),
    ],
)
def test_a_bad_base_url_is_one_line_with_an_example(
    capsys: pytest.CaptureFixture[str], base: str, says: str
) -> None:
    assert main(["manifest", "--http", base]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"carebot: --http {base!r} should be the https:// address")
    assert says in err
    assert err.rstrip().endswith("example: https://carebot.example.org")


def test_the_instructions_point_to_the_manifest_command_not_request_url_per_command() -> None:
    for name in ("README.md", "app.yaml"):
        text = " ".join((ROOT / name).read_text(encoding="utf-8").split())
        assert "carebot manifest --http" in text, name
        assert not re.search(r"request_url[^.]* under [^.]*slash command", text), name


def test_the_many_workspace_manifest_adds_only_the_redirect_url(
    capsys: pytest.CaptureFixture[str], slack_schema: Draft7Validator
) -> None:
    plain = yaml.safe_load(printed(capsys, "--http", BASE))
    many = yaml.safe_load(printed(capsys, "--http", BASE, "--many-workspaces"))

    assert problems(slack_schema, many) == []
    assert many["oauth_config"]["redirect_urls"] == [f"{BASE}/slack/oauth_redirect"]
    del many["oauth_config"]["redirect_urls"]
    assert many == plain
    assert {"app_uninstalled", "tokens_revoked"} <= set(
        plain["settings"]["event_subscriptions"]["bot_events"]
    )


def test_many_workspaces_need_the_http_address(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manifest", "--many-workspaces"]) == 2
    assert "needs --http https://HOST" in capsys.readouterr().err
