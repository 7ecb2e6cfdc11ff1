"""Who acted, and where, read once from what Slack sent: the Actor an operation checks."""

from __future__ import annotations

import uuid
from typing import Any

from bot.shared.access import Actor


def actor_of(body: dict[str, Any], team_id: str | None) -> Actor:
    """The person behind a click, form or shortcut, in the channel they acted in (none in
    the Home tab or a modal opened without one), with a request id the logs can name."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    team = team_id or (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    return Actor(
        str(team or ""),
        str(body["user"]["id"]),
        str(channel) if channel else None,
        uuid.uuid4().hex[:12],
    )
