"""The booking modal: /appt with no text, its "Open the booking form" button, Edit... on a preview.

A submission is read and checked before the ack, so problems come back under their
fields and the form stays open; a good one closes the modal and its preview is shown
to the booker in the channel the form was opened from (their DM when that fails).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.appointments import form
from bot.appointments.booking import BookingRefused
from bot.appointments.form import FormFields
from bot.appointments.rules.appointment import KINDS, KindChoice
from bot.appointments.rules.quickform import MAX_LOCATION_CHARS
from bot.shared.access import Actor
from bot.shared.commands import Ask, Block, Reply
from bot.shared.rules.mrkdwn import escape
from bot.shared.rules.patients import MAX_MRN_CHARS
from bot.shared.rules.refusals import Refused
from handlers.appointments import views
from handlers.kit import values
from handlers.kit.actors import actor_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.appointments.booking import Booking
    from bot.appointments.form import BookingForm
    from bot.shared.directory import Directory

log = logging.getLogger(__name__)

CALLBACK_ID = "appt_book_form"
OPEN_ACTION = "open_appt_form"
EDIT_ACTION = "open_appt_edit"
# Where each kind of input keeps its value in a submission's state.
_STATE_KEYS = ("value", "selected_option", "selected_date", "selected_time", "selected_user")
LATE = "I couldn't open the form in time (Slack allows 3 seconds). Please click again."
_DRAFT_ID = re.compile(r"[0-9a-f]{32}")  # storage's drafts are keyed by a uuid4's hex


@dataclass(frozen=True)
class FormMeta:
    """What the modal carries in private_metadata: where it was opened, and what it edits.

    No URL travels here: a forged submission could name any. The edited preview's
    response_url is kept with its draft, on the server.
    """

    channel: str
    draft: str | None = None
    kept: KindChoice | None = None  # the edited draft's kind and label ("MRI")

    def dump(self) -> str:
        data: dict[str, str] = {"c": self.channel}
        if self.draft:
            data["d"] = self.draft
        if self.kept:
            data["k"], data["l"] = self.kept.kind, self.kept.label
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def load(cls, text: str | None) -> FormMeta:
        """Read back what `dump` wrote; anything else is refused (see handlers.kit.values)."""
        data = values.json_object(text or "{}", values.FORM_DAMAGED)
        draft = values.text(data, "d") or None
        if draft is not None and not _DRAFT_ID.fullmatch(draft):
            raise values.BadValue(values.FORM_DAMAGED)
        kept = None
        if "k" in data or "l" in data:
            kept = KindChoice(values.text(data, "k"), values.text(data, "l"))
            if not (kept.kind and kept.label):
                raise values.BadValue(values.FORM_DAMAGED)
        return cls(values.channel_id(data.get("c")), draft, kept)


class FormListeners:
    """The booking modal's openers and its submission, bound to the booking services."""

    def __init__(
        self,
        *,
        booking: Booking,
        form: BookingForm,
        people: Directory,
        kinds: Mapping[str, timedelta],
        slack: WebClient,
        first_time: Callable[[str, str], bool],
    ) -> None:
        self.booking, self.form, self.people, self.kinds = booking, form, people, kinds
        self.slack, self.first_time = slack, first_time

    def register(self, app: App) -> None:
        app.action(OPEN_ACTION)(self.on_open)
        app.action(EDIT_ACTION)(self.on_edit)
        app.view(CALLBACK_ID)(self.on_submit)

    def open_form(self, ask: Ask) -> Reply | None:
        """/appt with no text: the modal at once when Slack gave a trigger, else a button for it."""
        if ask.trigger_id:
            zone = self.people.timezone(ask.team_id, ask.user_id)
            view = form_view(FormFields(), FormMeta(ask.channel_id), zone, self.kinds)
            if _open(self.slack, ask.trigger_id, view):
                return None
        text = "Book a visit with the form: patient, kind, when, clinician, room and notes."
        button = {"type": "button", "text": _plain("Open the booking form")}
        button |= {"action_id": OPEN_ACTION, "value": ask.channel_id, "style": "primary"}
        actions = {"type": "actions", "block_id": "appt_form_open", "elements": [button]}
        return Reply(text=text, blocks=[_section(text), actions])

    def on_open(
        self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: Any
    ) -> None:
        ack()
        channel = values.channel_id(
            body["actions"][0].get("value") or (body.get("container") or {}).get("channel_id")
        )
        zone = self.people.timezone(context.team_id, body["user"]["id"])
        view = form_view(FormFields(), FormMeta(channel), zone, self.kinds)
        if not _open(client, body["trigger_id"], view):
            respond(text=LATE, replace_original=False)

    def on_edit(
        self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: Any
    ) -> None:
        ack()
        actor = actor_of(body, context.team_id)
        draft_id = str(body["actions"][0]["value"])
        try:
            proposal = self.booking.draft(actor, draft_id)
        except BookingRefused as refused:
            respond(text=escape(str(refused)), replace_original=True)
            return
        zone = self.people.timezone(actor.team_id, actor.user_id)
        kept = KindChoice(proposal.kind, proposal.label)
        meta = FormMeta(proposal.channel_id, draft_id, kept)
        self.booking.keep_reply_url(actor, draft_id, body.get("response_url"))
        prefill = form.prefill_of(proposal, zone, self.kinds)
        if not _open(client, body["trigger_id"], form_view(prefill, meta, zone, self.kinds)):
            respond(text=LATE, replace_original=False)

    def on_submit(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: Any
    ) -> None:
        team, user = context.team_id, body["user"]["id"]
        meta = FormMeta.load(view.get("private_metadata"))
        if meta.kept is not None and meta.kept.kind not in self.kinds:
            raise values.BadValue(values.FORM_DAMAGED)
        fields = fields_of(view["state"]["values"])
        outcome = self.form.read(team, user, meta.channel, fields, kept=meta.kept)
        if isinstance(outcome, dict):
            ack(response_action="errors", errors=outcome)
            return
        if meta.draft:  # only the booker's own draft, still waiting, may be edited
            self.booking.draft(actor_of(body, team), meta.draft)
        # The preview is shown and the visit booked there: a channel Slack shows the bot.
        values.existing_channel(client, meta.channel, user=user)
        # Only a valid submission claims the view: one answered with errors comes back.
        if not self.first_time(team, f"view:{view['id']}"):
            ack()
            return
        ack()
        actor = Actor(team, user, meta.channel or None, actor_of(body, context.team_id).request_id)
        reply_url = None
        if meta.draft:  # the edited preview's draft: its message is replaced below
            reply_url = self.booking.reply_url(actor, meta.draft)
            self.booking.discard(actor, meta.draft)
        try:
            preview = self.booking.preview_of(actor, outcome, self.people.timezone(team, user))
        except Refused as refused:  # a booking problem, or an existing patient for an outsider
            _show(client, meta, user, reply_url, Reply(text=escape(str(refused))))
            return
        _show(client, meta, user, reply_url, views.preview(preview))


