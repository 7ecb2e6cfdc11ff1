"""Installs come and go: a new install lets the workspace's reminders run; an uninstall or a
revoked bot token deletes its tokens and stops them. Records stay until retention removes
them, so an admin who reinstalls finds everything where it was."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth.installation_store import Installation

from bot.runtime.installations import InstallationStore
from bot.runtime.workspaces import TOKEN_GONE
from bot.shared.rules.clock import Clock
from storage import Database, workspaces
from storage.audit import SqlAuditLog

log = logging.getLogger(__name__)

CAREBOT = "carebot"  # the audit trail's actor when Slack, not a person, did it


class Installs:
    """What carebot does when Slack tells it of an install, an uninstall or a revocation."""

    def __init__(
        self,
        db: Database,
        store: InstallationStore,
        wall: Clock,
        *,
        check: WebClient,
        forget: Callable[[str], None],
    ) -> None:
        self.db, self.store, self.wall = db, store, wall
        self.check, self.forget = check, forget  # auth.test with a token; drop a known one

    def installed(self, installation: Installation) -> None:
        """Called once the install is stored: the workspace is carebot's again."""
        team = str(installation.team_id)
        with self.db.session() as session:
            workspaces.mark_installed(session, team, installation.user_id, now=self.wall.now())
            SqlAuditLog(session).record(team, installation.user_id or CAREBOT, "workspace.install")

    def installer(self, team_id: str) -> str | None:
        """Who installed carebot in this workspace: an admin there."""
        with self.db.session(read_only=True) as session:
            return workspaces.installed_by(session, team_id)

    def uninstalled(self, team_id: str, at: float | None = None) -> None:
        """Slack's app_uninstalled: forget the tokens, stop the reminders, keep the records;
        one older than the workspace's latest install (a late retry) changes nothing."""
        bot = self.store.bot_of_team(team_id)
        # event_time is whole seconds: only an install a full second after it is newer.
        if at is not None and bot is not None and bot.installed_at >= at + 1:
            log.info("ignored an uninstall of workspace %s older than its last install", team_id)
            return
        # Reminders stop first: dying before the tokens go leaves dead tokens stored, not a
        # workspace whose reminders keep failing without a token to check.
        with self.db.session() as session:
            if workspaces.mark_uninstalled(session, team_id, now=self.wall.now()):
                SqlAuditLog(session).record(team_id, CAREBOT, "workspace.uninstall")
        gone = self.store.forget_team(team_id)
        log.info("uninstalled from workspace %s: %d token row(s) deleted", team_id, gone)

    def token_refused(self, team_id: str, token: str) -> None:
        """Slack refused the workspace's token: if auth.test says it is gone too (carebot was
        removed and the events never came), the workspace is uninstalled; else nothing."""
        self.forget(team_id)
        bot = self.store.bot_of_team(team_id)
        if bot is None or bot.bot_token != token:
            return  # refreshed or forgotten since
        try:
            self.check.auth_test(token=token)
        except SlackApiError as error:
            if error.response.get("error") in TOKEN_GONE:
                log.warning("workspace %s's token is gone (%s)", team_id, error.response["error"])
                self.uninstalled(team_id)
        except SlackClientError as error:
            log.warning("could not check workspace %s's token: %s", team_id, error)

    def revoked(
        self, team_id: str, bot_users: list[str], user_count: int, at: float | None = None
    ) -> None:
        """Slack's tokens_revoked: a revoked bot token is as good as an uninstall; carebot
        asks for no user tokens, so revoked user tokens change nothing."""
        bot = self.store.bot_of_team(team_id)
        if bot_users and (bot is None or bot.bot_user_id in bot_users):
            self.uninstalled(team_id, at)
        elif user_count:
            log.info(
                "workspace %s revoked %d user token(s); carebot holds none", team_id, user_count
            )
