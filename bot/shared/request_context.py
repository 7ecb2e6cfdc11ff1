"""The Slack request being handled: its id, workspace, kind, command or action, and outcome.

The runtime sets it as a request arrives and the listener pool carries it to the listener's
thread, so every log line written while handling the request can say which one it was.
It holds ids and registered names only, never anything a person typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

# How a request ended, as log lines and metrics say it.
OK, REFUSED, ASKED_BACK, NOT_UNDERSTOOD, REPEAT, ERROR = (
    "ok",
    "refused",
    "asked_back",
    "not_understood",
    "repeat",
    "error",
)


@dataclass
class SlackRequest:
    """One request from Slack, as carebot's log lines name it."""

    id: str
    kind: str  # slash_command, block_actions, view_submission, event, ...
    workspace: str | None  # the team id
    command: str | None = None  # a registered slash command: /appt
    action: str | None = None  # a registered action id, view callback id or event type
    outcome: str | None = None


_current: ContextVar[SlackRequest | None] = ContextVar("carebot_request", default=None)


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def current() -> SlackRequest | None:
    """The request being handled on this thread, if any."""
    return _current.get()


@contextmanager
def handling(request: SlackRequest) -> Iterator[SlackRequest]:
    """Make `request` the current one until the block ends."""
    token = _current.set(request)
    try:
        yield request
    finally:
        _current.reset(token)


def request_id() -> str:
    """The current request's id; a fresh one outside any request."""
    request = _current.get()
    return request.id if request is not None else new_id()


def settle(outcome: str | None = None, *, command: str | None = None) -> None:
    """Say how the current request ended, or which command it runs (a DM or a mention)."""
    request = _current.get()
    if request is None:
        return
    if outcome is not None:
        request.outcome = outcome
    if command is not None:
        request.command = command
