"""The Bolt app, observed: each request counted, timed to its ack, and named for the logs.

Both transports (the WSGI adapter and Socket Mode) hand every request to `App.dispatch`,
so that is where a request becomes the current one and where its ack is counted.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from bot.runtime.metrics import Metrics
from bot.shared import request_context
from bot.shared.commands import CommandRegistry
from bot.shared.request_context import SlackRequest

log = logging.getLogger(__name__)

# The kinds of request Slack sends besides slash commands and events, by their `type`.
KINDS = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "url_verification",
        "app_rate_limited",
    }
)
OTHER = "other"
_LITERAL = re.compile(r"[A-Za-z0-9_/:.-]*")

Constraint = str | re.Pattern[str] | dict[str, Any]
Registration = Callable[..., Any]


class ListenerNames:
    """What carebot listens for (action ids, callback ids, event types, commands): the only
    names a request is labelled with; anything else is "other"."""

    def __init__(self, commands: CommandRegistry) -> None:
        self.commands = commands
        self._exact: set[str] = set()
        self._patterns: list[tuple[re.Pattern[str], str]] = []

    def add(self, constraint: Constraint) -> None:
        if isinstance(constraint, dict):
            for key in ("action_id", "callback_id", "type"):
                if isinstance(constraint.get(key), str | re.Pattern):
                    self.add(constraint[key])
                    return
        elif isinstance(constraint, str):
            self._exact.add(constraint)
        else:  # "^appt_slot_\d+$" is shown as appt_slot_*
            literal = _LITERAL.match(constraint.pattern.lstrip("^"))
            self._patterns.append((constraint, (literal.group(0) if literal else "") + "*"))

    def request(self, body: dict[str, Any], workspace: str | None) -> SlackRequest:
        """The request this body is, named by what carebot registered."""
        kind = kind_of(body)
        request = SlackRequest(id=request_context.new_id(), kind=kind, workspace=workspace)
        if kind == "slash_command":
            command = self.commands.get(str(body.get("command", "")))
            request.command = command.slash if command is not None else OTHER
        else:
            raw = raw_name(kind, body)
            request.action = self.label(raw) if raw is not None else None
        return request

    def label(self, name: str) -> str:
        if name in self._exact:
            return name
        return next((shown for pattern, shown in self._patterns if pattern.search(name)), OTHER)


def kind_of(body: dict[str, Any]) -> str:
    if "command" in body:
        return "slash_command"
    kind = body.get("type")
    if kind == "event_callback":
        return "event"
    return kind if kind in KINDS else OTHER


def raw_name(kind: str, body: dict[str, Any]) -> str | None:
    """The action id, callback id or event type Slack sent, unchecked."""
    found: Any = None
    if kind == "event":
        found = (body.get("event") or {}).get("type")
    elif kind == "block_actions":
        actions = body.get("actions") or [{}]
        found = actions[0].get("action_id") if isinstance(actions[0], dict) else None
    elif kind == "block_suggestion":
        found = body.get("action_id")
    elif kind in ("view_submission", "view_closed"):
        found = (body.get("view") or {}).get("callback_id")
    elif kind in ("shortcut", "message_action"):
        found = body.get("callback_id")
    return found if isinstance(found, str) else None


class ObservedApp(App):
    """A Bolt app that counts each request and its ack, and makes it the current request
    (the listener pool carries it to the listener's thread) for the log lines it causes."""

    def __init__(
        self,
        *,
        metrics: Metrics,
        commands: CommandRegistry,
        bind: Callable[[str | None], AbstractContextManager[None]] | None = None,
        **kwargs: Any,
    ) -> None:
        self.metrics = metrics
        self.names = ListenerNames(commands)
        self.bind = bind  # many workspaces: the request's Slack calls go with its token
        super().__init__(**kwargs)

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        request = self.names.request(req.body, req.context.team_id)
        # Named now: the listener may name the command a DM runs before the ack is counted.
        name = request.command or request.action or ""
        bound = self.bind(req.context.team_id) if self.bind is not None else nullcontext()
        with request_context.handling(request), bound:
            # In a context of its own: what middleware sets for this request (its ack) is
            # carried to the listener's thread and gone from this one afterwards.
            response = contextvars.copy_context().run(super().dispatch, req)
            seconds = time.perf_counter() - started
            log.debug("answered status=%d in %.0f ms", response.status, seconds * 1000)
        self.metrics.request_answered(request.kind, name, response.status, seconds)
        return response

    # Every way a listener is registered notes what it listens for.
    def command(self, command: Constraint, *args: Any, **kwargs: Any) -> Registration:
        return self._noted(super().command, command, *args, **kwargs)

    def action(self, constraints: Constraint, *args: Any, **kwargs: Any) -> Registration:
        return self._noted(super().action, constraints, *args, **kwargs)

    def block_action(self, constraints: Constraint, *args: Any, **kwargs: Any) -> Registration:
        return self._noted(super().block_action, constraints, *args, **kwargs)

    def options(self, constraints: Constraint, *args: Any, **kwargs: Any) -> Registration:
        return self._noted(super().options, constraints, *args, **kwargs)

    def view(self, constraints: Constraint, *args: Any, **kwargs: Any) -> Registration:
        return self._noted(super().view, constraints, *args, **kwargs)

    def view_submission(self, constraints: Constraint, *args: Any, **kwargs: Any) -> Registration:
        return self._noted(super().view_submission, constraints, *args, **kwargs)

    def view_closed(self, constraints: Constraint, *args: Any, **kwargs: Any) -> Registration:
        return self._noted(super().view_closed, constraints, *args, **kwargs)

    def shortcut(self, constraints: Constraint, *args: Any, **kwargs: Any) -> Registration:
        return self._noted(super().shortcut, constraints, *args, **kwargs)

    def event(self, event: Constraint, *args: Any, **kwargs: Any) -> Registration:
        return self._noted(super().event, event, *args, **kwargs)

    def _noted(
        self, register: Registration, constraint: Constraint, *args: Any, **kwargs: Any
    ) -> Registration:
        self.names.add(constraint)
        registration: Registration = register(constraint, *args, **kwargs)
        return registration
