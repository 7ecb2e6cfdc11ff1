"""A booked series said once: its card in the channel it was booked in and its clinician's
copy, both outbox rows written with the booking (bot.appointments.series), sent at once by
the listener and retried by the sweep; each carries its send key, so a crash never posts
one twice."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.appointments.announce import CHANNEL_REFUSES
from bot.appointments.series import SERIES_CARD, SERIES_COPY
from bot.appointments.series_changes import SERIES_CHANGE
from bot.shared.commands import Reply
from bot.shared.departures import refused_dm
from bot.shared.messages import slack_code
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.display import PatientDisplay, patient_label
from bot.shared.rules.failures import describe
from bot.shared.rules.reminders import DueReminder, Outcome
from storage.appointments import series as stored_series

if TYPE_CHECKING:
    from bot.shared.messages import OnceSender

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShownSeries:
    """A series as its channel's card shows it (the patient as that channel's policy says)."""

    ref: str
    patient: str
    kind: str
    label: str
    clinician: str | None
    location: str | None
    booked_by: str
    channel: str | None
    visits: tuple[tuple[str, datetime], ...]  # (A-ref, start) of its booked visits
    # Its other visits, as they stand: (A-ref, start, status), cancelled, done, no-show...
    others: tuple[tuple[str, datetime, str], ...] = ()
    message: tuple[str, str] | None = None  # where its card is (channel, ts)


RenderSeries = Callable[[ShownSeries, ZoneInfo], Reply]
# A change of the series for its clinician: (series, the change's payload, zone).
RenderChange = Callable[[ShownSeries, Mapping[str, Any], ZoneInfo], Reply]


class AnnounceSeries(RecordsUseCase):
    """SERIES_CARD or SERIES_COPY: a booked series said once, in its channel or to its
    clinician; an outbox row written with the booking, so a crash never loses or repeats it."""

    def __init__(
        self,
        records: Records,
        *,
        name: str,
        once: OnceSender,
        render: RenderSeries,
        render_change: RenderChange,
    ) -> None:
        super().__init__(records)
        self.name, self.once, self.render = name, once, render
        self.render_change = render_change

    def fire(self, due: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        outcomes = []
        for reminder in due:
            try:
                outcomes.append(self._one(reminder, now))
            except Exception as error:  # one broken row must not resend the others
                log.error("%s %d failed: %s", self.name, reminder.id, describe(error))
                outcomes.append(Outcome(reminder.id, error="kind_failed"))
        return outcomes

    def _one(self, reminder: DueReminder, now: datetime) -> Outcome:
        found = self._shown(reminder.team_id, reminder.subject_ref)
        if found is None:
            return Outcome(reminder.id)  # gone since (retention)
        shown, zone = found
        to = shown.channel if self.name == SERIES_CARD else shown.clinician
        if to and self.name != SERIES_CARD:  # a DM: in the clinician's own zone
            zone = self.people.timezone(reminder.team_id, to)
        if self.name == SERIES_CHANGE:
            if not to:
                return Outcome(reminder.id)
            reply = self.render_change(shown, reminder.payload, zone)
        elif not to or not shown.visits:
            return Outcome(reminder.id)
        else:
            reply = self.render(shown, zone)
        try:
            sent = self.once.post(
                reminder.key,
                channel=to,
                text=reply.text,
                blocks=reply.blocks,
                look_since=reminder.maybe_sent_since,
            )
        except SlackApiError as error:
            code = slack_code(error)
            log.warning("%s %d not sent: %s", self.name, reminder.id, code)
            if self.name == SERIES_CARD:
                return Outcome(reminder.id, error=code[:64], give_up=code in CHANNEL_REFUSES)
            return refused_dm(self.people.departures, reminder, to, code, now)
        if self.name == SERIES_CARD:  # where it is: a change to a visit redraws it there
            with self.db.session() as session:
                stored_series.set_message(
                    session, reminder.team_id, reminder.subject_ref, sent.channel, sent.ts
                )
        return Outcome(reminder.id, sent=1)

    def shown(self, team_id: str, ref: str) -> tuple[ShownSeries, ZoneInfo] | None:
        """The series as its card shows it, in its channel's zone; None when it is gone."""
        return self._shown(team_id, ref)

    def _shown(self, team_id: str, ref: str) -> tuple[ShownSeries, ZoneInfo] | None:
        with self.db.session(read_only=True) as session:
            series = stored_series.get_by_ref(session, team_id, ref)
            if series is None:
                return None
            every = stored_series.occurrences(session, series)
            visits = [row for row in every if row.status == "booked"]
            here = self.in_force.in_session(session, team_id, [series.channel_id or ""])[
                series.channel_id or ""
            ]
            first = every[0] if every else None
            policy = here.patient_display
            shown = ShownSeries(
                ref=series.ref,
                patient=patient_label(policy, first.patient.ref, first.patient.display_name)
                if first
                else "",
                kind=first.kind if first else "",
                label=(first.label if policy is not PatientDisplay.ID else first.kind)
                if first
                else "",
                clinician=first.clinician_id if first else None,
                location=first.location if first else None,
                booked_by=series.booked_by,
                channel=series.channel_id,
                visits=tuple((row.ref, row.start_at) for row in visits),
                others=tuple(
                    (row.ref, row.start_at, row.status) for row in every if row.status != "booked"
                ),
                message=(series.message_channel, series.message_ts)
                if series.message_channel and series.message_ts
                else None,
            )
        return shown, here.timezone


def announce_kinds(
    records: Records, *, once: OnceSender, render: RenderSeries, render_change: RenderChange
) -> list[AnnounceSeries]:
    """The series' card, its clinician's copy and its changes, ready for the sweep."""
    return [
        AnnounceSeries(records, name=name, once=once, render=render, render_change=render_change)
        for name in (SERIES_CARD, SERIES_COPY, SERIES_CHANGE)
    ]
