"""The new pre-approval modal (/preauth new), and what the pre-approval modals share.

A submission is checked before the ack, so a problem comes back under its field and the
form stays open; a good one closes the modal and the result is shown where it was opened.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.preapprovals.handed import HANDED
from bot.preapprovals.items import PreapprovalRefused
from bot.preapprovals.rules.preapproval import Urgency
from bot.shared.access import Actor
from bot.shared.commands import Ask, Block, Reply
from bot.shared.rules.mrkdwn import escape
from bot.shared.rules.refusals import Refused
from handlers.kit import values
from handlers.preapprovals import views

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.preapprovals.opening import Opening
    from bot.shared.directory import Directory
    from bot.shared.sweeper import Outbox

log = logging.getLogger(__name__)

NEW_FORM = "preauth_new_form"
OPEN_ACTION = "open_preauth_form"
LATE = "I couldn't open the form in time (Slack allows 3 seconds). Please click again."
URGENCIES = frozenset(u.value for u in Urgency)
_STATE_KEYS = ("value", "selected_option", "selected_date", "selected_user")
# block id: (label, placeholder, max length, optional, multiline)
_TEXTS: dict[str, tuple[str, str, int, bool, bool]] = {
    "patient": ("Patient", "Jane Doe, Jane Doe MRN 88123, or P-4", 140, False, False),
    "payer": ("Payer", "Aetna", 120, False, False),
    "service": ("Service", "MRI lumbar spine", 200, False, False),
    "codes": ("CPT / HCPCS codes", "72148", 200, True, False),
    "diagnosis": ("Diagnosis codes (ICD-10)", "M54.5 M51.26", 200, True, False),
    "appointment": ("Linked visit", "A-12, or S-2 (a series): sets needed-by", 12, True, False),
    "needed_by": ("Needed by", "friday, or 2027-03-09", 64, True, False),
    "payer_ref": ("Payer reference", "REF-778812", 64, True, False),
    "notes": ("Notes", "Clinicals faxed to the payer", 1000, True, True),
}  # fmt: skip


def plain_text(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def input_block(block_id: str, label: str, element: Block, optional: bool) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain_text(label),
        "element": {**element, "action_id": block_id},
        "optional": optional,
    }


def _text(block_id: str) -> Block:
    label, example, most, optional, multiline = _TEXTS[block_id]
    element = {
        "type": "plain_text_input",
        "placeholder": plain_text(f"e.g. {example}"[:150]),
        "max_length": most,
        "multiline": multiline,
    }
    return input_block(block_id, label, element, optional)


def new_view(user: str, channel: str) -> dict[str, Any]:
    urgency = [{"text": plain_text(u.value.capitalize()), "value": u.value} for u in Urgency]
    blocks = [
        _text("patient"),
        _text("payer"),
        _text("service"),
        _text("codes"),
        _text("diagnosis"),
        _text("appointment"),
        _text("needed_by"),
        input_block("owner", "Owner", {"type": "users_select", "initial_user": user}, False),
        input_block(
            "urgency",
            "Urgency",
            {"type": "static_select", "options": urgency, "initial_option": urgency[0]},
            False,
        ),
        _text("payer_ref"),
        _text("notes"),
    ]
    return {
        "type": "modal",
        "callback_id": NEW_FORM,
        "title": plain_text("New pre-approval"),
        "submit": plain_text("Open it"),
        "close": plain_text("Cancel"),
        "private_metadata": json.dumps({"c": channel}),
        "blocks": blocks,
    }


def open_view(client: WebClient, trigger_id: str | None, view: dict[str, Any]) -> bool:
    if not trigger_id:
        return False
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        log.warning("could not open a pre-approval form: %s", error.response.get("error"))
        return False
    return True


def open_form(slack: WebClient, ask: Ask) -> Reply | None:
    """/preauth new on its own: the form at once when Slack gave a trigger, else a button."""
    if open_view(slack, ask.trigger_id, new_view(ask.user_id, ask.channel_id)):
        return None
    text = "Open a pre-approval with the form, or type it: `/preauth new Jane Doe, Aetna, MRI`."
    button = {"type": "button", "text": plain_text("Open the form"), "action_id": OPEN_ACTION}
    button |= {"value": ask.channel_id, "style": "primary"}
    actions = {"type": "actions", "block_id": "preauth_form_open", "elements": [button]}
    return Reply(text=text, blocks=[views.section(text), actions])


def on_open(ack: Ack, body: dict[str, Any], client: WebClient, respond: Any, context: Any) -> None:
    ack()
    user = body["user"]["id"]
    channel = str(body["actions"][0].get("value") or user)
    channel = channel if channel == user else values.channel_id(channel)
    if not open_view(client, body["trigger_id"], new_view(body["user"]["id"], channel)):
        respond(text=LATE, replace_original=False)


def values_of(view: dict[str, Any]) -> dict[str, str]:
    """A submission's state as plain strings by block id (an input's action id is its block id)."""
    found: dict[str, str] = {}
    for block_id, entries in view["state"]["values"].items():
        entry = entries.get(block_id) or {}
        value = next((entry[key] for key in _STATE_KEYS if entry.get(key)), None)
        if isinstance(value, dict):
            value = value.get("value")
        if value is not None and str(value).strip():
            found[block_id] = str(value).strip()
    return found


class NewForm:
    """The new pre-approval modal's listeners, bound to the service that opens requests."""

    def __init__(
        self,
        *,
        opening: Opening,
        people: Directory,
        outbox: Outbox,
        first_time: Callable[[str, str], bool],
    ) -> None:
        self.opening, self.people, self.first_time = opening, people, first_time
        self.outbox = outbox

    def register(self, app: App) -> None:
        app.action(OPEN_ACTION)(on_open)
        app.view(NEW_FORM)(self.on_submit)

    def on_submit(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: Any
    ) -> None:
        team, user = context.team_id, body["user"]["id"]
        channel = form_channel(view, user)
        typed = values_of(view)
        state = view["state"]["values"]
        # The menu starts on the opener and may be left empty: then the opener owns it.
        owner = values.optional_user_id(
            ((state.get("owner") or {}).get("owner") or {}).get("selected_user"),
            "owner",
            what="owner",
        )
        typed["owner"] = owner or user
        urgency = typed.get("urgency", Urgency.STANDARD.value)
        values.option(urgency, URGENCIES, "urgency", "the urgency")
        actor = Actor(team, user, channel if channel != user else None)
        request = self.opening.read_form(actor, typed)
        if isinstance(request, dict):
            ack(response_action="errors", errors=request)
            return
        if channel != user:  # the request is kept with this channel: one Slack shows the bot
            values.existing_channel(client, channel, user=user)
        if not self.first_time(team, f"view:{view['id']}"):
            ack()
            return
        ack()
        try:
            item = self.opening.create(actor, request)
            self.outbox.send_now(team, HANDED, item.ref)  # the owner's DM, if not the opener
            reply = views.created(item, self.people.timezone(team, user))
        except PreapprovalRefused as refused:
            reply = Reply(text=escape(str(refused)))
        except Refused as refused:  # shown where the form was opened, like any other answer
            reply = Reply(text=str(refused))
        show(client, channel, user, reply)


def form_channel(view: dict[str, Any], user: str) -> str:
    """Where a pre-approval form was opened, from its metadata: a channel, or the person's own
    id when there was none (the Home tab, a DM)."""
    where = values.text(values.metadata(view), "c") or user
    return where if where == user else values.channel_id(where)


def show(client: WebClient, channel: str, user: str, reply: Reply) -> None:
    """Ephemeral where the form was opened; in the DM when that fails (or it was a DM)."""
    if channel[:1] in ("C", "G"):
        try:
            client.chat_postEphemeral(
                channel=channel, user=user, text=reply.text, blocks=reply.blocks
            )
            return
        except SlackApiError as error:
            log.info("could not answer in the form's channel: %s", error.response.get("error"))
    client.chat_postMessage(channel=user, text=reply.text, blocks=reply.blocks)
