"""/appt in Slack: the command and its buttons, the booking form, My day's section, reminder DMs."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from bot.appointments import reminders as visit_reminders
from bot.appointments.booking import Booking
from bot.appointments.changes import AppointmentChanges
from bot.appointments.confirming import Confirming
from bot.appointments.export import AppointmentExport
from bot.appointments.form import BookingForm
from bot.appointments.lists import AppointmentLists
from handlers.appointments import export, home, reminders
from handlers.appointments.commands import AppointmentCommands
from handlers.appointments.form import FormListeners
from handlers.appointments.reminders import ReminderListeners
from handlers.shared import home_screen

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.shared import Shared


def register(app: App, shared: Shared) -> None:
    """Build the feature's services from the shared collaborators and hand them to the listeners."""
    settings = shared.settings  # only its /appt fields: visit kinds and reminder leads
    kinds, leads = settings.appointment_kinds, settings.reminder_leads
    booking = Booking(shared.records, kinds=kinds)
    confirming = Confirming(
        shared.records,
        booking=booking,
        home=shared.home,
        plan_digest=shared.hooks.in_channel(),
        leads=leads,
    )
    visits = AppointmentChanges(shared.records, hooks=shared.hooks, home=shared.home, leads=leads)
    lists = AppointmentLists(shared.records)
    exports = AppointmentExport(shared.records)
    booking_form = BookingForm(shared.records, kinds=kinds)

    form = FormListeners(
        booking=booking,
        form=booking_form,
        people=shared.people,
        kinds=kinds,
        slack=shared.slack,
        first_time=shared.dedup.first_time,
    )
    form.register(app)
    AppointmentCommands(
        booking=booking,
        confirming=confirming,
        visits=visits,
        lists=lists,
        people=shared.people,
        in_force=shared.in_force,
        slack=shared.slack,
        open_form=form.open_form,
        export=partial(export.export, exports, shared.slack),
    ).register(app, shared.commands)
    ReminderListeners(
        visits=visits,
        people=shared.people,
        clock=shared.clock,
        home_notice=home_screen(shared).notice,
    ).register(app)
    for kind in visit_reminders.kinds(
        shared.records, slack=shared.slack, render=reminders.render, leads=leads
    ):
        shared.reminder_kinds.add(kind)
    shared.home.add_section(home.home_section(lists))
