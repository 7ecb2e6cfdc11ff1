"""The Slack app manifest an admin pastes: app.yaml for Socket Mode, or its HTTP-mode twin."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

APP_YAML = Path(__file__).resolve().parents[2] / "app.yaml"
EVENTS_PATH = "/slack/events"  # where carebot run --http takes events, commands and clicks
REDIRECT_PATH = "/slack/oauth_redirect"  # where Slack sends an admin back after an install
EXAMPLE = "https://carebot.example.org"
MAX_URL = 3000  # the schema's longest slash-command url


class ManifestError(ValueError):
    """The manifest cannot be made as asked; the message is one line for the admin."""


def load(path: Path = APP_YAML) -> dict[str, Any]:
    """app.yaml as data: the Socket Mode manifest."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise ManifestError(
            f"app.yaml is not at {path}: carebot manifest reads it from a source checkout "
            "(pip install -e .)"
        ) from None
    return dict(yaml.safe_load(text))


def events_url(base: str) -> str:
    """ "https://host/prefix" -> "https://host/prefix/slack/events", or a ManifestError."""
    refused = f"--http {base!r} should be the https:// address Slack reaches carebot at"
    if not base.isprintable() or any(c.isspace() for c in base):
        raise ManifestError(f"{refused}, without spaces; example: {EXAMPLE}")
    parts = urlsplit(base)
    try:
        _ = parts.port  # raises on a port that is not a number
    except ValueError:
        raise ManifestError(f"{refused}; its port is not a number; example: {EXAMPLE}") from None
    if parts.scheme != "https":
        raise ManifestError(f"{refused} (Slack calls only HTTPS); example: {EXAMPLE}")
    if not parts.hostname:
        raise ManifestError(f"{refused}; it names no host; example: {EXAMPLE}")
    if parts.username is not None or parts.password is not None:
        raise ManifestError(f"{refused}, without a user or password; example: {EXAMPLE}")
    if parts.query or parts.fragment or base.endswith(("?", "#")):
        raise ManifestError(f"{refused}, without ? or #; example: {EXAMPLE}")
    path = parts.path.rstrip("/")
    if path.endswith(EVENTS_PATH):
        raise ManifestError(f"{refused}; carebot adds {EVENTS_PATH} itself; example: {EXAMPLE}")
    url = f"https://{parts.netloc}{path}{EVENTS_PATH}"
    if len(url) > MAX_URL:
        raise ManifestError(f"{refused}, shorter than {MAX_URL} characters; example: {EXAMPLE}")
    return url


def for_http(
    manifest: dict[str, Any], base: str, *, many_workspaces: bool = False
) -> dict[str, Any]:
    """The same app in HTTP mode: Slack sends events, commands and clicks to base/slack/events;
    for many workspaces, admins come back from Slack's Allow page to base/slack/oauth_redirect."""
    url = events_url(base)
    http = copy.deepcopy(manifest)
    features = http["features"]
    features["slash_commands"] = [
        {"command": command["command"], "url": url, **command}
        for command in features["slash_commands"]
    ]
    settings = http["settings"]
    settings["event_subscriptions"] = {"request_url": url, **settings["event_subscriptions"]}
    settings["interactivity"] = {**settings["interactivity"], "request_url": url}
    settings["socket_mode_enabled"] = False
    if many_workspaces:
        redirect = url.removesuffix(EVENTS_PATH) + REDIRECT_PATH
        http["oauth_config"] = {"redirect_urls": [redirect], **http["oauth_config"]}
    return http


def render(manifest: dict[str, Any], *, as_json: bool = False) -> str:
    """YAML (as app.yaml is written) or JSON: Slack's manifest editor takes either."""
    if as_json:
        return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100)


def bot_scopes(path: Path = APP_YAML) -> list[str]:
    """The bot scopes app.yaml asks for: what an OAuth install asks the admin to allow."""
    scopes = load(path).get("oauth_config", {}).get("scopes", {}).get("bot", [])
    return [str(scope) for scope in scopes]
