"""Slack's published method list and the app manifest: what exists and what it may call.

The stand-in answers `unknown_method`, `invalid_arguments` and `missing_scope` from
Slack's own OpenAPI description (2020 edition) so a manifest that lacks a scope fails
in the tests, not in a hospital's workspace.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SPEC_ENV = "CAREBOT_SLACK_API_SPEC"
SPEC_NAME = "web-api-openapi-v2.json"
REPO_ROOT = Path(__file__).resolve().parents[2]
CONVERSATION_FAMILIES = ("channels", "groups", "im", "mpim")


class SpecNotFoundError(RuntimeError):
    """Slack's API description is missing, so the stand-in cannot tell right from wrong."""


@dataclass(frozen=True)
class MethodSpec:
    """One Web API method: what it needs sent and which scopes allow it."""

    name: str
    required: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()  # any one suffices; empty means none needed
    errors: frozenset[str] = frozenset()


# Methods newer than the 2020 spec, described the way the spec would.
NEWER_METHODS: dict[str, MethodSpec] = {
    "files.getUploadURLExternal": MethodSpec(
        "files.getUploadURLExternal",
        frozenset({"filename", "length"}),
        frozenset({"files:write"}),
        frozenset({"invalid_arguments", "not_authed", "invalid_auth"}),
    ),
    "files.completeUploadExternal": MethodSpec(
        "files.completeUploadExternal",
        frozenset({"files"}),
        frozenset({"files:write"}),
        frozenset({"invalid_arguments", "file_not_found", "channel_not_found", "not_in_channel"}),
    ),
}

# Parameters Slack really requires that the 2020 spec forgot to mark.
SPEC_GAPS: dict[str, frozenset[str]] = {
    "users.info": frozenset({"user"}),
    "chat.delete": frozenset({"channel", "ts"}),
    "conversations.info": frozenset({"channel"}),
    "conversations.members": frozenset({"channel"}),
    "views.update": frozenset({"view"}),
}

# When a required parameter is missing, Slack names the thing it could not find.
MISSING_PARAM_ERRORS: dict[str, tuple[str, ...]] = {
    "channel": ("channel_not_found",),
    "user": ("user_not_found",),
    "ts": ("message_not_found",),
    "users": ("users_list_not_supplied",),
}


def modern_scope(name: str) -> str:
    """Today's bot scope for a 2020 name: `chat:write:bot` -> `chat:write`."""
    for suffix in (":bot", ":user"):
        if name.count(":") > 1 and name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def find_spec(path: str | Path | None = None) -> Path:
    """The spec file: an explicit path, $CAREBOT_SLACK_API_SPEC, or shared/ beside the repo."""
    candidates: list[Path] = []
    if path is not None:
        candidates.append(Path(path))
    elif os.environ.get(SPEC_ENV):
        candidates.append(Path(os.environ[SPEC_ENV]))
    else:
        for root in (REPO_ROOT.parent, REPO_ROOT, Path.cwd().parent, Path.cwd()):
            candidates.append(root / "shared" / "slack-api" / SPEC_NAME)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise SpecNotFoundError(
        f"Slack's API description ({SPEC_NAME}) was not found; tried {tried}. "
        f"Set {SPEC_ENV}=/path/to/shared/slack-api/{SPEC_NAME}"
    )


def _method_spec(name: str, operation: Mapping[str, Any]) -> MethodSpec:
    required = {
        str(p["name"])
        for p in operation.get("parameters", [])
        if p.get("required") and p.get("name") != "token"
    }
    scopes = {
        modern_scope(str(s))
        for rule in operation.get("security", [])
        for s in rule.get("slackAuth", [])
        if s != "none"
    }
    errors: set[str] = set()
    for response in operation.get("responses", {}).values():
        error = response.get("schema", {}).get("properties", {}).get("error", {})
        errors.update(str(e) for e in error.get("enum", []))
    required |= SPEC_GAPS.get(name, frozenset())
    return MethodSpec(name, frozenset(required), frozenset(scopes), frozenset(errors))


@dataclass(frozen=True)
class ApiSpec:
    """Every Web API method the stand-in will answer."""

    methods: Mapping[str, MethodSpec]
    source: Path | None = None

    def get(self, name: str) -> MethodSpec | None:
        """A method by name, or None when Slack has no such method."""
        return self.methods.get(name)


