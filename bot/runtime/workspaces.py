"""Many workspaces: every Web API call goes with the token of the workspace it is for.

Listeners, the sweep and the outbox all call Slack through one `WorkspaceClient`. Which
workspace a call is for is bound around the work: the app binds the request's workspace
around its whole dispatch (and a middleware hands it the token Bolt's authorize found),
the sweep binds each reminder's workspace before a kind fires for it. Listener work
submitted to the executor keeps its binding (the executor copies the caller's context). A
call made with nothing bound is a bug, and fails loudly (`NoWorkspace`) instead of going
out with some workspace's token.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.oauth.token_rotation import TokenRotator
from slack_sdk.web import SlackResponse

from bot.runtime.installations import InstallationStore

log = logging.getLogger(__name__)

# Refresh a rotating token this long before it expires (Slack's tokens last 12 hours).
ROTATE_BEFORE_MINUTES = 120


class NoWorkspace(RuntimeError):
    """A Slack call with no workspace bound, or for a workspace carebot is not installed in."""


@dataclass
class _Binding:
    team_id: str | None
    token: str | None  # None: looked up (and refreshed if it is expiring) on first use


_bound: ContextVar[_Binding | None] = ContextVar("carebot_workspace", default=None)


class Tokens:
    """The bot token of each installed workspace, refreshed before it expires."""

    def __init__(self, store: InstallationStore, rotator: TokenRotator | None) -> None:
        self.store, self.rotator = store, rotator
        self._lock = threading.Lock()  # one refresh at a time in this process

    def of(self, team_id: str) -> str:
        """The workspace's bot token, refreshed first if it expires within two hours."""
        bot = self.store.bot_of_team(team_id)
        if bot is None or not bot.bot_token:
            raise NoWorkspace(f"carebot is not installed in workspace {team_id}")
        if self.rotator is None or bot.bot_refresh_token is None:
            return bot.bot_token
        with self._lock:
            bot = self.store.bot_of_team(team_id) or bot  # another thread may have refreshed it
            try:
                refreshed = self.rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=ROTATE_BEFORE_MINUTES
                )
            except SlackClientError as error:
                # The old token works until it expires: use it, and refresh on the next call.
                log.warning("could not refresh the bot token of workspace %s: %s", team_id, error)
                return bot.bot_token or ""
            if refreshed is None:
                return bot.bot_token or ""
            self.store.save_bot(refreshed)
            log.info("refreshed the bot token of workspace %s", team_id)
            return refreshed.bot_token or ""


class WorkspaceClient(WebClient):
    """A WebClient whose token is the bound workspace's: the request's, or the record's."""

    def __init__(self, tokens: Tokens, **kwargs: Any) -> None:
        super().__init__(token=None, **kwargs)
        self.tokens = tokens

    @property
    def token(self) -> str | None:
        binding = _bound.get()
        if binding is None:
            return None
        if binding.token is None and binding.team_id is not None:
            binding.token = self.tokens.of(binding.team_id)
        return binding.token

    @token.setter
    def token(self, value: str | None) -> None:
        if value:
            raise ValueError("a WorkspaceClient takes its token from the bound workspace")

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        explicit = kwargs.get("auth") or any(
            isinstance(part, dict) and "token" in part
            for part in (kwargs.get("params"), kwargs.get("data"), kwargs.get("json"))
        )
        if not explicit and self.token is None:
            raise NoWorkspace(f"{api_method} was called with no workspace bound")
        return super().api_call(api_method, **kwargs)


@contextmanager
def bound(team_id: str | None, token: str | None = None) -> Iterator[None]:
    """Calls made inside (and in work submitted from inside) go with this workspace's token."""
    reset = _bound.set(_Binding(team_id, token))
    try:
        yield
    finally:
        _bound.reset(reset)


def bind_request(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
    """Bolt middleware, after Bolt's authorize: the request's workspace, bound around the
    whole dispatch (Bolt runs middleware one after another, not nested), takes the token
    authorize found for it, so the listener's calls need no second lookup."""
    binding = _bound.get()
    if binding is not None and binding.team_id == context.team_id and context.bot_token:
        binding.token = context.bot_token
    return next()
