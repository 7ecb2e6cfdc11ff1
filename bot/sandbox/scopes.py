"""Slack's published method list and the app manifest: what exists and what it may call.

The stand-in answers `unknown_method`, `invalid_arguments` and `missing_scope` from
Slack's own OpenAPI description (2020 edition) so a manifest that lacks a scope fails
in the tests, not in a hospital's workspace.

The package ships `slack_methods.json`, a compact table derived from that description
(Slack's slack-api-specs, MIT licence, see `SLACK_API_LICENSE` beside this file), so
nothing outside the repo is needed. Rebuild it from the full spec with
`python -m bot.sandbox.scopes --regenerate [SPEC_PATH]`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SPEC_ENV = "CAREBOT_SLACK_API_SPEC"
SPEC_NAME = "web-api-openapi-v2.json"
REPO_ROOT = Path(__file__).resolve().parents[2]
TABLE_PATH = Path(__file__).with_name("slack_methods.json")
TABLE_ABOUT = (
    "Derived from Slack's slack-api-specs (web-api-openapi-v2.json, 2020 edition; "
    "MIT licence, Copyright (c) 2017 SlackAPI, full text in SLACK_API_LICENSE beside this "
    "file). Per method: required params (token excluded), accepted scopes with the "
    ":bot/:user suffixes dropped (any one suffices), documented error codes. "
    "Generated; rebuild with: python -m bot.sandbox.scopes --regenerate [SPEC_PATH]"
)
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
    # Called with the app-level token (xapp-), whose own scope it needs.
    "apps.connections.open": MethodSpec(
        "apps.connections.open",
        frozenset(),
        frozenset({"connections:write"}),
        frozenset({"not_authed", "invalid_auth", "not_allowed_token_type", "missing_scope"}),
    ),
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
    """The full spec file: an explicit path, $CAREBOT_SLACK_API_SPEC, or shared/ beside the repo."""
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
    """One method exactly as the spec describes it (scope names modernised)."""
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
    return MethodSpec(name, frozenset(required), frozenset(scopes), frozenset(errors))


def read_openapi(path: str | Path | None = None) -> tuple[dict[str, MethodSpec], Path]:
    """Every method in Slack's OpenAPI file, as published; fail loudly when it is not that."""
    source = find_spec(path)
    document = json.loads(source.read_text(encoding="utf-8"))
    paths = document.get("paths") if isinstance(document, dict) else None
    if not isinstance(paths, dict) or not paths:
        raise SpecNotFoundError(f"{source} has no `paths`: not Slack's Web API description")
    methods: dict[str, MethodSpec] = {}
    for route, operations in paths.items():
        name = str(route).lstrip("/")
        for operation in operations.values():
            methods[name] = _method_spec(name, operation)
    return methods, source


def render_table(methods: Mapping[str, MethodSpec]) -> str:
    """The packaged table's text: compact JSON, one method per line, sorted, stable."""
    lines = [
        json.dumps(name)
        + ":"
        + json.dumps(
            {
                "required": sorted(m.required),
                "scopes": sorted(m.scopes),
                "errors": sorted(m.errors),
            },
            separators=(",", ":"),
        )
        for name, m in sorted(methods.items())
    ]
    header = json.dumps({"about": TABLE_ABOUT}, separators=(",", ":"))[:-1]
    return header + ',"methods":{\n' + ",\n".join(lines) + "\n}}\n"


def regenerate(spec_path: str | Path | None = None, table: Path = TABLE_PATH) -> Path:
    """Rebuild the packaged table from the full spec (shared/ by default); return its path."""
    methods, _ = read_openapi(spec_path)
    table.write_text(render_table(methods), encoding="utf-8")
    return table


def read_table(table: Path = TABLE_PATH) -> dict[str, MethodSpec]:
    """The packaged table, as MethodSpecs."""
    try:
        document = json.loads(table.read_text(encoding="utf-8"))
    except (OSError, ValueError) as problem:
        raise SpecNotFoundError(
            f"the packaged method table {table} is missing or unreadable ({problem}); "
            f"rebuild it with `python -m bot.sandbox.scopes --regenerate`, or set {SPEC_ENV}"
        ) from problem
    methods = document.get("methods") if isinstance(document, dict) else None
    if not isinstance(methods, dict) or not methods:
        raise SpecNotFoundError(f"{table} has no `methods`: not carebot's method table")
    return {
        str(name): MethodSpec(
            str(name),
            frozenset(entry.get("required", [])),
            frozenset(entry.get("scopes", [])),
            frozenset(entry.get("errors", [])),
        )
        for name, entry in methods.items()
    }


@dataclass(frozen=True)
class ApiSpec:
    """Every Web API method the stand-in will answer."""

    methods: Mapping[str, MethodSpec]
    source: Path | None = None

    def get(self, name: str) -> MethodSpec | None:
        """A method by name, or None when Slack has no such method."""
        return self.methods.get(name)


def load_spec(path: str | Path | None = None) -> ApiSpec:
    """Slack's methods: from the spec at `path` or $CAREBOT_SLACK_API_SPEC, else the packaged table.

    Either way the known gaps of the 2020 spec are filled and newer methods added.
    """
    if path is not None or os.environ.get(SPEC_ENV):
        published, source = read_openapi(path)
    else:
        published, source = read_table(), TABLE_PATH
    methods: dict[str, MethodSpec] = {}
    for name, method in published.items():
        gaps = SPEC_GAPS.get(name, frozenset())
        methods[name] = MethodSpec(name, method.required | gaps, method.scopes, method.errors)
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
    shortcut_names: Mapping[str, str] = field(default_factory=dict)  # callback_id -> name

    def find_shortcut(self, ref: str) -> str | None:
        """A shortcut's callback_id, from its callback_id or its name in any case."""
        ref = ref.strip()
        if ref in self.shortcuts:
            return ref
        wanted = ref.lower()
        return next((c for c, name in self.shortcut_names.items() if name.lower() == wanted), None)


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
    declared = (document.get("features", {}) or {}).get("shortcuts", []) or []
    shortcuts = {str(s["callback_id"]): str(s.get("type", "global")) for s in declared}
    names = {str(s["callback_id"]): str(s.get("name", s["callback_id"])) for s in declared}
    return Manifest(
        scopes=frozenset(str(s) for s in scopes),
        bot_events=frozenset(str(e) for e in events),
        commands=commands,
        interactivity=interactive,
        shortcuts=shortcuts,
        source=source,
        shortcut_names=names,
    )


def load_bot_scopes(path: str | Path | None = None) -> frozenset[str]:
    """The bot scopes app.yaml grants (`oauth_config.scopes.bot`)."""
    return load_manifest(path).scopes


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bot.sandbox.scopes --regenerate [SPEC_PATH]`: rebuild the packaged table."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.sandbox.scopes",
        description=f"Rebuild {TABLE_PATH.name} from Slack's {SPEC_NAME}.",
    )
    parser.add_argument("--regenerate", action="store_true", help="rebuild the packaged table")
    parser.add_argument(
        "spec", nargs="?", help=f"path to {SPEC_NAME} (default: ${SPEC_ENV} or ../shared/)"
    )
    args = parser.parse_args(argv)
    if not args.regenerate:
        parser.print_help()
        return 2
    try:
        written = regenerate(args.spec)
    except SpecNotFoundError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    print(f"wrote {written} ({written.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
