"""Who people are: Slack's users.info, cached in the database so each command costs no API call,
and for a few minutes in this process so most commands cost no query either."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.shared.departures import Departures
from bot.shared.rules.clock import Clock
from bot.shared.rules.people import Person, UnknownPerson, zone_or
from bot.shared.rules.people_match import Known, who
from storage import Database, people

if TYPE_CHECKING:
    from slack_sdk import WebClient


log = logging.getLogger(__name__)

# Time zones change rarely; a day-old answer is fine, and Slack's tier-4 limit stays far away.
MAX_AGE = timedelta(hours=24)
# Who answers to a typed name: the workspace's list, read again after a few minutes.
KNOWN_FOR = 300.0
MAX_PAGES = 50  # 10,000 people
# A person read from the database is kept in the process this long (by the bot's clock, so
# the day-old rule above still holds); the memo is emptied when it holds this many.
MEMO_FOR = timedelta(minutes=5)
MEMO_SIZE = 10_000


class Directory:
    def __init__(
        self, db: Database, slack: WebClient, clock: Clock, default_zone: ZoneInfo
    ) -> None:
        self.db, self.slack, self.clock, self.default_zone = db, slack, clock, default_zone
        # Whether someone refused a DM has really left: never from the day-old cache above.
        self.departures = Departures(slack)
        self._lock = threading.Lock()
        self._known: dict[str, tuple[float, tuple[list[Known], list[Known]]]] = {}
        self._memo: dict[tuple[str, str], tuple[datetime, Person]] = {}

    def person(self, team_id: str, user_id: str) -> Person:
        """The person, from the cache or from users.info; UnknownPerson if Slack has none."""
        now = self.clock.now()
        key = (team_id, user_id)
        kept = self._memo.get(key)
        if kept is not None and timedelta(0) <= now - kept[0] < MEMO_FOR:
            return kept[1]
        with self.db.session(read_only=True) as session:
            row = people.get(session, team_id, user_id, MAX_AGE, now)
            if row is not None:
                found = Person(
                    row.user_id,
                    row.name,
                    row.real_name,
                    zone_or(row.timezone, self.default_zone),
                    row.is_bot,
                    row.deleted,
                )
                self._remember(key, now, found)
                return found
        try:
            user = self.slack.users_info(user=user_id)["user"]
        except SlackApiError as error:
            if error.response.get("error") in ("user_not_found", "user_not_visible"):
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
        self._remember(key, now, person)
        return person

    def _remember(self, key: tuple[str, str], now: datetime, person: Person) -> None:
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = (now, person)

    def named(
        self, team_id: str, typed: str, *, what: str, example: str, groups: bool = False
    ) -> Known:
        """The one person (or, with `groups`, user group) a name typed without a mention
        means; NobodyByThatName, with the closest matches, when it is not one for sure."""
        return who(typed, self._everyone(team_id, groups=groups), what=what, example=example)

    def _everyone(self, team_id: str, *, groups: bool) -> list[Known]:
        """The workspace's current people (and user groups), read once every few minutes."""
        with self._lock:
            cached = self._known.get(team_id)
            if cached is not None and time.monotonic() - cached[0] < KNOWN_FOR:
                found = cached[1]
            else:
                found = (self._people(), self._groups())
                self._known[team_id] = (time.monotonic(), found)
        return [*found[0], *(found[1] if groups else [])]

    def _people(self) -> list[Known]:
        found: list[Known] = []
        cursor = ""
        for _ in range(MAX_PAGES):
            page = self.slack.users_list(limit=200, cursor=cursor or None)
            for user in page.get("members") or []:
                if user.get("deleted") or user.get("is_bot") or user.get("id") == "USLACKBOT":
                    continue
                profile = user.get("profile") or {}
                names = (profile.get("display_name") or "", user.get("real_name") or "")
                found.append(Known(str(user["id"]), str(user.get("name") or ""), names))
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        return found

    def _groups(self) -> list[Known]:
        try:
            answer = self.slack.usergroups_list()
        except SlackApiError as error:  # no groups to offer is no reason to refuse a person
            log.info("could not list user groups: %s", error.response.get("error"))
            return []
        return [
            Known(str(g["id"]), str(g.get("handle") or ""), (str(g.get("name") or ""),))
            for g in answer.get("usergroups") or []
        ]

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
