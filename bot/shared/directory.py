"""Who people are: Slack's users.info, cached in the database so each command costs no API call."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.shared.departures import Departures
from bot.shared.rules.clock import Clock
from bot.shared.rules.people import Person, UnknownPerson, zone_or
from storage import Database, people

if TYPE_CHECKING:
    from slack_sdk import WebClient


log = logging.getLogger(__name__)

# Time zones change rarely; a day-old answer is fine, and Slack's tier-4 limit stays far away.
MAX_AGE = timedelta(hours=24)


class Directory:
    def __init__(
        self, db: Database, slack: WebClient, clock: Clock, default_zone: ZoneInfo
    ) -> None:
        self.db, self.slack, self.clock, self.default_zone = db, slack, clock, default_zone
        # Whether someone refused a DM has really left: never from the day-old cache above.
        self.departures = Departures(slack)

    def person(self, team_id: str, user_id: str) -> Person:
        """The person, from the cache or from users.info; UnknownPerson if Slack has none."""
        now = self.clock.now()
        with self.db.session(read_only=True) as session:
            row = people.get(session, team_id, user_id, MAX_AGE, now)
            if row is not None:
                return Person(
                    row.user_id,
                    row.name,
                    row.real_name,
                    zone_or(row.timezone, self.default_zone),
                    row.is_bot,
                    row.deleted,
                )
        try:
            user = self.slack.users_info(user=user_id)["user"]
        except SlackApiError as error:
            if error.response.get("error") == "user_not_found":
                raise UnknownPerson(user_id) from None
            raise
        profile = user.get("profile") or {}
        person = Person(
            user_id=user_id,
            name=profile.get("display_name") or user.get("name") or user_id,
            real_name=user.get("real_name") or profile.get("real_name") or "",
            timezone=zone_or(user.get("tz"), self.default_zone),
            is_bot=bool(user.get("is_bot")),
            deleted=bool(user.get("deleted")),
        )
        with self.db.session() as session:
            people.upsert(
                session,
                team_id,
                user_id,
                name=person.name,
                real_name=person.real_name,
                timezone=user.get("tz"),
                is_bot=person.is_bot,
                deleted=person.deleted,
                now=now,
            )
        return person

    def timezone(self, team_id: str, user_id: str) -> ZoneInfo:
        """The person's own zone; the clinic's when Slack cannot say."""
        try:
            return self.person(team_id, user_id).timezone
        except (UnknownPerson, SlackApiError) as error:
            log.warning("no time zone for a user, using the clinic's: %s", type(error).__name__)
            return self.default_zone


# A user group Slack says is gone (deleted or disabled) has nobody in it, for good.
GROUP_GONE = frozenset({"no_such_subteam"})


def group_members(slack: WebClient, group_id: str, *, strict: bool = False) -> frozenset[str]:
    """Who is in a Slack user group now; empty when Slack can't say.

    `strict`: only a group Slack says is gone is empty; any other failure raises, so a
    caller that acts on an empty role (an escalation) tries again instead.
    """
    try:
        answer = slack.usergroups_users_list(usergroup=group_id)
    except SlackApiError as error:
        code = error.response.get("error")
        log.info("could not read a user group's members: %s", code)
        if strict and code not in GROUP_GONE:
            raise
        return frozenset()
    return frozenset(answer.get("users") or ())
