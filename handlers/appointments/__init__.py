"""/appt in Slack: the command and its buttons, the booking form, My day's section, reminder DMs."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from bot.appointments import announce, series_announce
from bot.appointments import reminders as appointment_reminders
from bot.appointments.tell import TellClinician
from handlers.appointments import export, home, news, reminders, series_views, views, week
from handlers.appointments.commands import AppointmentCommands
from handlers.appointments.form import FormListeners
from handlers.appointments.reminders import ReminderListeners
from handlers.shared import home_screen

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.appointments.services import AppointmentServices
    from bot.runtime.shared import Shared


def register(app: App, shared: Shared, services: AppointmentServices) -> None:
    """Hand the feature's services (built by the composition root) to its listeners."""
    booking, kinds, leads = services.booking, services.kinds, services.leads
    series_kinds = series_announce.announce_kinds(
        shared.records,
        once=shared.once,
        render=series_views.card,
        render_change=series_views.change_dm,
    )
    series_cards = series_kinds[0].shown  # the card's kind knows where each card is
    form = FormListeners(
        booking=booking,
        form=services.form,
        people=shared.people,
        kinds=kinds,
        slack=shared.slack,
        first_time=shared.dedup.first_time,
    )
    form.register(app)
    AppointmentCommands(
        booking=booking,
        confirming=services.confirming,
        appointments=services.changes,
        lists=services.lists,
        people=shared.people,
        in_force=shared.in_force,
        slack=shared.slack,
        outbox=shared.outbox,
        open_form=form.open_form,
        export=partial(export.export, services.export, shared.slack),
        week=partial(week.week, services.week, shared.slack),
        series=services.series_changes,
        series_cards=series_cards,
    ).register(app, shared.commands)
    week.register(app, services.week, shared.slack, home_screen(shared).notice)
    ReminderListeners(
        appointments=services.changes,
        people=shared.people,
        clock=shared.clock,
        home_notice=home_screen(shared).notice,
        series_cards=series_cards,
    ).register(app)
    for kind in appointment_reminders.kinds(
        shared.records, once=shared.once, render=reminders.render, leads=leads
    ):
        shared.reminder_kinds.add(kind)
    for announcement in announce.kinds(
        shared.records,
        once=shared.once,
        render=views.card,
        remember_card=services.changes.remember_message,
        remember_copy=services.changes.remember_copy,
    ):
        shared.reminder_kinds.add(announcement)
    for series_announcement in series_kinds:
        shared.reminder_kinds.add(series_announcement)
    shared.reminder_kinds.add(
        TellClinician(
            shared.records,
            slack=shared.slack,
            once=shared.once,
            card=views.card,
            render=news.change_dm,
        )
    )
    shared.home.add_section(home.home_section(services.lists))
