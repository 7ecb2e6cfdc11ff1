"""/appt: book, list, move, cancel, check in and close visits."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.appointments import booking, confirming
from bot.appointments import changes as visits
from bot.appointments.booking import Booked, BookingRefused
from bot.appointments.changes import VisitRefused
from bot.appointments.rules.appointment import Action
from bot.shared.access import care_team_refusal, refuse_outside_care_team
from bot.shared.audit_trail import parse_ref
from bot.shared.commands import Ask, Command, Reply
from bot.shared.rules.mrkdwn import escape
from handlers.appointments import export as appointment_export
from handlers.appointments import form as appointment_form
from handlers.appointments import views
from handlers.appointments.cards import refresh_card

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.runtime.services import Care

log = logging.getLogger(__name__)

USAGE = (
    "/appt book Jane Doe, MRI, tomorrow 3pm, 45 min, with @dr.patel, at Radiology 2",
    "/appt book P-4, surgery, 2027-03-02 07:30, 3h, at OR 4",
    visits.LIST_USAGE,
    "/appt move A-12 tomorrow 3pm",
    "/appt cancel A-12 [reason]",
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


def register(app: App, care: Care) -> None:
    care.commands.add(
        Command(
            "appt",
            "Book and manage appointments, surgeries and procedures",
            USAGE,
            lambda ask: run(care, ask),
        )
    )
    app.action("appt_confirm")(on_confirm)
    app.action("appt_discard")(on_discard)
    app.action(re.compile(r"^appt_slot_\d+$"))(on_slot)
    app.action("page_appt_list")(on_next_page)


def run(care: Care, ask: Ask) -> Reply | None:
    if not ask.text.strip():
        return appointment_form.open_form(care, ask)
    verb, _, rest = ask.text.partition(" ")
    verb = verb.lower()
    try:
        if verb == "book":
            return _book(care, ask, rest)
        if verb in ("export", "list"):
            refused = refuse_outside_care_team(care, ask, f"{verb} appointments")
            if refused is not None:
                return refused
        if verb == "export":
            return appointment_export.export(care, ask)
        if verb == "list":
            return views.visit_list(visits.list_visits(care, ask.team_id, ask.user_id, rest))
        if verb == "move" or verb in ACTIONS:
            # A change answers with the patient's name, and only a care team changes visits.
            typed = rest.strip().partition(" ")[0]
            refused = refuse_outside_care_team(care, ask, f"{verb} visits", parse_ref(typed))
            if refused is not None:
                return refused
        if verb == "move":
            ref, _, when = rest.strip().partition(" ")
            changed = visits.move(care, ask.team_id, ask.user_id, ref, when)
            refresh_card(care, care.slack, changed.visit)
            return views.changed_note(changed)
        if verb in ACTIONS:
            ref, _, reason = rest.strip().partition(" ")
            if not ref:
                return Reply(text=f"Which visit? Example: /appt {verb} A-12")
            changed = visits.act(care, ask.team_id, ask.user_id, ref, ACTIONS[verb], reason or None)
            refresh_card(care, care.slack, changed.visit)
            return views.changed_note(changed)
    except (BookingRefused, VisitRefused) as refused:
        return Reply(text=escape(str(refused)))
    return Reply(
        text=f"I don't know `/appt {escape(verb)}`. Try:\n" + "\n".join(f"`{u}`" for u in USAGE)
    )


def _book(care: Care, ask: Ask, text: str) -> Reply:
    preview = booking.propose(care, ask.team_id, ask.user_id, ask.channel_id, text)
    if preview.patient_ref is not None:  # an existing patient: the preview would show them
        refused = refuse_outside_care_team(
            care, ask, "book for an existing patient", preview.patient_ref
        )
        if refused is not None:
            booking.discard(care, ask.team_id, preview.draft_id)
            return refused
    return views.preview(preview)


def _draft_of(body: dict[str, Any]) -> str:
    return str(body["actions"][0]["value"])


def on_confirm(
    ack: Ack, body: dict[str, Any], respond: Respond, context: Any, client: WebClient
) -> None:
    ack()
    care: Care = context["care"]
    team, user = context.team_id, body["user"]["id"]
    try:
        outcome = confirming.confirm(care, team, user, _draft_of(body))
    except BookingRefused as refused:
        respond(text=escape(str(refused)), replace_original=True)
        return
    if not isinstance(outcome, Booked):
        reply = views.preview(outcome)
        respond(text=reply.text, blocks=reply.blocks, replace_original=True)
        return
    zone = care.people.timezone(team, user)
    note = views.booked_note(outcome, zone)
    posted = _announce(care, client, team, outcome)
    if not posted:
        note.text += " I couldn't post it in this channel: invite me with `/invite @carebot`."
        note.blocks = None
    respond(text=note.text, blocks=note.blocks, replace_original=True)


def _announce(care: Care, client: WebClient, team: str, booked: Booked) -> bool:
    """Post the confirmation where it was booked and DM the clinician; False if the post failed."""
    p = booked.proposal
    # Shown as the booking channel's display policy says (the clinician's DM gets the same card).
    policy = care.channel_settings(team, p.channel_id).patient_display
    card = views.confirmation(booked, policy, care.settings.timezone)
    posted = True
    try:
        result = client.chat_postMessage(channel=p.channel_id, text=card.text, blocks=card.blocks)
        visits.remember_message(care, team, booked.ref, result["channel"], result["ts"])
    except SlackApiError as error:
        log.info("could not post %s's confirmation: %s", booked.ref, error.response.get("error"))
        posted = False
    if p.clinician and p.clinician != p.booker:
        try:
            client.chat_postMessage(channel=p.clinician, text=card.text, blocks=card.blocks)
        except SlackApiError as error:
            log.info(
                "could not DM the clinician of %s: %s", booked.ref, error.response.get("error")
            )
    return posted


def on_discard(ack: Ack, body: dict[str, Any], respond: Respond, context: Any) -> None:
    ack()
    booking.discard(context["care"], context.team_id, _draft_of(body))
    respond(text="Not booked.", replace_original=True)


def on_slot(ack: Ack, body: dict[str, Any], respond: Respond, context: Any) -> None:
    ack()
    care: Care = context["care"]
    choice = json.loads(body["actions"][0]["value"])
    try:
        view = booking.move_proposal(
            care,
            context.team_id,
            body["user"]["id"],
            choice["d"],
            datetime.fromisoformat(choice["s"]),
        )
    except BookingRefused as refused:
        respond(text=escape(str(refused)), replace_original=True)
        return
    reply = views.preview(view)
    respond(text=reply.text, blocks=reply.blocks, replace_original=True)


def on_next_page(ack: Ack, body: dict[str, Any], respond: Respond, context: Any) -> None:
    ack()
    care: Care = context["care"]
    page = json.loads(body["actions"][0]["value"])
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id")
    refusal = care_team_refusal(care, context.team_id, user, "list appointments", None, channel)
    if refusal is not None:
        respond(text=refusal, replace_original=True)
        return
    try:
        reply = views.visit_list(
            visits.list_visits(care, context.team_id, body["user"]["id"], page["q"], int(page["o"]))
        )
    except VisitRefused as refused:
        reply = Reply(text=escape(str(refused)))
    respond(text=reply.text, blocks=reply.blocks, replace_original=True)
