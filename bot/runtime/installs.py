"""Installs come and go: a new install lets the workspace's reminders run; an uninstall or a
revoked bot token deletes its tokens and stops them. Records stay until retention removes
them, so an admin who reinstalls finds everything where it was."""

from __future__ import annotations

import logging

from slack_sdk.oauth.installation_store import Installation

from bot.runtime.installations import InstallationStore
from bot.shared.rules.clock import Clock
from storage import Database, workspaces
from storage.audit import SqlAuditLog

log = logging.getLogger(__name__)

CAREBOT = "carebot"  # the audit trail's actor when Slack, not a person, did it


class Installs:
    """What carebot does when Slack tells it of an install, an uninstall or a revocation."""

    def __init__(self, db: Database, store: InstallationStore, wall: Clock) -> None:
        self.db, self.store, self.wall = db, store, wall

    def installed(self, installation: Installation) -> None:
        """Called once the install is stored: the workspace is carebot's again."""
        team = str(installation.team_id)
        with self.db.session() as session:
            workspaces.mark_installed(session, team, now=self.wall.now())
            SqlAuditLog(session).record(team, installation.user_id or CAREBOT, "workspace.install")

    def uninstalled(self, team_id: str) -> None:
        """Slack's app_uninstalled: forget the tokens, stop the reminders, keep the records."""
        gone = self.store.forget_team(team_id)
        with self.db.session() as session:
            if workspaces.mark_uninstalled(session, team_id, now=self.wall.now()):
                SqlAuditLog(session).record(team_id, CAREBOT, "workspace.uninstall")
        log.info("uninstalled from workspace %s: %d token row(s) deleted", team_id, gone)

    def revoked(self, team_id: str, bot_users: list[str], user_count: int) -> None:
        """Slack's tokens_revoked: a revoked bot token is as good as an uninstall; carebot
        asks for no user tokens, so revoked user tokens change nothing."""
        bot = self.store.bot_of_team(team_id)
        if bot_users and (bot is None or bot.bot_user_id in bot_users):
            self.uninstalled(team_id)
        elif user_count:
            log.info(
                "workspace %s revoked %d user token(s); carebot holds none", team_id, user_count
            )
