"""Keeping a visit's channel card in step with its state."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.appointments.changes import Appointment
from handlers.appointments.views import card

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from slack_sdk import WebClient

log = logging.getLogger(__name__)


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
