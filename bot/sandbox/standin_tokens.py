"""Who a bot token belongs to: the stand-in's token book, and what OAuth records.

Every bot token is a `Grant` of one workspace (or, for an org-wide install, of one
Enterprise Grid org). Seeded tokens never expire; with token rotation an OAuth install
hands out an expiring `xoxe.xoxb-1-…` access token and a single-use `xoxe-1-…` refresh
token, as Slack does. Plain records and rules: the stand-in's locking and clock are the
caller's.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

DEFAULT_TOKEN_TTL = 12 * 60 * 60  # a rotating access token lives 12 hours
CODE_TTL = 10 * 60  # an authorization code is good for ten minutes


@dataclass(frozen=True)
class OAuthApp:
    """The app's OAuth credentials and settings, as on its Slack configuration page."""

    client_id: str = "1000000000.2000000001"
    client_secret: str = "sandbox-client-secret"  # noqa: S105 - a fake secret for a fake Slack
    rotation: bool = False
    token_ttl_s: float = DEFAULT_TOKEN_TTL
    redirect_urls: tuple[str, ...] = ()  # empty: any redirect_uri the app asks for
    code_ttl_s: float = CODE_TTL

    def allows_redirect(self, uri: str) -> bool:
        """Whether `uri` is a configured redirect URL or lies under one, as Slack requires."""
        if not self.redirect_urls:
            return True
        return any(uri == u or uri.startswith(u.rstrip("/") + "/") for u in self.redirect_urls)


@dataclass
class Grant:
    """One bot access token: whose it is, what it may do, and until when."""

    token: str
    team_id: str | None  # None for an org-wide install
    enterprise_id: str | None = None
    scopes: frozenset[str] | None = None  # None: the app's granted scopes (a seeded token)
    installer: str = ""
    expires_at: float | None = None  # on the stand-in's monotonic clock; None: never
    revoked: bool = False

    @property
    def owner(self) -> str:
        """The workspace or org the token acts for."""
        return self.team_id or self.enterprise_id or ""

    def refusal(self, now: float) -> str | None:
        """Slack's error for a bot token that no longer works, else None."""
        if self.revoked:
            return "account_inactive"  # Slack's answer to a removed app's bot token
        if self.expires_at is not None and now >= self.expires_at:
            return "token_expired"
        return None


@dataclass
class Refresh:
    """A rotating install's refresh token: good for one refresh."""

    token: str
    grant: Grant  # the access token it came with: same owner, scopes and installer
    spent: bool = False  # used once, or revoked with its workspace


@dataclass
class AuthCode:
    """The code the authorize page hands the app's redirect URL."""

    code: str
    team_id: str | None
    enterprise_id: str | None
    scopes: frozenset[str]
    redirect_uri: str
    installer: str
    issued_at: float
    used: bool = False


@dataclass(frozen=True)
class Consent:
    """One visit to the authorize page: allowed (a code), denied, or refused and why."""

    outcome: str  # "allowed", "denied", or the reason the page refused
    team_id: str | None = None
    enterprise_id: str | None = None
    scopes: frozenset[str] = frozenset()
    code: str | None = None


@dataclass(frozen=True)
class OAuthExchange:
    """One oauth.v2.access call: a code or a refresh token, and what came of it."""

    grant_type: str  # authorization_code or refresh_token
    error: str | None = None
    owner: str | None = None  # the workspace (or org) the token was issued for
    access_token: str | None = None
    refresh_token: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class CrossWorkspaceCall:
    """A call with one workspace's token naming another workspace's channel, user or view."""

    method: str
    token_team: str
    named_team: str
    ref: str


@dataclass
class TokenBook:
    """Every bot token the stand-in has issued, newest last."""

    grants: dict[str, Grant] = field(default_factory=dict)
    refreshes: dict[str, Refresh] = field(default_factory=dict)

    def seed(self, token: str, team_id: str) -> Grant:
        """A workspace's pre-installed bot token (the one `SLACK_BOT_TOKEN` holds)."""
        grant = Grant(token, team_id)
        self.grants[token] = grant
        return grant

    def find(self, token: str | None) -> Grant | None:
        return self.grants.get(token) if token else None

    def live(self, owner: str, now: float) -> list[Grant]:
        """The owner's tokens that still work, newest first."""
        found = [g for g in self.grants.values() if g.owner == owner and g.refusal(now) is None]
        return found[::-1]

    def install(
        self, code: AuthCode, *, ttl: float | None, now: float
    ) -> tuple[Grant, Refresh | None]:
        """The token an exchanged code yields. Without rotation a reinstall keeps the
        workspace's live bot token (its scopes grow); with rotation each install gets a
        new expiring token and a refresh token."""
        owner = code.team_id or code.enterprise_id or ""
        if ttl is None:
            kept = [g for g in self.live(owner, now) if g.expires_at is None]
            if kept:
                grant = kept[0]
                if grant.scopes is not None:
                    grant.scopes = grant.scopes | code.scopes
                return grant, None
        fresh = Grant(
            _rotating_token() if ttl is not None else _bot_token(),
            code.team_id,
            code.enterprise_id,
            code.scopes,
            code.installer,
            None if ttl is None else now + ttl,
        )
        return self._add(fresh, rotating=ttl is not None)

    def refresh(self, token: str, *, ttl: float, now: float) -> tuple[Grant, Refresh] | None:
        """A new access token and a new refresh token; the used refresh token is spent.
        The old access token keeps working until it expires. None: not a live refresh token."""
        found = self.refreshes.get(token)
        if found is None or found.spent:
            return None
        found.spent = True
        fresh = replace(found.grant, token=_rotating_token(), expires_at=now + ttl)
        grant, rotated = self._add(fresh, rotating=True)
        assert rotated is not None
        return grant, rotated

    def revoke(self, owner: str) -> list[str]:
        """Revoke every token of a workspace (or org); the access tokens revoked."""
        revoked = [g for g in self.grants.values() if g.owner == owner and not g.revoked]
        for grant in revoked:
            grant.revoked = True
        for held in self.refreshes.values():
            if held.grant.owner == owner:
                held.spent = True
        return [g.token for g in revoked]

    def _add(self, grant: Grant, *, rotating: bool) -> tuple[Grant, Refresh | None]:
        self.grants[grant.token] = grant
        if not rotating:
            return grant, None
        held = Refresh(_refresh_token(), grant)
        self.refreshes[held.token] = held
        return grant, held


def scope_list(requested: str) -> frozenset[str]:
    """The scopes in an authorize URL's `scope` (comma- or space-separated)."""
    return frozenset(s for s in requested.replace(" ", ",").split(",") if s)


def joined(scopes: Iterable[str]) -> str:
    """Scopes as oauth.v2.access lists them: comma-separated."""
    return ",".join(sorted(scopes))


def _random(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _bot_token() -> str:
    """A non-rotating bot token: xoxb-<team number>-<bot number>-<secret>."""
    return f"xoxb-{_random(string.digits, 12)}-{_random(string.digits, 13)}-" + _random(
        string.ascii_letters + string.digits, 24
    )


def _rotating_token() -> str:
    """An expiring bot access token, shaped like Slack's rotating ones."""
    return "xoxe.xoxb-1-" + _random(string.ascii_letters + string.digits, 120)


def _refresh_token() -> str:
    """A refresh token, shaped like Slack's."""
    return "xoxe-1-" + _random(string.ascii_letters + string.digits, 120)
