"""Slack's method list and the manifest: what exists, what it needs, what is granted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.sandbox import scopes
from bot.sandbox.scopes import SpecNotFoundError

REPO = Path(__file__).resolve().parents[2]
SHARED_SPEC = REPO.parent / "shared" / "slack-api" / scopes.SPEC_NAME


@pytest.fixture(autouse=True)
def _no_spec_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(scopes.SPEC_ENV, raising=False)


def test_packaged_table_knows_the_methods_the_bot_calls() -> None:
    spec = scopes.load_spec()
    assert spec.source == scopes.TABLE_PATH
    post = spec.get("chat.postMessage")
    assert post is not None
    assert post.required == {"channel"}
    assert post.scopes == {"chat:write"}
    assert "not_in_channel" in post.errors
    assert spec.methods["views.open"].scopes == frozenset()
    assert spec.methods["files.completeUploadExternal"].scopes == {"files:write"}
    assert spec.methods["users.info"].required == {"user"}
    assert spec.get("no.such_method") is None


def test_packaged_table_ships_with_the_licence() -> None:
    table = json.loads(scopes.TABLE_PATH.read_text(encoding="utf-8"))
    assert "slack-api-specs" in table["about"] and "SLACK_API_LICENSE" in table["about"]
    assert len(table["methods"]) >= 170
    licence = scopes.TABLE_PATH.with_name("SLACK_API_LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "SlackAPI" in licence


@pytest.mark.skipif(
    not SHARED_SPEC.is_file(),
    reason=f"Slack's full spec is not at {SHARED_SPEC}; cannot check the packaged table",
)
def test_packaged_table_is_what_the_generator_makes_from_the_shared_spec(tmp_path: Path) -> None:
    rebuilt = scopes.regenerate(SHARED_SPEC, tmp_path / "slack_methods.json")
    assert scopes.TABLE_PATH.read_text(encoding="utf-8") == rebuilt.read_text(encoding="utf-8"), (
        "bot/sandbox/slack_methods.json is stale: run python -m bot.sandbox.scopes --regenerate"
    )
    assert scopes.load_spec(SHARED_SPEC).methods == scopes.load_spec().methods


def test_generator_command_rebuilds_the_table(tmp_path: Path) -> None:
    source = tmp_path / scopes.SPEC_NAME
    source.write_text(json.dumps(TINY_SPEC))
    table = tmp_path / "table.json"
    written = scopes.regenerate(source, table)
    assert written == table
    methods = scopes.read_table(table)
    assert methods["chat.postMessage"].scopes == {"chat:write"}
    assert methods["chat.postMessage"].required == {"channel"}
    assert scopes.main(["--regenerate", str(tmp_path / "nope.json")]) == 1


TINY_SPEC = {
    "paths": {
        "/chat.postMessage": {
            "post": {
                "parameters": [
                    {"name": "token", "required": True},
                    {"name": "channel", "required": True},
                    {"name": "text"},
                ],
                "security": [{"slackAuth": ["chat:write:bot", "chat:write:user"]}],
                "responses": {
                    "default": {"schema": {"properties": {"error": {"enum": ["not_in_channel"]}}}}
                },
            }
        },
        "/users.info": {"get": {"security": [{"slackAuth": ["users:read"]}]}},
    }
}


def test_spec_path_can_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / scopes.SPEC_NAME
    source.write_text(json.dumps(TINY_SPEC))
    monkeypatch.setenv(scopes.SPEC_ENV, str(source))
    assert scopes.find_spec() == source
    spec = scopes.load_spec()
    assert spec.source == source
    assert spec.methods["chat.postMessage"].errors == {"not_in_channel"}
    assert spec.methods["users.info"].required == {"user"}  # the 2020 spec's gap, filled
    assert "files.completeUploadExternal" in spec.methods
    assert "views.open" not in spec.methods


def test_missing_spec_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(scopes.SPEC_ENV, str(tmp_path / "nope.json"))
    with pytest.raises(SpecNotFoundError, match="CAREBOT_SLACK_API_SPEC"):
        scopes.load_spec()
    with pytest.raises(SpecNotFoundError):
        scopes.load_spec(tmp_path / "also-nope.json")
    with pytest.raises(SpecNotFoundError, match="regenerate"):
        scopes.read_table(tmp_path / "no-table.json")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("chat:write:bot", "chat:write"),
        ("files:write:user", "files:write"),
        ("users:read", "users:read"),
        ("users:read.email", "users:read.email"),
    ],
)
def test_2020_scope_names_map_to_todays(old: str, new: str) -> None:
    assert scopes.modern_scope(old) == new


def test_conversation_scopes_narrow_to_the_kind_of_conversation() -> None:
    opener = scopes.load_spec().get("conversations.open")
    assert opener is not None
    denied = scopes.missing_scope(opener, {"channels:write", "chat:write"}, "im")
    assert denied == {
        "ok": False,
        "error": "missing_scope",
        "needed": "im:write",
        "provided": "channels:write,chat:write",
    }
    assert scopes.missing_scope(opener, {"im:write"}, "im") is None
    assert scopes.missing_scope(opener, {"channels:write"}, None) is None


def test_the_repo_manifest_loads() -> None:
    manifest = scopes.load_manifest(REPO / "app.yaml")
    assert "chat:write" in manifest.scopes
    assert "/carebot" in manifest.commands
    assert scopes.load_bot_scopes() == manifest.scopes