def load_spec(path: str | Path | None = None) -> ApiSpec:
    """Read Slack's OpenAPI file; fail loudly when it is missing or not what we expect."""
    source = find_spec(path)
    document = json.loads(source.read_text(encoding="utf-8"))
    paths = document.get("paths")
    if not isinstance(paths, dict) or not paths:
        raise SpecNotFoundError(f"{source} has no `paths`: not Slack's Web API description")
    methods: dict[str, MethodSpec] = {}
    for route, operations in paths.items():
        name = str(route).lstrip("/")
        for operation in operations.values():
            methods[name] = _method_spec(name, operation)
    methods.update(NEWER_METHODS)
    return ApiSpec(methods, source)


def needed_scopes(method: MethodSpec, conversation_kind: str | None = None) -> frozenset[str]:
    """The scopes that would allow this call, narrowed to the conversation's kind when known."""
    if conversation_kind is None:
        return method.scopes
    narrowed = frozenset(s for s in method.scopes if s.split(":")[0] == conversation_kind)
    family = {s for s in method.scopes if s.split(":")[0] in CONVERSATION_FAMILIES}
    return narrowed if family and narrowed else method.scopes


def missing_scope(
    method: MethodSpec, granted: Iterable[str], conversation_kind: str | None = None
) -> dict[str, Any] | None:
    """Slack's `missing_scope` answer, or None when a granted scope allows the call."""
    needed = needed_scopes(method, conversation_kind)
    have = set(granted)
    if not needed or needed & have:
        return None
    return {
        "ok": False,
        "error": "missing_scope",
        "needed": ",".join(sorted(needed)),
        "provided": ",".join(sorted(have)),
    }


def missing_param_error(method: MethodSpec, param: str) -> str:
    """The error code Slack gives when a required parameter is absent."""
    for code in MISSING_PARAM_ERRORS.get(param, ()):
        if code in method.errors:
            return code
    return "invalid_arguments"


@dataclass(frozen=True)
class SlashCommand:
    """A slash command declared in the manifest."""

    command: str
    should_escape: bool = False


@dataclass(frozen=True)
class Manifest:
    """The parts of app.yaml that decide what Slack sends and allows."""

    scopes: frozenset[str]
    bot_events: frozenset[str] = frozenset()
    commands: Mapping[str, SlashCommand] = field(default_factory=dict)
    interactivity: bool = True
    shortcuts: Mapping[str, str] = field(default_factory=dict)  # callback_id -> message|global
    source: Path | None = None


def find_manifest(path: str | Path | None = None) -> Path:
    """The app manifest: an explicit path or the repo's app.yaml."""
    candidate = Path(path) if path is not None else REPO_ROOT / "app.yaml"
    if not candidate.is_file():
        raise FileNotFoundError(f"app manifest not found at {candidate}")
    return candidate


def load_manifest(path: str | Path | None = None) -> Manifest:
    """Read app.yaml: bot scopes, subscribed bot events, slash commands, interactivity."""
    source = find_manifest(path)
    document = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    scopes = document.get("oauth_config", {}).get("scopes", {}).get("bot", []) or []
    settings = document.get("settings", {}) or {}
    events = (settings.get("event_subscriptions") or {}).get("bot_events", []) or []
    commands = {
        str(c["command"]): SlashCommand(str(c["command"]), bool(c.get("should_escape", False)))
        for c in (document.get("features", {}) or {}).get("slash_commands", []) or []
    }
    interactive = bool((settings.get("interactivity") or {}).get("is_enabled", False))
    shortcuts = {
        str(s["callback_id"]): str(s.get("type", "global"))
        for s in (document.get("features", {}) or {}).get("shortcuts", []) or []
    }
    return Manifest(
        scopes=frozenset(str(s) for s in scopes),
        bot_events=frozenset(str(e) for e in events),
        commands=commands,
        interactivity=interactive,
        shortcuts=shortcuts,
        source=source,
    )


def load_bot_scopes(path: str | Path | None = None) -> frozenset[str]:
    """The bot scopes app.yaml grants (`oauth_config.scopes.bot`)."""
    return load_manifest(path).scopes
