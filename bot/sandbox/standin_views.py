"""The stand-in's modals and Home tabs: triggers, views.* methods and view stacks."""

from __future__ import annotations

import secrets
import time
from typing import Any

from bot.sandbox import limits
from bot.sandbox.standin_records import Result, View, api_error
from bot.sandbox.standin_state import StandInState


class ViewMethods(StandInState):
    """views.open, views.push, views.update, views.publish, and what a person does to them."""

    # -- what the humans do (used by SlackDriver) ---------------------------------

    def issue_trigger(self, user: str) -> str:
        """A fresh trigger_id for an interaction by this user."""
        with self._lock:
            self._counter += 1
            trigger = f"{self._counter}{int(time.time())}.{secrets.token_hex(8)}"
            self._triggers[trigger] = (user, self.monotonic(), False)
            return trigger

    def set_view_state(self, view_id: str, block_id: str, action_id: str, entry: Result) -> None:
        """Record what a user typed or picked in a modal input."""
        with self._lock:
            view = self._views[view_id]
            view.state.setdefault(block_id, {})[action_id] = entry
            self._touch(view)

    def close_views(self, user: str, *, everything: bool = False) -> None:
        """Close the top modal (or the whole stack) for a user."""
        with self._lock:
            stack = self._stacks.get(user, [])
            for view in reversed(stack if everything else stack[-1:]):
                view.closed = True
                self._touch(view)
            self._stacks[user] = [] if everything else stack[:-1]

    def push_view(self, user: str, view: Any) -> Result:
        """Put a view on top of the user's stack, as `response_action: push` does."""
        with self._lock, self._acting_for(user):
            return self._push(user, view)

    def replace_view(self, view_id: str, view: Any) -> Result:
        """Swap a view's content in place, as `response_action: update` does."""
        with self._lock:
            found = self._views.get(view_id)
            with self._acting_for(found.user if found is not None else None):
                return self._update_view(found, view, None)

    # -- Web API methods: views ------------------------------------------------------

    def _trigger_user(self, trigger_id: str) -> str | Result:
        """The user a trigger was issued for, or Slack's error for a bad one."""
        found = self._triggers.get(trigger_id)
        if found is None:
            return api_error("invalid_arguments", "[ERROR] invalid `trigger_id`")
        user, issued_at, used = found
        if used:
            return api_error("exchanged_trigger_id")
        if self.monotonic() - issued_at > self.trigger_ttl:
            return api_error("expired_trigger_id")
        return user

    def api_views_open(self, params: Result) -> Result:
        """Open a modal for the user whose interaction issued the trigger."""
        user = self._trigger_user(str(params["trigger_id"]))
        if not isinstance(user, str):
            return user
        refused = limits.check_view(params.get("view"))
        if refused is not None:
            return refused
        self._triggers[str(params["trigger_id"])] = (user, 0.0, True)
        for view in self._stacks.get(user, []):
            view.closed = True
            self._touch(view)
        self._stacks[user] = []
        return self._push(user, params["view"])

    def api_views_push(self, params: Result) -> Result:
        """Push a modal onto the user's stack (at most 3 deep)."""
        user = self._trigger_user(str(params["trigger_id"]))
        if not isinstance(user, str):
            return user
        if not self._stacks.get(user):
            return api_error("not_found")
        refused = limits.check_view(params.get("view"))
        if refused is not None:
            return refused
        self._triggers[str(params["trigger_id"])] = (user, 0.0, True)
        return self._push(user, params["view"])

    def api_views_update(self, params: Result) -> Result:
        """Change an open view by view_id or external_id; a stale hash is refused."""
        view_id, external_id = params.get("view_id"), params.get("external_id")
        if not view_id and not external_id:
            return api_error("invalid_arguments", "[ERROR] view_id or external_id is required")
        found = (
            self._views.get(str(view_id))
            if view_id
            else next(
                (
                    v
                    for v in self._views.values()
                    if not v.closed
                    and v.view.get("external_id") == external_id
                    and self.workspace.owns(v.user)  # external ids are per workspace
                ),
                None,
            )
        )
        return self._update_view(found, params.get("view"), params.get("hash"))

    def api_views_publish(self, params: Result) -> Result:
        """Publish a user's Home tab."""
        user = str(params["user_id"])
        if user not in self.workspace.users:
            return api_error("user_not_found")
        view = params.get("view")
        refused = limits.check_view(view)
        if refused is not None:
            return refused
        current = self._homes.get(user)
        if current is not None:
            return self._update_view(current, view, params.get("hash"))
        home = self._new_view(user, params["view"], None)
        self._homes[user] = home
        return {"ok": True, "view": home.to_api(self.workspace)}

    def _push(self, user: str, view: Any) -> Result:
        refused = limits.check_view(view)
        if refused is not None:
            return refused
        stack = self._stacks.setdefault(user, [])
        if len(stack) >= 3:
            return api_error("push_limit_reached")
        opened = self._new_view(user, view, stack[-1] if stack else None)
        stack.append(opened)
        return {"ok": True, "view": opened.to_api(self.workspace)}

    def _new_view(self, user: str, view: Result, below: View | None) -> View:
        self._counter += 1
        view_id = f"V0{self._counter:08d}"
        stored = dict(view, blocks=limits.normalize_blocks(view.get("blocks"), view_id))
        root = below.root_view_id if below else view_id
        opened = View(view_id, user, stored, _view_hash(), root, below.id if below else None)
        self._views[view_id] = opened
        return self._touch(opened)

    def _update_view(self, found: View | None, view: Any, hash_: Any) -> Result:
        if found is None or found.closed:
            return api_error("not_found")
        if hash_ and hash_ != found.hash:
            return api_error("hash_conflict")
        refused = limits.check_view(view)
        if refused is not None:
            return refused
        found.view = dict(view, blocks=limits.normalize_blocks(view.get("blocks"), found.id))
        found.hash = _view_hash()
        kept = {(b.get("block_id"), a) for b in found.view["blocks"] for a in _action_ids(b)}
        found.state = {
            block_id: {a: e for a, e in entries.items() if (block_id, a) in kept}
            for block_id, entries in found.state.items()
            if any((block_id, a) in kept for a in entries)
        }
        self._touch(found)
        return {"ok": True, "view": found.to_api(self.workspace)}


def _action_ids(block: Result) -> list[str]:
    elements = [block.get("element"), block.get("accessory"), *(block.get("elements") or [])]
    return [str(e["action_id"]) for e in elements if isinstance(e, dict) and "action_id" in e]


def _view_hash() -> str:
    return f"{int(time.time())}.{secrets.token_hex(4)}"
