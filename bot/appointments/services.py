"""/appt's use cases, built together by the composition root (bot.runtime.app.build)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.appointments.booking import Booking
from bot.appointments.changes import AppointmentChanges
from bot.appointments.confirming import Confirming
from bot.appointments.export import AppointmentExport
from bot.appointments.form import BookingForm
from bot.appointments.lists import AppointmentLists
from bot.appointments.rules.kinds import STANDARD
from bot.appointments.rules.recurrence import DEFAULT_SERIES_LIMIT, SeriesLimit
from bot.appointments.series import SeriesBooking
from bot.appointments.series_changes import SeriesChanges
from bot.appointments.week import AppointmentWeek

if TYPE_CHECKING:
    from bot.shared.home import HomeTab
    from bot.shared.hooks import Hooks
    from bot.shared.records import Records


@dataclass(frozen=True)
class AppointmentServices:
    booking: Booking
    confirming: Confirming
    changes: AppointmentChanges
    lists: AppointmentLists
    export: AppointmentExport
    week: AppointmentWeek
    series_changes: SeriesChanges
    form: BookingForm
    kinds: Mapping[str, timedelta]  # the kinds of visit, with their usual lengths
    leads: Sequence[timedelta]  # when a clinician hears of a visit before it starts


def build(
    records: Records,
    *,
    hooks: Hooks,
    home: HomeTab,
    kinds: Mapping[str, timedelta],
    leads: Sequence[timedelta],
    words: Mapping[str, Sequence[str]] | None = None,
    series_limit: SeriesLimit = DEFAULT_SERIES_LIMIT,
) -> AppointmentServices:
    booking = Booking(
        records, kinds=kinds, vocabulary=STANDARD.adding(words or {}), series_limit=series_limit
    )
    return AppointmentServices(
        booking=booking,
        confirming=Confirming(
            records,
            booking=booking,
            home=home,
            plan_digest=hooks.in_channel(),
            leads=leads,
            series=SeriesBooking(records, leads=leads),
        ),
        changes=AppointmentChanges(records, hooks=hooks, home=home, leads=leads),
        lists=AppointmentLists(records),
        export=AppointmentExport(records),
        week=AppointmentWeek(records),
        series_changes=SeriesChanges(records, hooks=hooks, home=home),
        form=BookingForm(records, kinds=kinds, series_limit=series_limit),
        kinds=kinds,
        leads=leads,
    )
