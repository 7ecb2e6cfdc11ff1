"""What stands before Bolt on POST /slack/events: Slack's signature, then a readable body.

Bolt checks the signature too, but it raises on a timestamp that is not a number, and its
error path then answers a request nobody verified. Here a request whose signature does not
hold gets 401 before any listener, error handler or Slack call; a signed body carebot cannot
read (a payload that is not a JSON object, a click with no action, a form with no view, a
channel that is a number) gets 400 with one log line.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import BoltContext
from slack_bolt.request.internals import build_context
from slack_sdk.signature import Clock, SignatureVerifier

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class _At(Clock):
    """slack_sdk's verifier asks its clock for now: this one answers the instant given."""

    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def verified(
    body: bytes, timestamp: str | None, signature: str | None, secret: str, now: float
) -> bool:
    """True only for a body signed with `secret` at a time within five minutes of `now`.

    The headers' shape is checked here first: slack_sdk's verifier does the rest, and would
    raise on a timestamp that is not a number."""
    if not secret or timestamp is None or signature is None:
        return False
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
        return False
    return SignatureVerifier(secret, clock=_At(now)).is_valid(body, timestamp, signature)


def unreadable(body: bytes, content_type: str) -> str | None:
    """Why a verified body is not a request carebot reads (for the log), or None."""
    if content_type.split(";")[0].strip().lower() == "application/json":
        return _event_problem(body)
    try:
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        return "a form body that does not parse"
    if "payload" not in form:
        return None if form.get("command") else "a form with neither a command nor a payload"
    try:
        payload = json.loads(form["payload"][0])
    except ValueError:
        return "a payload that is not JSON"
    return _payload_problem(payload)


def _event_problem(body: bytes) -> str | None:
    try:
        event = json.loads(body)
    except ValueError:
        return "an event body that is not JSON"
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return "an event that is not an object with a type"
    return _context_problem(event)


def _payload_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        return "a payload that is not an object with a type"
    kind = payload["type"]
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
            return "a click with no action"
        if not isinstance(actions[0].get("action_id"), str):
            return "a click whose action has no id"
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        if not isinstance(view, dict) or not isinstance(view.get("type"), str):
            return "a form with no view"
    if not isinstance(payload.get("user"), dict) and kind != "url_verification":
        return "a payload with no user"
    return _context_problem(payload)


def _context_problem(body: dict[str, Any]) -> str | None:
    """Bolt reads who and where from the body before any listener (a channel that is a
    number, say, raises there): the same reading here, so such a body is a 400, not a 500."""
    try:
        build_context(BoltContext(), body)
    except (TypeError, AttributeError, KeyError, ValueError):
        return "a body whose team, user or channel Bolt cannot read"
    return None
