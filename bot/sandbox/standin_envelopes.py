"""Socket Mode's envelopes: what Slack sends the app, each attempt at it, and its ack.

Plain records the stand-in's Socket Mode server (`standin_socket`) fills in and tests
read back, and which Web API methods take the app-level token.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

ACK_DEADLINE = 3.0  # seconds Slack waits for an ack
MAX_RETRIES = 3  # an unacked events_api envelope is sent again up to three times
# Methods called with the app-level token, and the app-level scope each needs.
APP_LEVEL_METHODS = {"apps.connections.open": "connections:write"}


@dataclass
class Envelope:
    """One attempt at a delivery, on one connection."""

    id: str
    link: int
    retry_attempt: int
    retry_reason: str
    sent_at: float


@dataclass
class Delivery:
    """One request Slack sends the app, and every attempt at it until one is acked."""

    type: str
    payload: dict[str, Any]
    accepts_response_payload: bool
    retry_attempt: int = 0  # of the first attempt (a test may send a retry itself)
    retry_reason: str = ""
    attempts: list[Envelope] = field(default_factory=list)
    ack: dict[str, Any] | None = None
    acked_at: float | None = None
    given_up: bool = False
    acked: threading.Event = field(default_factory=threading.Event)

    @property
    def ack_payload(self) -> Any:
        """What the app sent back with its ack; None for a bare ack or none at all."""
        return None if self.ack is None else self.ack.get("payload")

    @property
    def elapsed(self) -> float | None:
        """Seconds from the first attempt going out to the ack; None while unacked."""
        if self.acked_at is None or not self.attempts:
            return None
        return max(0.0, self.acked_at - self.attempts[0].sent_at)

    def attempt(self, link: int, now: float) -> Envelope:
        """A new attempt on a connection: the first as asked, then each retry's number one
        more than the last, for "timeout"."""
        last = self.attempts[-1] if self.attempts else None
        envelope = Envelope(
            id=str(uuid.uuid4()),
            link=link,
            retry_attempt=self.retry_attempt if last is None else last.retry_attempt + 1,
            retry_reason=self.retry_reason if last is None else "timeout",
            sent_at=now,
        )
        self.attempts.append(envelope)
        return envelope

    def overdue(self, now: float, deadline: float) -> bool:
        """Sent, not acked, not given up, and its latest attempt older than the deadline."""
        if self.ack is not None or self.given_up or not self.attempts:
            return False
        return now - self.attempts[-1].sent_at >= deadline

    def wait(self, timeout: float) -> bool:
        """Block until the app acks any attempt; False after `timeout` seconds."""
        return self.acked.wait(timeout)

    def message(self, envelope: Envelope) -> dict[str, Any]:
        """The envelope as it goes over the wire."""
        out: dict[str, Any] = {
            "envelope_id": envelope.id,
            "payload": self.payload,
            "type": self.type,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":
            out["retry_attempt"] = envelope.retry_attempt
            out["retry_reason"] = envelope.retry_reason
        return out


def accepts_response_payload(kind: str, payload: dict[str, Any]) -> bool:
    """Whether Slack reads a payload in the ack: commands, submissions, option lists."""
    if kind == "slash_commands":
        return True
    return kind == "interactive" and payload.get("type") in ("view_submission", "block_suggestion")
