"""app.yaml pastes into Slack and stays in step with what carebot listens to and calls."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import handlers
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
