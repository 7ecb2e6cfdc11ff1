"""The driver's Socket Mode transport: the same requests, as envelopes over the WebSocket.

What the driver would POST to carebot over HTTP becomes an envelope Slack sends the
app connected to the stand-in: a slash command's form fields are a `slash_commands`
payload, an interaction's `payload` field an `interactive` one, an event callback an
`events_api` one (its X-Slack-Retry-* headers become `retry_attempt` / `retry_reason`).
The app's ack is the answer: HTTP 200 with the ack's payload as the body, so a test
reads the same `Ack` over either transport.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from bot.sandbox.standin_socket import SocketModeServer


class NotAnEnvelope(ValueError):
    """The request has no Socket Mode equivalent (a URL verification, a non-JSON body)."""


@dataclass(frozen=True)
class Outgoing:
    """A request as Slack sends it over Socket Mode."""

    kind: str
    payload: dict[str, Any]
    retry_attempt: int = 0
    retry_reason: str = ""


def envelope_for(body: bytes, content_type: str, headers: Mapping[str, str]) -> Outgoing:
    """The envelope Slack would send for what it would otherwise POST."""
    text = body.decode("utf-8")
    if "json" in content_type:
        parsed = json.loads(text)
        if not isinstance(parsed, dict) or parsed.get("type") != "event_callback":
            raise NotAnEnvelope(
                f"Slack sends {parsed.get('type') if isinstance(parsed, dict) else 'this'!r} "
                "only to a request URL, never over Socket Mode"
            )
        retry = headers.get("X-Slack-Retry-Num")
        return Outgoing(
            "events_api",
            parsed,
            retry_attempt=int(retry) if retry else 0,
            retry_reason=headers.get("X-Slack-Retry-Reason", "") if retry else "",
        )
    fields = {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
    if "payload" in fields:
        payload = json.loads(fields["payload"])
        if not isinstance(payload, dict):
            raise NotAnEnvelope("an interaction payload is a JSON object")
        return Outgoing("interactive", payload)
    return Outgoing("slash_commands", fields)


def over_socket(
    server: SocketModeServer, outgoing: Outgoing, timeout: float
) -> tuple[int, Any, float]:
    """Deliver one envelope and wait for its ack: (200, ack payload or "", seconds to the
    ack), or (0, None, seconds waited) when the app never acked it."""
    started = time.monotonic()
    delivery = server.deliver(
        outgoing.kind,
        outgoing.payload,
        retry_attempt=outgoing.retry_attempt,
        retry_reason=outgoing.retry_reason,
    )
    if not delivery.wait(timeout):
        return 0, None, time.monotonic() - started
    elapsed = delivery.elapsed
    payload = delivery.ack_payload
    seconds = elapsed if elapsed is not None else time.monotonic() - started
    return 200, "" if payload is None else payload, seconds
