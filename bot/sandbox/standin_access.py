"""Whether a token may make a Web API call: its kind, its life, and whose things it names.

Slack answers a call by the token's workspace alone: a token of one workspace naming
another workspace's channel, person or view gets `invalid_auth`. The stand-in refuses
it the same way and records it in `cross_workspace_calls`, so a test with two installed
workspaces can assert that none happened.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.standin_envelopes import APP_LEVEL_METHODS
from bot.sandbox.standin_records import Result
from bot.sandbox.standin_state import StandInState
from bot.sandbox.standin_tokens import CrossWorkspaceCall

NAMING_ONE = ("channel", "channel_id", "user", "user_id", "usergroup")
NAMING_SEVERAL = ("users", "channels")
# An org-wide install is in no workspace until an admin adds it to some.
ORG_TOKEN_METHODS = {"auth.test", "auth.revoke"}


class AccessChecks(StandInState):
    """Token kinds (bot or app-level), revoked and expired tokens, and workspace borders."""

    def _token_refusal(self, method: str, token: str, params: Result) -> str | None:
        """Slack's error for this token making this call, else None. Called inside the
        call's `_acting` block, with `_caller()` the token's grant if it has one."""
        app_level = method in APP_LEVEL_METHODS
        if token == self.app_token:
            return None if app_level else "not_allowed_token_type"
        grant = self._caller()
        if grant is None:
            return "invalid_auth"
        if app_level:
            return "not_allowed_token_type"
        lapsed = grant.refusal(self.monotonic())
        if lapsed is not None:
            return lapsed
        if grant.team_id is None:
            return None if method in ORG_TOKEN_METHODS else "team_access_not_granted"
        for ref, owner in self._named(params):
            if owner is not None and owner != grant.team_id:
                if method == "users.info":
                    # Someone typed a person of another workspace: Slack just does not know
                    # them here. (Anything else naming another workspace is carebot's fault.)
                    return "user_not_found"
                self.cross_workspace_calls.append(
                    CrossWorkspaceCall(method, grant.team_id, owner, ref)
                )
                return "invalid_auth"
        return None

    def _named(self, params: Result) -> list[tuple[str, str | None]]:
        """The people, channels, groups, views and files a call names, each with the team
        owning it (a view or trigger is its person's; a file its uploader's)."""
        refs = [str(params[k]) for k in NAMING_ONE if isinstance(params.get(k), str)]
        for key in NAMING_SEVERAL:
            refs += _listed(params.get(key))
        trigger = self._triggers.get(str(params.get("trigger_id") or ""))
        if trigger is not None:
            refs.append(trigger[0])
        # An external_id is looked up among the caller's own views: it names no one else's.
        view = self._views.get(str(params.get("view_id") or ""))
        if view is not None:
            refs.append(view.user)
        named = [(r, self.team_of(r)) for r in refs if r]
        listed = params.get("files")
        for item in listed if isinstance(listed, list) else []:
            stored = self._files.get(str(item.get("id"))) if isinstance(item, dict) else None
            if stored is not None:
                named.append((stored.id, stored.team or None))
        return named


def _listed(value: Any) -> list[str]:
    """A list parameter: "U1,U2" in a form, or a JSON array."""
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v for v in str(value or "").split(",") if v]
