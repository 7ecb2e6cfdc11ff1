"""Many workspaces: Bolt's OAuth flow at /slack/install and /slack/oauth_redirect, over
carebot's database, with pages that tell the admin what happened and what to do next.

carebot is installed one workspace at a time. An Enterprise Grid org-wide install is
refused: carebot's records, care teams and settings belong to one workspace each, and
an org-wide token would let one workspace's requests reach another's. Its token is
revoked at once and the admin is told to install carebot in each workspace instead.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

from slack_bolt.error import BoltError
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy.exc import SQLAlchemyError

from bot.runtime.installations import InstallationStore, StateStore
from bot.runtime.oauth_config import INSTALL_PATH, REDIRECT_PATH, OAuthConfig, authorize_url
from bot.runtime.workspaces import ROTATE_BEFORE_MINUTES
from bot.shared.rules.failures import describe
from storage.errors import DatabaseBusy, DatabaseUnavailable

log = logging.getLogger(__name__)

ORG_WIDE = (
    "carebot is installed one workspace at a time, and this was an organization-wide "
    "(Enterprise Grid) install: nothing was installed and its token was revoked. Install "
    "carebot in each workspace that needs it instead, from that workspace."
)
# What an admin reads when the install did not finish, by Bolt's reason.
FAILURES = {
    "access_denied": "The install was cancelled in Slack, so nothing was installed.",
    "invalid_browser": "This page was opened in another browser than the one the install "
    "started in (or cookies are blocked), so carebot cannot tell it was you.",
    "invalid_state": "This install link has expired (links last 10 minutes) or was used already.",
    "missing_code": "Slack did not confirm the install.",
    "invalid_code": "Slack did not confirm the install (the code was refused or had expired).",
    "storage_error": "carebot could not save the install: its database did not answer. "
    "Try again in a minute.",
}

Installed = Callable[[Installation], None]


class OrgWideInstall(BoltError):
    """An Enterprise Grid org-wide install, which carebot does not take."""


class NotAllowed(BoltError):
    """A workspace not in CAREBOT_ALLOWED_WORKSPACES."""


class CarebotOAuthFlow(OAuthFlow):
    """Bolt's flow, refusing org-wide installs and telling carebot of each new install."""

    def __init__(
        self,
        *,
        client: WebClient,
        settings: OAuthSettings,
        installed: Installed,
        allowed: frozenset[str] = frozenset(),
    ):
        super().__init__(client=client, settings=settings, logger=log)
        self.installed, self.allowed = installed, allowed

    def store_installation(self, request: BoltRequest, installation: Installation) -> None:
        if installation.is_enterprise_install or not installation.team_id:
            self._revoke(installation)
            log.warning("refused an org-wide install for enterprise %s", installation.enterprise_id)
            raise OrgWideInstall(ORG_WIDE)
        if self.allowed and installation.team_id not in self.allowed:
            self._revoke(installation)
            log.warning("refused an install in workspace %s (not allowed)", installation.team_id)
            raise NotAllowed(not_allowed(installation.team_id))
        try:
            super().store_installation(request, installation)
            self.installed(installation)
        except (SQLAlchemyError, DatabaseBusy, DatabaseUnavailable) as error:
            log.error(
                "could not store the install of workspace %s: %s",
                installation.team_id,
                describe(error),  # its type and frames, not the SQL it carries
            )
            raise BoltError("the install could not be stored") from None
        log.info("installed in workspace %s", installation.team_id)

    def _revoke(self, installation: Installation) -> None:
        if not installation.bot_token:
            return
        try:
            self.client.auth_revoke(token=installation.bot_token)
        except SlackClientError as error:
            log.warning("could not revoke a refused org-wide token: %s", error)


def build_flow(
    config: OAuthConfig,
    *,
    slack_api_url: str,
    scopes: list[str],
    store: InstallationStore,
    states: StateStore,
    client: WebClient,
    installed: Installed,
) -> CarebotOAuthFlow:
    """The OAuth flow for `App(oauth_flow=...)`: bot scopes only, tokens rotated when the app
    has rotation on, pages of carebot's own."""
    settings = OAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=scopes,
        user_scopes=[],
        redirect_uri=config.redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=authorize_url(slack_api_url),
        installation_store=store,
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=ROTATE_BEFORE_MINUTES,
        state_store=states,
        callback_options=CallbackOptions(success=_installed_page, failure=_failed_page),
    )
    return CarebotOAuthFlow(
        client=client, settings=settings, installed=installed, allowed=config.allowed
    )


def not_allowed(team_id: str) -> str:
    return (
        f"carebot here is not open to this workspace ({team_id}), so nothing was installed and "
        "its token was revoked. Ask whoever runs carebot to add this id to "
        "CAREBOT_ALLOWED_WORKSPACES."
    )


def _installed_page(args: SuccessArgs) -> BoltResponse:
    team = html.escape(args.installation.team_name or args.installation.team_id or "Slack")
    return _page(
        args.settings.state_utils.build_set_cookie_for_deletion(),
        200,
        "carebot is installed",
        f"<p>carebot is installed in <b>{team}</b>.</p>"
        "<p>Next, in Slack: invite it to each care-team channel (<code>/invite @carebot</code>), "
        "then an admin runs <code>/carebot settings</code> there and ticks "
        "<i>This is a care-team channel</i>. <code>/carebot help</code> shows the rest.</p>",
    )


def _failed_page(args: FailureArgs) -> BoltResponse:
    if isinstance(args.error, NotAllowed):
        forget = args.settings.state_utils.build_set_cookie_for_deletion()
        return _page(
            forget, 403, "carebot was not installed", f"<p>{html.escape(str(args.error))}</p>"
        )
    if isinstance(args.error, OrgWideInstall):
        forget = args.settings.state_utils.build_set_cookie_for_deletion()
        return _page(forget, 400, "carebot was not installed", f"<p>{html.escape(ORG_WIDE)}</p>")
    said = FAILURES.get(args.reason, "The install did not finish.")
    status = args.suggested_status_code if args.reason in FAILURES else 400
    return _page(
        args.settings.state_utils.build_set_cookie_for_deletion(),
        status,
        "carebot was not installed",
        f'<p>{html.escape(said)}</p><p><a href="{INSTALL_PATH}">Start the install again</a>.</p>',
    )


def _page(cookie: str, status: int, title: str, body: str) -> BoltResponse:
    """A plain page; the install's state cookie is dropped, as Bolt's own pages do."""
    text = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return BoltResponse(
        status=status,
        body=text,
        headers={"Content-Type": "text/html; charset=utf-8", "Set-Cookie": cookie},
    )
