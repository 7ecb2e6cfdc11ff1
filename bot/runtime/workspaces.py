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
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.token_rotation import TokenRotator
from slack_sdk.web import SlackResponse

from bot.runtime.installations import InstallationStore
from bot.runtime.turns import PacedClient
from storage import Database
from storage.sql import advisory_lock

log = logging.getLogger(__name__)

# Refresh a rotating token this long before it expires (Slack's tokens last 12 hours).
ROTATE_BEFORE_MINUTES = 120


# Slack's answers for a token that no longer works at all (not one merely expired).
TOKEN_GONE = frozenset({"account_inactive", "token_revoked", "invalid_auth"})
# Told when Slack refused a workspace's token: (team, token).
Refused = Callable[[str, str], None]


class NoWorkspace(RuntimeError):
    """A Slack call with no workspace bound, or for a workspace carebot is not installed in."""


@dataclass
class _Binding:
    team_id: str | None
    token: str | None  # None: looked up (and refreshed if it is expiring) on first use


_bound: ContextVar[_Binding | None] = ContextVar("carebot_workspace", default=None)


class Tokens:
    """The bot token of each installed workspace, refreshed before it expires.

    The one refresh path, for requests (through `WorkspaceAuthorize`) and the sweep alike.
    Slack's refresh tokens are single-use, so refreshes of one workspace take turns: a
    lock per workspace in this process and, on PostgreSQL, an advisory lock across
    replicas; whoever waited reads the token its predecessor saved.
    """

    def __init__(self, db: Database, store: InstallationStore, rotator: TokenRotator | None):
        self.db, self.store, self.rotator = db, store, rotator
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def of(self, team_id: str) -> str:
        """The workspace's bot token, refreshed first if it expires within two hours."""
        bot = self._bot(team_id)
        if self.rotator is None or not _expiring(bot):
            return str(bot.bot_token)
        with self._lock_of(team_id), self._across_replicas(team_id):
            bot = self._bot(team_id)  # another thread or replica may have refreshed it
            if not _expiring(bot):
                return str(bot.bot_token)
            try:
                refreshed = self.rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=ROTATE_BEFORE_MINUTES
                )
            except SlackClientError as error:
                # The old token works until it expires: use it, and refresh on the next call.
                log.warning("could not refresh the bot token of workspace %s: %s", team_id, error)
                return str(bot.bot_token)
            if refreshed is None:
                return str(bot.bot_token)
            self.store.save_bot(refreshed)
            log.info("refreshed the bot token of workspace %s", team_id)
            return str(refreshed.bot_token)

    def _bot(self, team_id: str) -> Bot:
        bot = self.store.bot_of_team(team_id)
        if bot is None or not bot.bot_token:
            raise NoWorkspace(f"carebot is not installed in workspace {team_id}")
        return bot

    def _lock_of(self, team_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(team_id, threading.Lock())

    @contextmanager
    def _across_replicas(self, team_id: str) -> Iterator[None]:
        """PostgreSQL: hold an advisory lock while refreshing. SQLite is one process (and a
        write session there would lock out the store's own save)."""
        if self.db.dialect != "postgresql":
            yield
            return
        with self.db.session() as session:
            advisory_lock(session, f"{team_id}:bot-token-refresh")
            yield


def _expiring(bot: Bot) -> bool:
    expires = bot.bot_token_expires_at
    return (
        bot.bot_refresh_token is not None
        and expires is not None
        and expires <= time.time() + ROTATE_BEFORE_MINUTES * 60
    )


class WorkspaceAuthorize(Authorize):
    """Bolt's authorize for many workspaces: the token from `Tokens` (so requests and the
    sweep refresh through one path), auth.test asked once per token. A database or key
    failure is raised to carebot's error handler, not taken for "not installed"."""

    def __init__(self, tokens: Tokens, client: WebClient) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.tokens, self.client = tokens, client
        self._known: dict[str, tuple[str, AuthorizeResult]] = {}  # team: (token, result)
        self._guard = threading.Lock()

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        if not team_id:  # an org-wide install: carebot takes none
            return None
        try:
            token = self.tokens.of(team_id)
        except NoWorkspace:
            return None
        with self._guard:
            known = self._known.get(team_id)
        if known is not None and known[0] == token:
            return known[1]
        answer = self.client.auth_test(token=token)
        result = AuthorizeResult.from_auth_test_response(
            auth_test_response=answer, bot_token=token, user_token=None
        )
        with self._guard:
            self._known[team_id] = (token, result)
        return result

    def forget(self, team_id: str) -> None:
        """Ask auth.test again next time (the token was refused)."""
        with self._guard:
            self._known.pop(team_id, None)


class WorkspaceClient(PacedClient):
    """A WebClient whose token is the bound workspace's: the request's, or the record's."""

    def __init__(self, tokens: Tokens, *, on_refused: Refused | None = None, **kwargs: Any):
        super().__init__(token=None, **kwargs)
        self.tokens, self.on_refused = tokens, on_refused

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
        token = None if explicit else self.token
        if not explicit and token is None:
            raise NoWorkspace(f"{api_method} was called with no workspace bound")
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            binding = _bound.get()
            refused = error.response.get("error") in TOKEN_GONE
            if refused and token and binding and binding.team_id and self.on_refused:
                self.on_refused(binding.team_id, token)  # uninstalled without a word?
            raise


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