def fields_of(state: dict[str, Any]) -> FormFields:
    """The submitted state as plain values; each input's action_id is its block_id. A picked
    date, time or clinician that no picker sends is refused under its field."""
    typed: dict[str, Any] = {}
    for name in FormFields.__dataclass_fields__:
        entry = (state.get(name) or {}).get(name) or {}
        found = next((entry[key] for key in _STATE_KEYS if entry.get(key)), None)
        if isinstance(found, dict):  # a menu's selected_option
            found = found.get("value")
        if found is not None:
            typed[name] = str(found)
    if form.DATE in typed:
        values.day(typed[form.DATE], form.DATE)
    if form.TIME in typed:
        values.time_of_day(typed[form.TIME], form.TIME)
    if form.CLINICIAN in typed:
        values.user_id(typed[form.CLINICIAN], form.CLINICIAN, what="clinician")
    return FormFields(**typed)


# The text inputs: label, example, most characters, hint. All but the patient are optional.
_TEXTS: dict[str, tuple[str, str, int, str]] = {
    form.PATIENT: ("Patient", form.PATIENT_EXAMPLE, form.MAX_PATIENT_CHARS, ""),
    form.MRN: ("MRN", "88123", MAX_MRN_CHARS, "For a new patient; leave it empty with a P- ref."),
    form.WHEN: ("Or type when", "tomorrow 3pm", form.MAX_WHEN_CHARS,
                "When filled, this wins over the date and time above."),
    form.DURATION: ("Duration", "45 min or 1h30", 40, "Leave empty for the kind's usual length."),
    form.LOCATION: ("Location / room", "Radiology 2", MAX_LOCATION_CHARS, ""),
    form.NOTES: ("Notes", "Fasting from midnight", form.MAX_NOTES_CHARS, ""),
    form.REPEATS: ("Repeats", "every tue and thu 10am for 6 weeks", form.MAX_REPEATS_CHARS,
                   "For a series: days, time and an end (for 6 weeks, until a date, 8 times). "
                   "Leave the date and time above empty."),
}  # fmt: skip


