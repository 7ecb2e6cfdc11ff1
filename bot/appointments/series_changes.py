"""Cancelling visits of a series: this one, this and the following ones, or the whole series.

`/appt cancel A-5` on a visit of a series asks which is meant (with buttons); `A-5 only`,
`A-5 onwards` and `S-2` say it outright. Cancelling one never touches the others; the
following ones or the whole series end the series there. Its clinician hears once per
change of the series, not once per visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.appointments import reminders as appointment_reminders
from bot.appointments.changes import AppointmentRefused
from bot.appointments.rules.appointment import Action, Status
from bot.shared.hooks import AppointmentChanged
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.refusals import AskedBack, Choice
from storage import SqlAuditLog, reminders
from storage.appointments import queries as appointments
from storage.appointments import series as stored_series

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.shared.access import Actor
    from bot.shared.home import HomeTab
    from bot.shared.hooks import Hooks
    from storage.models import AppointmentRow, SeriesRow

SERIES_CHANGE = "appt-series-change"  # subject: the S-ref; payload: what, by, count, from
# Words after the ref that say the scope; only these, since a reason may start with any other
# ("following the surgeon's advice" must not cancel the following visits).
ONLY = ("only",)
ONWARDS = ("onwards",)
DOING = "cancel visits"


@dataclass(frozen=True)
class Scope:
    """Which visits a cancel is about: one (the usual path), or many of a series."""

    ref: str  # the A-ref typed, or the series' S-ref
    many: bool
    reason: str | None
    series_ref: str | None = None
    from_start: datetime | None = None  # with many: the first visit cancelled (None: all)


@dataclass(frozen=True)
class SeriesCancelled:
    series_ref: str
    cancelled: tuple[str, ...]  # A-refs
    ended: bool  # the series books nothing after this


class SeriesChanges(RecordsUseCase):
    """Cancel scopes for visits of a series."""

    def __init__(self, records: Records, *, hooks: Hooks, home: HomeTab) -> None:
        super().__init__(records)
        self.hooks, self.home = hooks, home

    def cancel_scope(self, actor: Actor, ref: str, reason: str | None) -> Scope:
        """What `/appt cancel <ref> [reason]` is about; asks when a series visit is named
        without saying whether the others go too."""
        first, _, rest = (reason or "").partition(" ")
        word = first.lower()
        number = stored_series.parse_series_ref(ref)
        if number is not None:
            # Whether S-n exists is for its care team only, like anything else about it.
            self.access.require_care_team(actor, doing=DOING, ref=f"S-{number}")
            return Scope(ref, True, reason, series_ref=self._series(actor, ref).ref)
        with self.db.session(read_only=True) as session:
            row = appointments.get_by_ref(session, actor.team_id, ref.strip())
            series = stored_series.of_visit(session, row) if row is not None else None
            after = self._booked_from(session, series, row.start_at) if row and series else []
        if row is None or series is None or word in ONLY:
            return Scope(ref, False, (rest or None) if word in ONLY else reason)
        # What the question says of the series is for its care team only.
        self.access.require_care_team(actor, doing=DOING, ref=row.ref)
        if word in ONWARDS:
            return Scope(ref, True, rest or None, series.ref, row.start_at)
        later = [visit for visit in after if visit.id != row.id]
        if not later or Status(row.status) is not Status.BOOKED:
            return Scope(ref, False, reason)  # nothing else of it left to cancel
        upcoming = self._booked_from(session=None, series=series, start=None)
        raise AskedBack(
            f"{row.ref} is one visit of series {series.ref} ({len(upcoming)} still booked). "
            f"Cancel just {row.ref}, {row.ref} and the {len(later)} after it, or the whole "
            f"series? Type `/appt cancel {row.ref} only`, `/appt cancel {row.ref} onwards` or "
            f"`/appt cancel {series.ref}`.",
            asked=row.ref,
            choices=(
                Choice(f"Just {row.ref}", f"Just {row.ref}", f"{row.ref} only"),
                Choice(
                    f"{row.ref} and the {len(later)} after it",
                    f"{row.ref} and the {len(later)} visits after it",
                    f"{row.ref} onwards",
                ),
                Choice(
                    f"All of {series.ref}",
                    f"The whole series {series.ref}: its {len(upcoming)} booked visits",
                    series.ref,
                ),
            ),
        )

    def cancel(self, actor: Actor, scope: Scope) -> SeriesCancelled:
        """Cancel the series' booked visits from `scope.from_start` (all: from now on)."""
        assert scope.series_ref is not None
        self.access.require_care_team(actor, doing=DOING, ref=scope.series_ref)
        now = self.clock.now()
        with self.db.session() as session:
            series = stored_series.get_by_ref(session, actor.team_id, scope.series_ref)
            if series is None:
                raise AppointmentRefused(_no_series(scope.series_ref))
            start = max(scope.from_start or now, now)
            gone = [
                row
                for row in stored_series.occurrences(session, series)
                if row.status == Status.BOOKED.value and row.start_at >= start
            ]
            if not gone:
                raise AppointmentRefused(
                    f"Series {series.ref} has no booked visit left to cancel from then on. "
                    f"`/appt list week` shows what is booked."
                )
            for row in gone:
                self._cancel_one(session, actor, row, scope.reason, now)
            stored_series.end(session, series, now)
            clinicians = {row.clinician_id for row in gone if row.clinician_id}
            if clinicians - {actor.user_id}:
                payload = {
                    "what": Action.CANCEL.value,
                    "by": actor.user_id,
                    "count": len(gone),
                    "from": gone[0].start_at.isoformat(),
                }
                reminders.schedule(
                    session, actor.team_id, SERIES_CHANGE, series.ref, now, payload, now=now
                )
            SqlAuditLog(session).record(
                actor.team_id, actor.user_id, "series.cancel", series.ref, at=now
            )
            refs = tuple(row.ref for row in gone)
            told = (actor.user_id, series.booked_by, *clinicians)
        self.home.changed(actor.team_id, told)
        return SeriesCancelled(scope.series_ref, refs, ended=True)

    def _cancel_one(
        self, session: Session, actor: Actor, row: AppointmentRow, reason: str | None, now: datetime
    ) -> None:
        appointments.set_status(
            session, row, Status.CANCELLED.value, now=now, reason=reason, by=actor.user_id
        )
        appointment_reminders.forget(session, actor.team_id, row.ref, now=now)
        self.hooks.publish(
            session, AppointmentChanged(row.team_id, row.id, row.start_at, False, at=now)
        )
        SqlAuditLog(session).record(
            actor.team_id, actor.user_id, "appointment.cancel", row.ref, at=now
        )

    def _series(self, actor: Actor, ref: str) -> SeriesRow:
        with self.db.session(read_only=True) as session:
            series = stored_series.get_by_ref(session, actor.team_id, ref)
        if series is None:
            raise AppointmentRefused(_no_series(ref))
        return series

    def _booked_from(
        self, session: Session | None, series: SeriesRow, start: datetime | None
    ) -> list[AppointmentRow]:
        """The series' booked visits from `start` (None: from now)."""
        if session is None:
            with self.db.session(read_only=True) as fresh:
                return self._booked_from(fresh, series, start)
        since = start or self.clock.now()
        return [
            row
            for row in stored_series.occurrences(session, series)
            if row.status == Status.BOOKED.value and row.start_at >= since
        ]


def _no_series(ref: str) -> str:
    return (
        f"There is no series {ref.strip().upper()} in this workspace. A series' ref looks like "
        "S-3; `/appt list week` shows each visit's series."
    )
