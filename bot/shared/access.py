"""Who may do what: admins (CAREBOT_ADMINS, CAREBOT_ADMIN_GROUP) and care-team members.

Access is decided here, on the operation: every use case that reads or changes a patient's
record takes the acting person (an `Actor`) and asks `Access` before it touches anything,
whichever way it was reached. A refusal is a `Refused` (audited as access.refused), turned
into the reply by handlers.kit.refusals.

Admin group membership is read from Slack on each check, so removing someone from the
group takes effect at once; admin commands are rare enough that this costs little.
Care-team members are the members of registered care-team channels (bot/shared/care_teams.py).
An admin is not a care-team member by being an admin.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.shared.commands import Ask
from bot.shared.rules.refusals import Refused
from storage import SqlAuditLog

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.shared.care_teams import CareTeams
    from bot.shared.rules.clock import Clock
    from storage import Database

log = logging.getLogger(__name__)

_GROUP_ID = re.compile(r"S[A-Z0-9]{2,31}")

HOW_TO_CONFIGURE = (
    "Your IT admin names admins with CAREBOT_ADMINS (Slack user ids, e.g. "
    "`CAREBOT_ADMINS=U012AB3CD,U045EF6GH`) or CAREBOT_ADMIN_GROUP (a user group, e.g. "
    "`CAREBOT_ADMIN_GROUP=@carebot-admins`), then restarts carebot."
)
NOBODY = f"Nobody is a carebot admin yet. {HOW_TO_CONFIGURE}"
HOW_TO_JOIN = (
    "Ask a carebot admin to mark your team's channel as a care-team channel with "
    "`/carebot settings`, or join that channel, then try again."
)


@dataclass(frozen=True)
class Actor:
    """Who is acting and where: the workspace, the user, the channel they acted in (if any)."""

    team_id: str
    user_id: str
    channel_id: str | None = None
    request_id: str | None = None  # the request the logs name, kept with a refusal

    @classmethod
    def of(cls, ask: Ask) -> Actor:
        return cls(ask.team_id, ask.user_id, ask.channel_id or None, ask.request_id or None)


class NotInCareTeam(Refused):
    """Only care-team members may read or change patients' records."""

    def __init__(self, doing: str) -> None:
        super().__init__(
            f"Sorry, only care-team members can {doing}, and you're not in any care-team "
            f"channel. {HOW_TO_JOIN}"
        )


class NotAnAdmin(Refused):
    """Only carebot admins may change settings or read the audit trail."""

    def __init__(self, doing: str, problem: str | None) -> None:
        text = f"Sorry, only carebot admins can {doing}."
        super().__init__(text + (f" {problem}" if problem else " Ask one of them if you need it."))


@dataclass(frozen=True)
class AdminCheck:
    """Whether someone is an admin, and what is wrong with the admin setup if anything."""

    is_admin: bool
    problem: str | None = None  # one sentence for the person asking; None when all is well


class Roles:
    def __init__(
        self,
        slack: WebClient,
        admins: Collection[str],
        admin_group: str | None,
        care_teams: CareTeams | None = None,
        installers: Callable[[str], str | None] | None = None,
    ) -> None:
        self.slack, self.admins, self.admin_group = slack, frozenset(admins), admin_group
        self.care_teams = care_teams
        # Many workspaces: who installed carebot in a workspace is an admin there, so a new
        # workspace's first admin needs no operator (CAREBOT_ADMINS covers every workspace).
        self.installers = installers

    def in_care_team(self, team_id: str, user_id: str) -> bool:
        """True when the user is in at least one registered care-team channel."""
        return self.care_teams is not None and self.care_teams.in_care_team(team_id, user_id)

    # team_id: one install serves one workspace today; callers pass it so that can change.
    def is_admin(self, team_id: str, user_id: str) -> bool:
        return self.check(team_id, user_id).is_admin

    def check(self, team_id: str, user_id: str) -> AdminCheck:
        """Is this user an admin here; a missing group or Slack error comes back as the problem."""
        if user_id in self.admins:
            return AdminCheck(True)
        if self.installers is not None and self.installers(team_id) == user_id:
            return AdminCheck(True)
        if self.admin_group is None:
            return AdminCheck(False, None if self.admins or self.installers else NOBODY)
        members, problem = self.admin_group_members()
        return AdminCheck(user_id in members, problem)

    def admin_group_members(self) -> tuple[frozenset[str], str | None]:
        """Who is in the admin group, and why nobody is when it can't be read."""
        group = self.admin_group
        if group is None:
            return frozenset(), None
        try:
            if _GROUP_ID.fullmatch(group):
                answer = self.slack.usergroups_users_list(usergroup=group)
                return frozenset(answer.get("users") or ()), None
            # A handle: usergroups.list leaves out disabled groups, and brings the members along.
            listed = self.slack.usergroups_list(include_users=True).get("usergroups") or ()
        except SlackApiError as error:
            reason = str(error.response.get("error") or "an error")
            if reason == "no_such_subteam":
                return frozenset(), self._missing()
            log.warning("could not read the admin group from Slack: %s", reason)
            return frozenset(), f"I couldn't read the admin group from Slack just now ({reason})."
        handle = group.removeprefix("@").lower()
        for candidate in listed:
            if str(candidate.get("handle", "")).lower() == handle:
                return frozenset(candidate.get("users") or ()), None
        return frozenset(), self._missing()

    def startup_problem(self) -> str | None:
        """What is wrong with CAREBOT_ADMIN_GROUP, checked once when carebot starts; with many
        workspaces there is no one workspace to look in then, so it is checked on use."""
        if self.installers is not None:
            return None
        return self.admin_group_members()[1]

    def _missing(self) -> str:
        return (
            f"CAREBOT_ADMIN_GROUP {self.admin_group} is not a user group in this workspace, so "
            "nobody in it is an admin: set it to an existing group's handle, "
            "e.g. @carebot-admins, or its id, e.g. S0123ABCD."
        )


class Access:
    """The one place that decides access to records and audits every refusal."""

    def __init__(self, db: Database, clock: Clock, roles: Roles) -> None:
        self.db, self.clock, self.roles = db, clock, roles

    def in_care_team(self, actor: Actor) -> bool:
        return self.roles.in_care_team(actor.team_id, actor.user_id)

    def require_care_team(self, actor: Actor, doing: str, ref: str | None = None) -> None:
        """Go on only for a care-team member; anyone else gets NotInCareTeam, audited."""
        if not self.in_care_team(actor):
            raise self.refused(actor, NotInCareTeam(doing), ref)

    def require_admin(self, actor: Actor, doing: str, ref: str | None = None) -> None:
        """Go on only for a carebot admin; anyone else gets NotAnAdmin, audited."""
        check = self.roles.check(actor.team_id, actor.user_id)
        if not check.is_admin:
            raise self.refused(actor, NotAnAdmin(doing, check.problem), ref)

    def refused(self, actor: Actor, refusal: Refused, ref: str | None = None) -> Refused:
        """Audit a refusal (who, which record, where; no clinical text) and hand it back."""
        with self.db.session() as session:
            SqlAuditLog(session).record(
                actor.team_id,
                actor.user_id,
                "access.refused",
                ref,
                actor.channel_id,
                actor.request_id,
                at=self.clock.now(),
            )
        return refusal
