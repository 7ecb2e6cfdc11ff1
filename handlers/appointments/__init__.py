"""/appt in Slack: the command and its buttons, the booking form, My day's section, reminder DMs."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from bot.appointments import reminders as visit_reminders
from bot.appointments.booking import Booking
from bot.appointments.changes import Visits
from bot.appointments.confirming import Confirming
from bot.appointments.export import VisitExport
from bot.appointments.form import BookingForm
from bot.appointments.lists import VisitLists
from bot.digest import schedule as digest_schedule
from handlers.appointments import export, home, reminders
from handlers.appointments.commands import AppointmentCommands
from handlers.appointments.form import FormListeners
from handlers.appointments.reminders import ReminderListeners
from handlers.shared import home as home_tab

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.services import Care


def register(app: App, care: Care) -> None:
    """Build the feature's services from care's collaborators and hand them to the listeners."""
    settings = care.settings  # only its /appt fields: visit kinds and reminder leads
    kinds, leads = settings.visit_kinds, settings.reminder_leads
    booking = Booking(
        db=care.db,
        clock=care.clock,
        times=care.times,
        people=care.people,
        access=care.access,
        in_force=care.in_force,
        kinds=kinds,
    )
    confirming = Confirming(
        booking=booking,
        db=care.db,
        clock=care.clock,
        people=care.people,
        in_force=care.in_force,
        home=care.home,
        plan_digest=lambda session, team, channel, now: digest_schedule.plan(
            session, settings, team, channel, now
        ),
        leads=leads,
    )
    visits = Visits(
        db=care.db,
        clock=care.clock,
        times=care.times,
        people=care.people,
        access=care.access,
        in_force=care.in_force,
        hooks=care.hooks,
        home=care.home,
        leads=leads,
    )
    lists = VisitLists(
        db=care.db,
        clock=care.clock,
        times=care.times,
        people=care.people,
        access=care.access,
        in_force=care.in_force,
    )
    exports = VisitExport(
        db=care.db,
        clock=care.clock,
        times=care.times,
        people=care.people,
        access=care.access,
        in_force=care.in_force,
    )
    booking_form = BookingForm(
        db=care.db, clock=care.clock, times=care.times, people=care.people, kinds=kinds
    )

    form = FormListeners(
        booking=booking,
        form=booking_form,
        people=care.people,
        kinds=kinds,
        slack=care.slack,
        first_time=care.first_time,
    )
    form.register(app)
    AppointmentCommands(
        booking=booking,
        confirming=confirming,
        visits=visits,
        lists=lists,
        people=care.people,
        in_force=care.in_force,
        slack=care.slack,
        open_form=form.open_form,
        export=partial(export.export, exports, care.slack),
    ).register(app, care.commands)
    ReminderListeners(
        visits=visits,
        people=care.people,
        clock=care.clock,
        home_notice=partial(home_tab.notice, care),
    ).register(app)
    for kind in visit_reminders.kinds(
        db=care.db,
        slack=care.slack,
        people=care.people,
        in_force=care.in_force,
        render=reminders.render,
        leads=leads,
    ):
        care.add_reminder_kind(kind)
    care.home.add_section(home.home_section(lists))