def form_view(
    fields: FormFields, meta: FormMeta, zone: ZoneInfo, kinds: Mapping[str, timedelta] = KINDS
) -> dict[str, Any]:
    """The modal, prefilled from `fields`; its block ids are booking_form's field names."""
    options = {kind: {"text": _plain(kind.capitalize()), "value": kind} for kind in kinds}
    menu = _picker("static_select", "initial_option", options.get(fields.kind or ""))
    menu |= {"options": list(options.values()), "placeholder": _plain("Pick a kind")}
    note = f"Times are in your time zone, {zone.key}. Nothing is booked before you confirm."
    blocks: list[Block] = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]},
        _text(form.PATIENT, fields.patient),
        _text(form.MRN, fields.mrn),
        _input(form.KIND, "Kind of visit", menu),
        _input(form.DATE, "Date", _picker("datepicker", "initial_date", fields.date)),
        _input(form.TIME, "Time", _picker("timepicker", "initial_time", fields.time)),
        _text(form.WHEN, fields.when),
        _text(form.REPEATS, fields.repeats),
        _text(form.DURATION, fields.duration),
        _input(
            form.CLINICIAN, "Clinician", _picker("users_select", "initial_user", fields.clinician)
        ),
        _text(form.LOCATION, fields.location),
        _text(form.NOTES, fields.notes),
    ]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _plain("Edit the visit" if meta.draft else "Book a visit"),
        "submit": _plain("Preview"),
        "close": _plain("Cancel"),
        "private_metadata": meta.dump(),
        "blocks": blocks,
    }


def _open(client: WebClient, trigger_id: str, view: dict[str, Any]) -> bool:
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        log.warning("could not open the booking form: %s", error.response.get("error"))
        return False
    return True


def _show(
    client: WebClient, meta: FormMeta, user: str, reply_url: str | None, reply: Reply
) -> None:
    """In place of the edited preview, else ephemeral where the form was opened, else a DM."""
    if reply_url:
        try:
            answer = WebhookClient(reply_url, timeout=5).send(
                text=reply.text, blocks=reply.blocks, replace_original=True
            )
            if answer.status_code == 200:
                return
            log.info("could not replace the edited preview: %s", answer.body)
        except OSError as error:
            log.info("could not replace the edited preview: %s", type(error).__name__)
    try:
        client.chat_postEphemeral(
            channel=meta.channel, user=user, text=reply.text, blocks=reply.blocks
        )
    except SlackApiError as error:
        log.info("could not show the preview in its channel: %s", error.response.get("error"))
        client.chat_postMessage(channel=user, text=reply.text, blocks=reply.blocks)


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _picker(kind: str, key: str, value: Any) -> Block:
    return {"type": kind, **({key: value} if value else {})}


def _input(block_id: str, label: str, element: Block, hint: str = "") -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": {**element, "action_id": block_id},
        "optional": block_id not in (form.PATIENT, form.KIND),
    }
    return block | ({"hint": _plain(hint)} if hint else {})


def _text(block_id: str, value: str) -> Block:
    label, example, most, hint = _TEXTS[block_id]
    element = _picker("plain_text_input", "initial_value", value) | {
        "placeholder": _plain(f"e.g. {example}"),
        "max_length": most,
        "multiline": block_id == form.NOTES,
    }
    return _input(block_id, label, element, hint)
