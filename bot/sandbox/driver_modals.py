"""Modals: filling, submitting and closing them, and what the bot's answer to a submission does."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox import driver_payloads as payloads
from bot.sandbox.driver_base import Ack, DriverError, checked
from bot.sandbox.driver_clicks import Clicking
from bot.sandbox.inputs import entry_for, find_input, submission_state
from bot.sandbox.render import render_view
from bot.sandbox.seed import Workspace
from bot.sandbox.standin import SlackStandIn, View


@dataclass(frozen=True)
class Modal:
    """The modal a person is looking at."""

    id: str
    callback_id: str
    title: str
    private_metadata: str
    blocks: list[dict[str, Any]]
    state: dict[str, dict[str, Any]]
    text: str
    view: dict[str, Any]


def modal_of(view: View, space: Workspace, errors: dict[str, str]) -> Modal:
    """An open view as its person sees it, field errors included."""
    viewer = space.users.get(view.user)
    zone = ZoneInfo(viewer.tz) if viewer is not None else None
    shown = render_view(view.view, names=space, state=view.state, errors=errors, zone=zone)
    return Modal(
        id=view.id,
        callback_id=str(view.view.get("callback_id", "")),
        title=str((view.view.get("title") or {}).get("text", "")),
        private_metadata=str(view.view.get("private_metadata", "")),
        blocks=list(view.view.get("blocks", [])),
        state=dict(view.state),
        text=shown,
        view=view.view,
    )


class Modals(Clicking):
    """The acting person's open modal: what it shows, and filling, submitting, closing it."""

    @property
    def modal(self) -> Modal | None:
        """The current user's top open modal, or None."""
        view = self.standin.top_view(self._user.id)
        if view is None:
            return None
        return modal_of(view, self.space, self.errors)

    def _top(self) -> View:
        view = self.standin.top_view(self._user.id)
        if view is None:
            raise DriverError(f"@{self._user.name} has no modal open")
        return view

    def fill(self, label_or_block_id: str, value: str | list[str]) -> Ack | None:
        """Type or pick a value in the open modal's input (by label, block_id or action_id)."""
        view = self._top()
        block = checked(find_input, view.view.get("blocks", []), label_or_block_id)
        element = block["element"]
        entry = checked(entry_for, element, value, self.space)
        self.standin.set_view_state(view.id, block["block_id"], element["action_id"], entry)
        self.errors.pop(block["block_id"], None)
        if not block.get("dispatch_action"):
            return None
        action = {**entry, "action_id": element["action_id"], "block_id": block["block_id"]}
        return self._send_action(self._top(), dict(action, action_ts=f"{time.time():.6f}"))

    def submit(self, values: Mapping[str, str | list[str]] | None = None) -> Ack:
        """Fill the given fields, then press the modal's submit button."""
        for label, value in (values or {}).items():
            self.fill(label, value)
        view = self._top()
        state, missing = submission_state(view.view.get("blocks", []), view.state)
        if missing:
            self.errors = missing  # Slack's client refuses to send an incomplete form
            return Ack(0, None, 0.0, delivered=False)
        shown = dict(view.to_api(self.space), state={"values": state})
        trigger_id = self.standin.issue_trigger(self._user.id)
        payload = payloads.view_submission(self.space, self._user, shown, trigger_id)
        self.errors, self.slack_error = {}, None
        ack = self._send_payload(payload)
        if ack.ok and not ack.late:  # Slack ignores a late ack's body
            self.errors, self.slack_error = apply_submission_ack(
                self.standin, view, self._user.id, ack.body
            )
        return ack

    def close(self) -> Ack | None:
        """Press the modal's close button; the bot hears of it only with notify_on_close."""
        view = self._top()
        self.errors = {}
        self.standin.close_views(self._user.id)
        if not view.view.get("notify_on_close"):
            return None
        return self._send_payload(payloads.view_closed(self.space, self._user, view))


def apply_submission_ack(
    standin: SlackStandIn, view: View, user: str, body: Any
) -> tuple[dict[str, str], dict[str, Any] | None]:
    """Do what the bot's ack to a view_submission asks.

    Returns the field errors the modal now shows and Slack's own error, if it had one.
    """
    action = body.get("response_action") if isinstance(body, dict) else None
    if action == "errors":
        errors = dict(body.get("errors") or {})
        inputs = {
            b.get("block_id") for b in view.view.get("blocks", []) if b.get("type") == "input"
        }
        strays = sorted(set(errors) - inputs)
        if strays:  # Slack shows a generic failure instead of the field errors
            return errors, _error("invalid_arguments", f"errors for non-input blocks {strays}")
        return errors, None
    result: dict[str, Any] = {"ok": True}
    if action == "update":
        result = standin.replace_view(view.id, body.get("view"))
    elif action == "push":
        result = standin.push_view(user, body.get("view"))
    elif action == "clear":
        standin.close_views(user, everything=True)
    else:
        standin.close_views(user)
    slack_error = None if result.get("ok") else result
    return {}, slack_error


def _error(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": code, "response_metadata": {"messages": [f"[ERROR] {message}"]}}
