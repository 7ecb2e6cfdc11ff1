"""Socket Mode: carebot dials Slack and answers every request on that WebSocket.

Bolt's SocketModeHandler asks `apps.connections.open` (on SLACK_API_URL, with the
app-level token) for a WebSocket URL, acks each envelope with what the listener acked,
and opens a new connection when Slack asks it to or closes the old one. No public URL
and no signing secret are needed.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackClientNotConnectedError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.runtime.config import Settings

log = logging.getLogger(__name__)


class _RefusalReportedOnce(logging.Filter):
    """A refused app-level token is carebot's one line to the admin (or, on a reconnect,
    the SDK's own error line); slack_sdk's extra "Failed to retrieve WSS URL" is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to retrieve WSS URL")


class CarebotSocketModeHandler(SocketModeHandler):
    """Bolt's handler; an ack lost with its connection is one log line, not a traceback."""

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        try:
            super().handle(client, req)
        except SlackClientNotConnectedError:
            # Slack sends an events_api envelope again; a command or click is not resent.
            log.warning(
                "the Socket Mode connection closed before carebot acked a %s envelope",
                req.type,
            )


def connect(app: App, settings: Settings) -> SocketModeHandler:
    """Open the first connection (a refused app-level token raises SlackApiError).

    A connection that fails after the token was accepted is retried by the handler,
    every `socket_ping_seconds`, as is any connection Slack later closes.
    """
    handler = CarebotSocketModeHandler(
        app, settings.app_token, ping_interval=settings.socket_ping_seconds
    )
    sdk_log = handler.client.logger
    if not any(isinstance(f, _RefusalReportedOnce) for f in sdk_log.filters):
        sdk_log.addFilter(_RefusalReportedOnce())
    handler.connect()  # type: ignore[no-untyped-call]
    if handler.client.is_connected():
        log.info("carebot is connected to Slack in Socket Mode")
    else:
        log.warning("carebot could not open its Socket Mode connection yet; retrying")
    return handler
