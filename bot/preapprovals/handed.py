"""Telling someone a pre-approval is now theirs: an outbox row written with the change that
made them its owner (opened for them, assigned to them), sent at once by the listener and
retried by the sweep, once, and not at all if it changed hands again or was resolved."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.preapprovals.rules.preapproval import OPEN, Status
from bot.shared.commands import Reply
from bot.shared.departures import refused_dm
from bot.shared.messages import slack_code
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.reminders import DueReminder, EachTeam, Outcome
from storage import reminders
from storage.preapprovals import queries as preapprovals

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.shared.messages import OnceSender

log = logging.getLogger(__name__)

HANDED = "preauth-handed"  # subject: the PA-ref; payload: to, by, how
OPENED, ASSIGNED = "opened", "assigned"


@dataclass(frozen=True)
class Handed:
    """Who was made the owner of which request, by whom and how (OPENED or ASSIGNED)."""

    ref: str
    to: str
    by: str
    how: str


def tell_new_owner(
    session: Session, team_id: str, ref: str, to: str, by: str, how: str, now: datetime
) -> None:
    """In the session of the change: the new owner will hear, unless they made it themselves."""
    if to != by:
        payload = {"to": to, "by": by, "how": how}
        reminders.schedule(session, team_id, HANDED, ref, now, payload, now=now)


class TellNewOwner(RecordsUseCase, EachTeam):
    """The `preauth-handed` kind: one DM to the new owner."""

    name = HANDED

    def __init__(
        self, records: Records, *, once: OnceSender, render: Callable[[Handed], Reply]
    ) -> None:
        super().__init__(records)
        self.once, self.render = once, render

    def fire_team(self, team: str, due: list[DueReminder], now: datetime) -> list[Outcome]:
        with self.db.session(read_only=True) as session:
            rows = preapprovals.by_refs(session, team, [r.subject_ref for r in due])
            still = {ref: row.owner_id for ref, row in rows.items() if Status(row.status) in OPEN}
        return [self._one(r, still, now) for r in due]

    def _one(self, reminder: DueReminder, owners: dict[str, str], now: datetime) -> Outcome:
        told = Handed(
            reminder.subject_ref,
            str(reminder.payload.get("to") or ""),
            str(reminder.payload.get("by") or ""),
            str(reminder.payload.get("how") or ASSIGNED),
        )
        if not told.to or owners.get(told.ref) != told.to:
            return Outcome(reminder.id)  # resolved, gone or handed on since: nothing to say
        reply = self.render(told)
        try:
            self.once.post(
                reminder.key,
                channel=told.to,
                text=reply.text,
                blocks=reply.blocks,
                look_since=reminder.maybe_sent_since,
            )
        except SlackApiError as error:
            code = slack_code(error)
            log.warning("%s %d not sent: %s", self.name, reminder.id, code)
            # One who left is given up on here: their rounds hand their work on.
            return refused_dm(self.people.departures, reminder, told.to, code, now)
        return Outcome(reminder.id, sent=1)
