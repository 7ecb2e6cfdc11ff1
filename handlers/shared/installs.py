"""Slack's word that carebot left a workspace: app_uninstalled and tokens_revoked.

Slack sends both when an app is removed, in either order, and Bolt passes them on without
looking for the (deleted) token; both are safe to handle twice. Registered only when
carebot serves many workspaces: with one (SLACK_BOT_TOKEN) there is nothing to forget.
"""

from __future__ import annotations

from typing import Any, Protocol

from slack_bolt import App

BOT_EVENTS = ("app_uninstalled", "tokens_revoked")


class InstallEvents(Protocol):
    def uninstalled(self, team_id: str, at: float | None = None) -> None: ...

    def revoked(
        self, team_id: str, bot_users: list[str], user_count: int, at: float | None = None
    ) -> None: ...


def register(app: App, installs: InstallEvents) -> None:
    @app.event("app_uninstalled")
    def on_uninstalled(body: dict[str, Any], context: Any) -> None:
        if context.team_id:
            installs.uninstalled(context.team_id, _sent_at(body))

    @app.event("tokens_revoked")
    def on_revoked(body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        tokens = event.get("tokens")
        tokens = tokens if isinstance(tokens, dict) else {}
        bots = [u for u in tokens.get("bot") or [] if isinstance(u, str)]
        users = [u for u in tokens.get("oauth") or [] if isinstance(u, str)]
        if context.team_id:
            installs.revoked(context.team_id, bots, len(users), _sent_at(body))


def _sent_at(body: dict[str, Any]) -> float | None:
    """When Slack says the event happened (event_time, epoch seconds), if it says so; a
    retried or late event older than a reinstall must not undo it."""
    at = body.get("event_time")
    return float(at) if isinstance(at, int | float) and not isinstance(at, bool) else None
