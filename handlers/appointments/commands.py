"""/appt: book, list, move, cancel, check in and close visits; the preview's buttons."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.appointments.booking import AlreadyBooked, Booked, BookingRefused
from bot.appointments.changes import LIST_USAGE, AppointmentRefused
from bot.appointments.export import ExportRefused
from bot.appointments.outbox import CARD, CHANGE, COPY
from bot.appointments.rules.appointment import Action
from bot.appointments.series import SERIES_CARD, SERIES_COPY, SeriesBooked
from bot.appointments.series_changes import SERIES_CHANGE, SeriesChanges
from bot.appointments.week import WEEK_USAGE
from bot.shared.access import Actor
from bot.shared.commands import Ask, Command, Reply
from bot.shared.rules.mrkdwn import escape, quoted
from bot.shared.rules.near_miss import meant
from handlers.appointments import news, series_views, views
from handlers.appointments.cards import ShownOf, refresh_card, refresh_series_card
from handlers.kit import values
from handlers.kit.actors import actor_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.appointments.booking import Booking
    from bot.appointments.changes import AppointmentChanges
    from bot.appointments.confirming import Confirming
    from bot.appointments.lists import AppointmentLists
    from bot.shared.channel_settings import SettingsResolver
    from bot.shared.commands import CommandRegistry
    from bot.shared.directory import Directory
    from bot.shared.sweeper import Outbox

log = logging.getLogger(__name__)

USAGE = (
    "/appt book Jane Doe, MRI, tomorrow 3pm, 45 min, with @dr.patel, at Radiology 2",
    "/appt book P-4, surgery, 2027-03-02 07:30, 3h, at OR 4",
    "/appt book Ana Lima, physio, every tuesday and thursday 10am for 6 weeks (a series, S-n)",
    LIST_USAGE,
    WEEK_USAGE,
    "/appt move A-12 tomorrow 3pm",
    "/appt cancel A-12 [reason] (of a series: A-12 only · A-12 onwards · /appt cancel S-2)",
    "/appt checkin A-12 · /appt done A-12 · /appt noshow A-12",
    "/appt export [week|today|tomorrow|<date>|<date> to <date>]",
    "/appt (on its own) opens the booking form",
)
ACTIONS = {
    "checkin": Action.CHECKIN,
    "done": Action.DONE,
    "noshow": Action.NOSHOW,
    "cancel": Action.CANCEL,
}
VERBS = ("book", "list", "week", "move", "export", *ACTIONS)


def _example(verb: str) -> str:
    """The usage line that shows `verb`, for a "did you mean" answer."""
    return next((u for u in USAGE if u.startswith(f"/appt {verb}")), f"/appt {verb}")


# The refusals of the feature's own rules: their text may quote what was typed.
FEATURE_REFUSALS = (BookingRefused, AppointmentRefused, ExportRefused)


class AppointmentCommands:
    """`/appt <verb>` and the buttons of its previews and lists, bound to the services."""

    def __init__(
        self,
        *,
        booking: Booking,
        confirming: Confirming,
        appointments: AppointmentChanges,
        lists: AppointmentLists,
        people: Directory,
        in_force: SettingsResolver,
        slack: WebClient,
        outbox: Outbox,
        open_form: Callable[[Ask], Reply | None],
        export: Callable[[Ask], Reply],
        week: Callable[[Ask], Reply],
        series: SeriesChanges,
        series_cards: ShownOf,
    ) -> None:
        self.booking, self.confirming, self.appointments = booking, confirming, appointments
        self.series, self.series_cards = series, series_cards
        self.lists = lists
        self.people, self.in_force, self.slack, self.outbox = people, in_force, slack, outbox
        self.open_form, self.export, self.week = open_form, export, week

    def register(self, app: App, commands: CommandRegistry) -> None:
        commands.add(
            Command(
                "appt", "Book and manage appointments, surgeries and procedures", USAGE, self.run
            )
        )
        app.action("appt_confirm")(self.on_confirm)
        app.action(series_views.SHIFT_ACTION)(self.on_confirm_shifted)
        app.action("appt_discard")(self.on_discard)
        app.action(re.compile(r"^appt_slot_\d+$"))(self.on_slot)
        app.action(views.KIND_ACTION)(self.on_kind)
        app.action("page_appt_list")(self.on_next_page)

    def run(self, ask: Ask) -> Reply | None:
        if not ask.text.strip():
            return self.open_form(ask)
        verb, _, rest = ask.text.partition(" ")
        verb = verb.lower()
        actor = Actor.of(ask)
        try:
            if verb == "book":
                return views.preview(self.booking.propose(actor, ask.channel_id, rest))
            if verb == "export":
                return self.export(ask)
            if verb == "week":
                return self.week(ask)
            if verb == "list":
                return views.visit_list(self.lists.list_appointments(actor, rest))
            if verb == "move":
                ref, _, when = rest.strip().partition(" ")
                changed = self.appointments.move(actor, ref, when)
                refresh_card(self.slack, changed.visit, changed.card_zone)
                refresh_series_card(
                    self.slack, self.series_cards, actor.team_id, changed.visit.series
                )
                self.outbox.send_now(actor.team_id, CHANGE, changed.visit.ref)
                return views.changed_note(changed)
            if verb in ACTIONS:
                ref, _, reason = rest.strip().partition(" ")
                if not ref:
                    return Reply(text=f"Which visit? Example: /appt {verb} A-12")
                if verb == "cancel":  # a visit of a series: this one, or the following too?
                    scope = self.series.cancel_scope(actor, ref, reason or None)
                    if scope.many:
                        done = self.series.cancel(actor, scope)
                        self.outbox.send_now(actor.team_id, SERIES_CHANGE, done.series_ref)
                        refresh_series_card(
                            self.slack, self.series_cards, actor.team_id, done.series_ref
                        )
                        return series_views.cancelled_note(done)
                    reason = scope.reason or ""
                changed = self.appointments.act(actor, ref, ACTIONS[verb], reason or None)
                refresh_card(self.slack, changed.visit, changed.card_zone)
                refresh_series_card(
                    self.slack, self.series_cards, actor.team_id, changed.visit.series
                )
                self.outbox.send_now(actor.team_id, CHANGE, changed.visit.ref)
                return views.changed_note(changed)
        except FEATURE_REFUSALS as refused:
            return Reply(text=escape(str(refused)))
        guess = meant(verb, VERBS)
        if guess is not None:
            return Reply(
                text=f"I don't know `/appt {quoted(verb)}`: did you mean `/appt {guess}`? "
                f"Example: `{_example(guess)}`"
            )
        return Reply(
            text=f"I don't know `/appt {quoted(verb)}`. Try:\n" + "\n".join(f"`{u}`" for u in USAGE)
        )

    def on_confirm_shifted(
        self, ack: Ack, body: dict[str, Any], respond: Respond, context: Any, client: WebClient
    ) -> None:
        """A series' Book, with each colliding date at the nearest free time that day."""
        self._confirm(ack, body, respond, context, shift=True)

    def on_confirm(
        self, ack: Ack, body: dict[str, Any], respond: Respond, context: Any, client: WebClient
    ) -> None:
        self._confirm(ack, body, respond, context, shift=False)

    def _confirm(
        self, ack: Ack, body: dict[str, Any], respond: Respond, context: Any, *, shift: bool
    ) -> None:
        ack()
        actor = actor_of(body, context.team_id)
        try:
            outcome = self.confirming.confirm(actor, _draft_of(body), shift=shift)
        except BookingRefused as refused:
            respond(text=escape(str(refused)), replace_original=True)
            return
        if isinstance(outcome, AlreadyBooked):  # confirmed before: a retry, or a double click
            self._announce(actor.team_id, outcome.ref)  # what a crash left unsent goes now
            zone = self.people.timezone(actor.team_id, actor.user_id)
            note = views.already_booked_note(outcome, zone)
            respond(text=note.text, blocks=note.blocks, replace_original=True)
            return
        if isinstance(outcome, SeriesBooked):
            zone = self.people.timezone(actor.team_id, actor.user_id)
            note = series_views.booked_note(outcome, zone)
            card = self.outbox.send_now(actor.team_id, SERIES_CARD, outcome.ref)
            self.outbox.send_now(actor.team_id, SERIES_COPY, outcome.ref)
            if card is not None and card.error is not None:
                note.text += f" {news.card_not_posted(card.error)}"
            respond(text=note.text, replace_original=True)
            return
        if not isinstance(outcome, Booked):
            reply = views.preview(outcome)
            respond(text=reply.text, blocks=reply.blocks, replace_original=True)
            return
        note = views.booked_note(outcome, self.people.timezone(actor.team_id, actor.user_id))
        problem = self._announce(actor.team_id, outcome.ref)
        if problem is not None:
            note.text += f" {problem}"
            note.blocks = None
        respond(text=note.text, blocks=note.blocks, replace_original=True)

    def _announce(self, team: str, ref: str) -> str | None:
        """Send the card and the clinician's copy the booking committed for Slack, now; why the
        card is not in the channel, or None when it is (or another sender has it)."""
        card = self.outbox.send_now(team, CARD, ref)
        self.outbox.send_now(team, COPY, ref)
        if card is None or card.error is None:
            return None
        return news.card_not_posted(card.error)

    def on_discard(self, ack: Ack, body: dict[str, Any], respond: Respond, context: Any) -> None:
        ack()
        self.booking.discard(actor_of(body, context.team_id), _draft_of(body))
        respond(text="Not booked.", replace_original=True)

    def on_slot(self, ack: Ack, body: dict[str, Any], respond: Respond, context: Any) -> None:
        ack()
        choice = values.json_object(body["actions"][0].get("value"))
        draft, start = _slot_of(choice)
        try:
            view = self.booking.move_proposal(actor_of(body, context.team_id), draft, start)
        except BookingRefused as refused:
            respond(text=escape(str(refused)), replace_original=True)
            return
        reply = views.preview(view)
        respond(text=reply.text, blocks=reply.blocks, replace_original=True)

    def on_kind(self, ack: Ack, body: dict[str, Any], respond: Respond, context: Any) -> None:
        """The booker picked the kind of visit the preview asked about: preview it again."""
        ack()
        draft, kind = _kind_choice(body)
        try:
            view = self.booking.choose_kind(actor_of(body, context.team_id), draft, kind)
        except BookingRefused as refused:
            respond(text=escape(str(refused)), replace_original=True)
            return
        reply = views.preview(view)
        respond(text=reply.text, blocks=reply.blocks, replace_original=True)

    def on_next_page(self, ack: Ack, body: dict[str, Any], respond: Respond, context: Any) -> None:
        ack()
        page = values.json_object(body["actions"][0].get("value"))
        query, offset = (
            values.text(page, "q", values.BUTTON_DAMAGED),
            values.whole_number(page.get("o")),
        )
        try:
            listed = self.lists.list_appointments(actor_of(body, context.team_id), query, offset)
            reply = views.visit_list(listed)
        except AppointmentRefused as refused:
            reply = Reply(text=escape(str(refused)))
        respond(text=reply.text, blocks=reply.blocks, replace_original=True)


def _kind_choice(body: dict[str, Any]) -> tuple[str, str]:
    """The draft and kind of the kind menu's choice, as views.preview wrote them."""
    picked = (body["actions"][0].get("selected_option") or {}).get("value")
    choice = values.json_object(picked)
    draft = values.text(choice, "d", values.BUTTON_DAMAGED)
    kind = values.text(choice, "k", values.BUTTON_DAMAGED)
    if not draft or not kind:
        raise values.BadValue(values.BUTTON_DAMAGED)
    return draft, kind


def _draft_of(body: dict[str, Any]) -> str:
    return str(body["actions"][0].get("value") or "")


def _slot_of(choice: dict[str, Any]) -> tuple[str, datetime]:
    """A slot button's draft and start, as views.preview wrote them."""
    draft = values.text(choice, "d", values.BUTTON_DAMAGED)
    try:
        start = datetime.fromisoformat(values.text(choice, "s", values.BUTTON_DAMAGED))
    except ValueError:
        raise values.BadValue(values.BUTTON_DAMAGED) from None
    if not draft or start.tzinfo is None:
        raise values.BadValue(values.BUTTON_DAMAGED)
    return draft, start
