"""Slack's method list and the manifest: what exists, what it needs, what is granted."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sandbox import scopes
from bot.sandbox.scopes import SpecNotFoundError

REPO = Path(__file__).resolve().parents[2]


def test_spec_is_found_beside_the_repo_and_knows_the_methods_the_bot_calls() -> None:
    spec = scopes.load_spec()
    post = spec.get("chat.postMessage")
    assert post is not None
    assert post.required == {"channel"}
    assert post.scopes == {"chat:write"}
    assert "not_in_channel" in post.errors
    assert spec.methods["views.open"].scopes == frozenset()
    assert spec.methods["files.completeUploadExternal"].scopes == {"files:write"}
    assert spec.methods["users.info"].required == {"user"}
    assert spec.get("no.such_method") is None


def test_spec_path_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    real = scopes.find_spec()
    monkeypatch.setenv(scopes.SPEC_ENV, str(real))
    assert scopes.find_spec() == real


def test_missing_spec_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(scopes.SPEC_ENV, str(tmp_path / "nope.json"))
    with pytest.raises(SpecNotFoundError, match="CAREBOT_SLACK_API_SPEC"):
        scopes.load_spec()
    with pytest.raises(SpecNotFoundError):
        scopes.load_spec(tmp_path / "also-nope.json")


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
