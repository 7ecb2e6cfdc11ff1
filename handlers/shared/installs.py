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
    def uninstalled(self, team_id: str) -> None: ...

    def revoked(self, team_id: str, bot_users: list[str], user_count: int) -> None: ...


def register(app: App, installs: InstallEvents) -> None:
    @app.event("app_uninstalled")
    def on_uninstalled(context: Any) -> None:
        if context.team_id:
            installs.uninstalled(context.team_id)

    @app.event("tokens_revoked")
    def on_revoked(event: dict[str, Any], context: Any) -> None:
        tokens = event.get("tokens")
        tokens = tokens if isinstance(tokens, dict) else {}
        bots = [u for u in tokens.get("bot") or [] if isinstance(u, str)]
        users = [u for u in tokens.get("oauth") or [] if isinstance(u, str)]
        if context.team_id:
            installs.revoked(context.team_id, bots, len(users))
