"""A booking's announcements: its card in the channel it was booked in, and the clinician's
copy by DM. Both are outbox rows written with the booking (bot.appointments.confirming),
sent at once by the listener and retried by the sweep; each carries its send key, so a
crash never posts one twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.appointments.changes import Appointment, appointment_of
from bot.appointments.outbox import CARD, COPY
from bot.shared.commands import Reply
from bot.shared.departures import refused_dm
from bot.shared.messages import slack_code
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.failures import describe
from bot.shared.rules.reminders import DueReminder, Outcome, by_team
from storage.appointments import queries as appointments

if TYPE_CHECKING:
    from bot.shared.messages import OnceSender

log = logging.getLogger(__name__)

# Only a person can fix these (invite the bot, unarchive); the booking stands without a card.
CHANNEL_REFUSES = frozenset({"not_in_channel", "channel_not_found", "is_archived"})

RenderCard = Callable[[Appointment, ZoneInfo], Reply]
Shown = tuple[Appointment, ZoneInfo]  # a visit as its booking channel shows it, in its zone
Remember = Callable[[str, str, str, str], None]  # (team, ref, channel, ts)


class Announce(RecordsUseCase):
    """One of the two announcement kinds (CARD or COPY): send it, or say why not."""

    def __init__(
        self,
        records: Records,
        *,
        name: str,
        once: OnceSender,
        render: RenderCard,
        remember: Remember,
    ) -> None:
        super().__init__(records)
        self.name, self.once, self.render, self.remember = name, once, render, remember

    def fire(self, due: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        found = self._visits(due)
        outcomes = []
        for reminder in due:
            try:
                found_visit = found.get((reminder.team_id, reminder.subject_ref))
                outcome = self._one(reminder, found_visit, now)
            except Exception as error:  # one broken row must not resend the batch's others
                log.error("%s %d failed: %s", self.name, reminder.id, describe(error))
                outcome = Outcome(reminder.id, error="kind_failed")
            outcomes.append(outcome)
        return outcomes

    def _one(self, reminder: DueReminder, found: Shown | None, now: datetime) -> Outcome:
        if found is None:
            return Outcome(reminder.id)
        visit, zone = found
        if self.name == CARD:
            if visit.message is not None or not visit.channel:
                return Outcome(reminder.id)  # posted already, or booked outside a channel
            to = visit.channel
        else:
            if not visit.clinician or visit.clinician == visit.booked_by:
                return Outcome(reminder.id)
            to = visit.clinician
        shown = self.render(visit, zone)
        try:
            sent = self.once.post(
                reminder.key,
                channel=to,
                text=shown.text,
                blocks=shown.blocks,
                look_since=reminder.maybe_sent_since,
            )
        except SlackApiError as error:
            code = slack_code(error)
            log.warning("%s %d not sent: %s", self.name, reminder.id, code)
            if self.name == CARD:  # only a person can fix a channel that refuses the card
                return Outcome(reminder.id, error=code[:64], give_up=code in CHANNEL_REFUSES)
            return refused_dm(self.people.departures, reminder, to, code, now)
        # Where it is, so later changes redraw it in place (the channel's card, their copy).
        self.remember(reminder.team_id, visit.ref, sent.channel, sent.ts)
        return Outcome(reminder.id, sent=1)

    def _visits(
        self, due: Sequence[DueReminder]
    ) -> dict[tuple[str, str], tuple[Appointment, ZoneInfo]]:
        """The batch's visits, shown as their booking channel says: one read per workspace."""
        found: dict[tuple[str, str], tuple[Appointment, ZoneInfo]] = {}
        with self.db.session(read_only=True) as session:
            for team, rows in by_team(due).items():
                visits = appointments.get_many_by_refs(session, team, {r.subject_ref for r in rows})
                channels = {row.channel_id or "" for row in visits.values()}
                in_force = self.in_force.in_session(session, team, channels)
                for ref, row in visits.items():
                    here = in_force[row.channel_id or ""]
                    found[(team, ref)] = (appointment_of(row, here.patient_display), here.timezone)
        return found


def kinds(
    records: Records,
    *,
    once: OnceSender,
    render: RenderCard,
    remember_card: Remember,
    remember_copy: Remember,
) -> list[Announce]:
    """The card and the clinician's copy, ready to be added to the sweep."""
    return [
        Announce(records, name=CARD, once=once, render=render, remember=remember_card),
        Announce(records, name=COPY, once=once, render=render, remember=remember_copy),
    ]
