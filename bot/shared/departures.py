"""Whether someone Slack refused a DM to has really left: one users.info, asked once a sweep.

A refused DM proves little. Slack answers `channel_not_found` for a DM it cannot open just
now and `account_inactive` for a bot token that lost its grant, as well as for people who
left. Work is handed over, or a channel told that someone left, only once users.info says
so: the user is deleted (or a bot, never reachable), or Slack knows no such user. Anything
else (the person is there, or users.info fails too) is "don't know": the send is deferred
to the next round and counted, never taken as a departure.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.shared.rules.reminders import DueReminder, Outcome, unconfirmed

if TYPE_CHECKING:
    from slack_sdk import WebClient

__all__ = ["REFUSALS", "Departures", "Presence", "RefusalUnconfirmed", "refused_dm"]

log = logging.getLogger(__name__)

# What Slack says to a DM when the person may have left: each is checked with users.info.
REFUSALS = frozenset(
    {"channel_not_found", "user_not_found", "account_inactive", "user_disabled", "cannot_dm_bot"}
)


class Presence(Enum):
    GONE = "gone"  # deleted, unknown to Slack, or a bot: no retry will reach them
    HERE = "here"  # still in the workspace: the refusal meant something else
    UNKNOWN = "unknown"  # users.info failed as well: ask again next round


class RefusalUnconfirmed(Exception):
    """A DM was refused, yet the person has not left: the send waits for the next round."""

    def __init__(self, code: str) -> None:
        super().__init__(f"DM refused ({code}) for someone who has not left")
        self.code = code


class Departures:
    """Answers "has this person left?" from users.info, each person once per sweep.

    The answers are kept for one sweep instant (`now`) only: a sweep's kinds and batches
    share them, so a queue of 380 refused items costs one call, and the next sweep asks anew.
    """

    def __init__(self, slack: WebClient) -> None:
        self.slack = slack
        self._lock = threading.Lock()
        self._sweep: datetime | None = None
        self._known: dict[tuple[str, str], Presence] = {}

    def presence(self, team_id: str, user_id: str, now: datetime) -> Presence:
        """GONE only on Slack's word; HERE or UNKNOWN leave the person's work where it is."""
        with self._lock:
            if self._sweep != now:
                self._sweep, self._known = now, {}
            known = self._known.get((team_id, user_id))
        if known is not None:
            return known
        found = self._ask(user_id)
        with self._lock:
            if self._sweep == now:
                self._known[(team_id, user_id)] = found
        return found

    def has_left(self, team_id: str, user_id: str, refusal: str, now: datetime) -> bool:
        """True when a DM was refused with `refusal` and users.info confirms the person left."""
        if refusal not in REFUSALS:
            return False
        found = self.presence(team_id, user_id, now)
        log.info("a DM was refused (%s); users.info says the person is %s", refusal, found.value)
        return found is Presence.GONE

    def _ask(self, user_id: str) -> Presence:
        try:
            user = self.slack.users_info(user=user_id)["user"]
        except SlackApiError as error:
            code = error.response.get("error")
            if code == "user_not_found":
                return Presence.GONE
            status = getattr(error.response, "status_code", None)
            log.warning("users.info failed (%s): not taken as a departure", code or status)
            return Presence.UNKNOWN
        except Exception as error:  # a dropped connection says nothing about the person
            log.warning("users.info failed (%s): not taken as a departure", type(error).__name__)
            return Presence.UNKNOWN
        return Presence.GONE if user.get("deleted") or user.get("is_bot") else Presence.HERE


def refused_dm(
    departures: Departures, reminder: DueReminder, user: str, code: str, now: datetime
) -> Outcome:
    """The outcome of a DM a reminder owes `user` that Slack refused with `code`: given up
    only once Slack confirms they left; else tried again next round, and counted."""
    if code not in REFUSALS:
        return Outcome(reminder.id, error=code[:64])
    if departures.has_left(reminder.team_id, user, code, now):
        return Outcome(reminder.id, error=code[:64], give_up=True)
    return Outcome(reminder.id, error=unconfirmed(code))
