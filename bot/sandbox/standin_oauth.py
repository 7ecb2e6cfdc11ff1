"""Slack's OAuth v2 install flow on the stand-in: the authorize page, oauth.v2.access,
token rotation, and uninstalling.

`GET /oauth/v2/authorize` is the admin clicking Allow on Slack's page: a one-time code
(good for ten minutes) goes back to the app's redirect URL with its `state`, or
`error=access_denied` when they click Cancel. `oauth.v2.access`, called with the app's
client id and secret instead of a token, exchanges the code (or, with token rotation, a
refresh token) for a bot token that then works like any other of that workspace.
"""

from __future__ import annotations

import secrets
import string
from urllib.parse import parse_qs, urlencode, urlsplit

from bot.sandbox.standin_records import Result, api_error
from bot.sandbox.standin_state import StandInState
from bot.sandbox.standin_tokens import (
    AuthCode,
    Consent,
    Grant,
    OAuthExchange,
    Refresh,
    joined,
    scope_list,
)

OAUTH_ACCESS = "oauth.v2.access"
AUTHORIZE_PATH = "/oauth/v2/authorize"
SCOPE_EXAMPLE = "scope=chat:write,commands"


class Refused(Exception):
    """The authorize page's complaint: the app's request was wrong, no code is issued."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class OAuthMethods(StandInState):
    """Installs by OAuth, the tokens they hand out, and removing the app again."""

    @property
    def authorize_url(self) -> str:
        """Where the app sends an admin to install it (Bolt's `authorization_url`)."""
        return f"{self.base_url}{AUTHORIZE_PATH}"

    # -- what tests do -----------------------------------------------------------------

    def token_of(self, team_id: str) -> str:
        """The newest bot token of a workspace (or org) that still works."""
        with self._lock:
            live = self._tokens.live(team_id, self.monotonic())
        if not live:
            raise LookupError(f"{team_id} has no working bot token: never installed, or removed")
        return live[0].token

    def uninstall(self, team_id: str) -> list[str]:
        """Remove the app from a workspace (or org): all its tokens are revoked at once, so
        calls with them answer `account_inactive` and its refresh tokens stop working.
        Returns the access tokens revoked; `SlackDriver.uninstall_app` also sends the events."""
        with self._lock:
            if team_id not in self._spaces and team_id not in self.orgs:
                raise LookupError(f"no workspace or org {team_id!r} to remove the app from")
            return self._tokens.revoke(team_id)

    def api_auth_revoke(self, params: Result) -> Result:
        """The calling token stops working at once (a bot token's refresh token with it)."""
        grant = self._caller()
        if grant is None:  # not a bot token: refused before it got here
            return {"ok": False, "error": "invalid_auth"}
        grant.revoked = True
        for held in self._tokens.refreshes.values():
            if held.grant.token == grant.token:
                held.spent = True
        return {"ok": True, "revoked": True}

    # -- the authorize page --------------------------------------------------------------

    def handle_authorize(self, query: str) -> tuple[int, str, dict[str, str]]:
        """An admin on the authorize page, clicking Allow: (status, page, headers).

        Slack's parameters: client_id, scope, state, redirect_uri (else the app's first
        redirect URL). The stand-in's own: `team=T…` picks the workspace (else the first),
        `enterprise=E…` installs org-wide, `user=U…` is the installer, `deny=1` clicks Cancel.
        """
        asked = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        with self._lock:
            try:
                location = self._consent(asked)
            except Refused as refused:
                self.oauth_consents.append(Consent(refused.reason))
                return 400, f"{refused.reason}: {refused.detail}", {}
        return 302, "", {"Location": location}

    def _consent(self, asked: dict[str, str]) -> str:
        """Where the browser goes next: the redirect URL with a code, or with the denial."""
        app = self.oauth
        if app is None:
            raise Refused("no_oauth_app", "start the stand-in with oauth=OAuthApp(...)")
        if asked.get("client_id") != app.client_id:
            wrong = asked.get("client_id", "")
            raise Refused("invalid_client_id", f"{wrong!r} is not {app.client_id!r}")
        redirect = asked.get("redirect_uri") or next(iter(app.redirect_urls), "")
        if urlsplit(redirect).scheme not in ("http", "https"):
            raise Refused("bad_redirect_uri", f"no http(s) redirect_uri: {redirect!r}")
        if not app.allows_redirect(redirect):
            raise Refused("bad_redirect_uri", f"{redirect} is not under {app.redirect_urls}")
        requested = scope_list(asked.get("scope", ""))
        unknown = sorted(requested - self.manifest.scopes)
        if not requested or unknown:
            named = ", ".join(unknown) or "none asked for"
            raise Refused("invalid_scope", f"{named}; ask for app.yaml's, {SCOPE_EXAMPLE}")
        if asked.get("user_scope"):
            raise Refused("invalid_scope", "user scopes are not modelled; leave user_scope=")
        state = asked.get("state", "")
        if asked.get("deny") not in (None, "", "0"):
            self.oauth_consents.append(Consent("denied", asked.get("team"), None, requested))
            return _with_query(redirect, error="access_denied", state=state)
        team_id, enterprise_id, installer = self._installing(asked)
        code = ".".join((_digits(10), _digits(13), secrets.token_hex(32)))
        self._codes[code] = AuthCode(
            code, team_id, enterprise_id, requested, redirect, installer, self.monotonic()
        )
        self.oauth_consents.append(Consent("allowed", team_id, enterprise_id, requested, code))
        return _with_query(redirect, code=code, state=state)

    def _installing(self, asked: dict[str, str]) -> tuple[str | None, str | None, str]:
        """Where the app goes (a workspace, or an org) and who installs it."""
        enterprise = asked.get("enterprise")
        if enterprise:
            org = self.orgs.get(enterprise)
            if org is None:
                known = ", ".join(self.orgs) or "none"
                raise Refused("unknown_enterprise", f"{enterprise!r}; known: {known}")
            return None, org.id, asked.get("user") or org.installer
        team_id = asked.get("team") or self._primary
        space = self._spaces.get(team_id)
        if space is None:
            known = ", ".join(self._spaces)
            raise Refused("unknown_team", f"{team_id!r}; the stand-in has {known}")
        installer = asked.get("user") or space.installer.id
        person = space.users.get(installer)
        if person is None or person.deleted or person.is_bot:
            raise Refused("unknown_user", f"{installer!r} cannot install the app in {team_id}")
        return team_id, None, installer

    # -- oauth.v2.access -------------------------------------------------------------------

    def api_oauth_v2_access(self, params: Result) -> Result:
        """Exchange a code, or with rotation a refresh token, for a bot token. The client
        id and secret come as HTTP basic auth or form fields, instead of a token."""
        grant_type = str(params.get("grant_type") or "authorization_code")
        answer = self._exchange(grant_type, params)
        self.oauth_exchanges.append(
            OAuthExchange(
                grant_type,
                error=None if answer["ok"] else str(answer["error"]),
                owner=_owner(answer),
                access_token=answer.get("access_token"),
                refresh_token=answer.get("refresh_token"),
            )
        )
        return answer

    def _exchange(self, grant_type: str, params: Result) -> Result:
        app = self.oauth
        if app is None or params.get("client_id") != app.client_id:
            return api_error("invalid_client_id")
        if params.get("client_secret") != app.client_secret:
            return api_error("bad_client_secret")
        now = self.monotonic()
        if grant_type == "refresh_token":
            token = str(params.get("refresh_token") or "")
            refreshed = self._tokens.refresh(token, ttl=app.token_ttl_s, now=now)
            if refreshed is None:
                return api_error("invalid_refresh_token")
            grant, rotated = refreshed
            return self._installed(grant, rotated, grant.installer, now)
        if grant_type != "authorization_code":
            return api_error("invalid_grant_type")
        code = self._codes.get(str(params.get("code") or ""))
        if code is None or code.used or now - code.issued_at > app.code_ttl_s:
            return api_error("invalid_code")
        redirect = params.get("redirect_uri")
        if redirect and redirect != code.redirect_uri:
            return api_error("bad_redirect_uri")
        code.used = True
        ttl = app.token_ttl_s if app.rotation else None
        grant, refresh = self._tokens.install(code, ttl=ttl, now=now)
        return self._installed(grant, refresh, code.installer, now)

    def _installed(
        self, grant: Grant, refresh: Refresh | None, installer: str, now: float
    ) -> Result:
        """oauth.v2.access's answer for a bot token, as Slack shapes it."""
        shown: Result = {
            "ok": True,
            "app_id": self._spaces[self._primary].app_id,
            "authed_user": {"id": installer},
            "scope": joined(grant.scopes if grant.scopes is not None else self.granted),
            "token_type": "bot",
            "access_token": grant.token,
        }
        if grant.team_id is not None:
            space = self._spaces[grant.team_id]
            shown["bot_user_id"] = space.bot_user_id
            shown["team"] = {"id": space.team.id, "name": space.team.name}
            shown["enterprise"] = None
            shown["is_enterprise_install"] = False
        else:
            org = self.orgs[grant.enterprise_id or ""]
            shown["bot_user_id"] = org.bot_user_id
            shown["team"] = None
            shown["enterprise"] = {"id": org.id, "name": org.name}
            shown["is_enterprise_install"] = True
        if refresh is not None and grant.expires_at is not None:
            shown["refresh_token"] = refresh.token
            shown["expires_in"] = round(grant.expires_at - now)
        return shown


def _with_query(url: str, **params: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _digits(n: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(n))


def _owner(answer: Result) -> str | None:
    place = answer.get("team") or answer.get("enterprise")
    return str(place["id"]) if isinstance(place, dict) else None
