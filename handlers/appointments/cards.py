"""Keeping a visit's channel card in step with its state."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.appointments.changes import Appointment
from bot.appointments.series_announce import ShownSeries
from handlers.appointments import series_views
from handlers.appointments.views import card

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from slack_sdk import WebClient

log = logging.getLogger(__name__)

# A series as its card shows it, by workspace and S-ref (None: gone).
ShownOf = Callable[[str, str], "tuple[ShownSeries, ZoneInfo] | None"]


def refresh_card(client: WebClient, visit: Appointment, zone: ZoneInfo) -> None:
    """Update the visit's channel card in place (in that channel's zone); a gone card is fine."""
    if visit.message is None:
        return
    channel, ts = visit.message
    reply = card(visit, zone)
    try:
        client.chat_update(channel=channel, ts=ts, text=reply.text, blocks=reply.blocks)
    except SlackApiError as error:
        log.warning("could not update the card of %s: %s", visit.ref, error.response.get("error"))


def refresh_series_card(
    client: WebClient,
    shown: ShownOf,
    team_id: str,
    ref: str | None,
) -> None:
    """Redraw a series' card in place after a change to one or more of its visits."""
    if ref is None:
        return
    found = shown(team_id, ref)
    if found is None:
        return
    series, zone = found
    if series.message is None:
        return
    channel, ts = series.message
    reply = series_views.card(series, zone)
    try:
        client.chat_update(channel=channel, ts=ts, text=reply.text, blocks=reply.blocks)
    except SlackApiError as error:
        log.warning("could not update the card of %s: %s", ref, error.response.get("error"))
