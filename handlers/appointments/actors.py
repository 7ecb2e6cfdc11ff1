"""Who clicked, and where: the Actor of a button click or a form submission."""

from __future__ import annotations

import uuid
from typing import Any

from bot.shared.access import Actor


def actor_of(body: dict[str, Any], context: Any) -> Actor:
    """The workspace, the user and the channel (or DM) a click came from, with a request id."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return Actor(
        str(context.team_id or ""),
        str(body["user"]["id"]),
        str(channel) if channel else None,
        uuid.uuid4().hex[:12],
    )
