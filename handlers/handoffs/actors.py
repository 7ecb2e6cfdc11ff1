"""Who clicked or submitted, and where: the Actor a handoff operation checks."""

from __future__ import annotations

from typing import Any

from bot.shared.access import Actor


def actor_of(body: dict[str, Any], team_id: str | None) -> Actor:
    """The person behind a button, modal or shortcut, in the channel they acted in if any."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    team = team_id or (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    return Actor(str(team or ""), str(body["user"]["id"]), str(channel) if channel else None)
