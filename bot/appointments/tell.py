"""Telling a visit's clinician that it changed: moved (from -> to), cancelled, a no-show,
checked in. An outbox row written with the change, sent at once and retried by the sweep:
their earlier copy is redrawn in place, then a DM says what changed and who changed it
(none when they changed it themselves)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.appointments.announce import RenderCard
from bot.appointments.changes import Appointment, appointment_of
from bot.appointments.outbox import CHANGE
from bot.shared.commands import Reply
from bot.shared.departures import refused_dm
from bot.shared.messages import slack_code
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.failures import describe
from bot.shared.rules.reminders import DueReminder, Outcome
from storage.appointments import queries as appointments

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.shared.messages import OnceSender

log = logging.getLogger(__name__)

# A copy that is gone (deleted, or the DM closed) is left be: the DM says what changed.
COPY_GONE = frozenset({"message_not_found", "cant_update_message", "channel_not_found"})


@dataclass(frozen=True)
class Change:
    """What a clinician is told: the visit as it is now, what happened to it and who did it."""

    visit: Appointment
    what: str  # an Action value: move, cancel, noshow, checkin
    by: str
    was: datetime | None  # a move's earlier start
    zone: ZoneInfo  # the clinician's


class TellClinician(RecordsUseCase):
    """The `appt-change` kind: redraw the clinician's copy, then DM them what changed."""

    name = CHANGE

    def __init__(
        self,
        records: Records,
        *,
        slack: WebClient,
        once: OnceSender,
        card: RenderCard,
        render: Callable[[Change], Reply],
    ) -> None:
        super().__init__(records)
        self.slack, self.once, self.card, self.render = slack, once, card, render

    def fire(self, due: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        outcomes = []
        for reminder in due:
            try:
                outcomes.append(self._one(reminder, now))
            except SlackApiError as error:
                code = slack_code(error)
                log.warning("%s %d not sent: %s", self.name, reminder.id, code)
                outcomes.append(Outcome(reminder.id, error=code[:64]))
            except Exception as error:  # one broken row must not resend the batch's others
                log.error("%s %d failed: %s", self.name, reminder.id, describe(error))
                outcomes.append(Outcome(reminder.id, error="kind_failed"))
        return outcomes

    def _one(self, reminder: DueReminder, now: datetime) -> Outcome:
        team = reminder.team_id
        with self.db.session(read_only=True) as session:
            row = appointments.get_by_ref(session, team, reminder.subject_ref)
            if row is None or not row.clinician_id:
                return Outcome(reminder.id)
            here = self.in_force.in_session(session, team, [row.channel_id or ""])
            shown = here[row.channel_id or ""]
            visit = appointment_of(row, shown.patient_display)
        clinician = visit.clinician or ""
        self._redraw_copy(visit, shown.timezone)
        by = str(reminder.payload.get("by") or "")
        if by == clinician:
            return Outcome(reminder.id)  # they changed it themselves: their copy says so
        was = reminder.payload.get("from")
        change = Change(
            visit=visit,
            what=str(reminder.payload.get("what") or ""),
            by=by,
            was=datetime.fromisoformat(was) if isinstance(was, str) else None,
            zone=self.people.timezone(team, clinician),
        )
        reply = self.render(change)
        try:
            self.once.post(
                reminder.key,
                channel=clinician,
                text=reply.text,
                blocks=reply.blocks,
                look_since=reminder.maybe_sent_since,
            )
        except SlackApiError as error:
            code = slack_code(error)
            return refused_dm(self.people.departures, reminder, clinician, code, now)
        return Outcome(reminder.id, sent=1)

    def _redraw_copy(self, visit: Appointment, zone: ZoneInfo) -> None:
        if visit.copy is None:
            return
        channel, ts = visit.copy
        shown = self.card(visit, zone)
        try:
            self.slack.chat_update(channel=channel, ts=ts, text=shown.text, blocks=shown.blocks)
        except SlackApiError as error:
            if slack_code(error) not in COPY_GONE:
                raise
            log.info("the clinician's copy of %s is gone; the DM says what changed", visit.ref)
