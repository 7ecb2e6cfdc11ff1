"""/handoff: post I-PASS or SBAR handoffs to care-team channels and close the loop."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from bot.handoffs import access, changes
from bot.handoffs import lists as handoffs
from bot.handoffs.rules.handoff import QUICK_USAGE, HandoffRefused
from bot.shared.access import refuse_outside_care_team
from bot.shared.audit_trail import parse_ref
from bot.shared.commands import Ask, Command, Reply
from handlers.handoffs import cards, form, posting
from handlers.shared import home

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.runtime.services import Care

log = logging.getLogger(__name__)

USAGE = (
    "/handoff (on its own) opens the I-PASS form (switch to SBAR in it)",
    QUICK_USAGE,
    "/handoff P-4 unstable to @social-work: discharge blocked, needs placement today",
    "/handoff list: waiting for your acknowledgement, sent by you, your action items",
    "/handoff show H-7",
    "Message menu (⋮) > Hand off this message",
)


def register(app: App, care: Care) -> None:
    care.commands.add(
        Command(
            "handoff",
            "Hand a patient over to a care team, I-PASS or SBAR",
            USAGE,
            lambda ask: run(care, ask),
        )
    )
    app.action(cards.DONE_ACTION)(on_done)


def run(care: Care, ask: Ask) -> Reply | None:
    verb, _, rest = ask.text.strip().partition(" ")
    try:
        if not verb:
            return _open_form(care, ask)
        showing = verb.lower() == "show"
        if showing or (verb.lower() == "list" and not rest):
            ref = parse_ref(rest) if showing else None
            doing = "look up handoffs" if showing else "list handoffs"
            refused = refuse_outside_care_team(care, ask, doing, ref)
            if refused is not None:
                return refused
        if verb.lower() == "list" and not rest:
            mine = handoffs.mine(care, ask.team_id, ask.user_id)
            zone = care.people.timezone(ask.team_id, ask.user_id)
            return cards.list_reply(mine.waiting, mine.sent, mine.items, zone)
        if verb.lower() == "show":
            handoff = handoffs.get(care, ask.team_id, rest)
            access.check_can_read(care, handoff, ask.user_id)
            zone = care.people.timezone(ask.team_id, ask.user_id)
            shown = cards.card(handoff, zone, buttons=False)
            return Reply(text=shown.text, blocks=shown.blocks)
        given = handoffs.read_quick(ask.text, ask.channel_id)
        handoff = changes.create(care, ask.team_id, ask.user_id, given, ask.request_id)
    except HandoffRefused as refused:
        return Reply(text=str(refused))
    return posting.publish(care, care.slack, handoff)


def _open_form(care: Care, ask: Ask) -> Reply | None:
    meta = form.FormMeta(ask.channel_id)
    if ask.trigger_id and posting.open_form(
        care, ask.trigger_id, meta, form.Prefill(channel=ask.channel_id)
    ):
        return None
    text = "Write a handoff with the I-PASS form (SBAR is one click away in it)."
    button = {"type": "button", "text": {"type": "plain_text", "text": "Open the handoff form"}}
    button |= {"action_id": posting.OPEN_ACTION, "value": ask.channel_id, "style": "primary"}
    return Reply(
        text=text,
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "actions", "elements": [button]},
        ],
    )


def on_done(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: Any
) -> None:
    ack()
    care: Care = context["care"]
    team, user = context.team_id, body["user"]["id"]
    chosen = json.loads(body["actions"][0]["value"])
    try:
        changed = changes.mark_done(care, team, user, str(chosen["h"]), int(chosen["i"]))
    except HandoffRefused as refused:
        if home.in_home(body):
            home.notice(care, team, body, str(refused))
        else:
            respond(text=str(refused), replace_original=False, response_type="ephemeral")
        return
    cards.refresh_card(care, client, changed.handoff)
    if home.in_home(body):  # no response_url there: the change itself redraws the Home tab
        if not changed.first:
            home.notice(care, team, body, "Someone ticked that item off already.")
        return
    container = body.get("container") or {}
    in_card = container.get("message_ts") == changed.handoff.message_ts
    if not in_card:  # a reminder DM: show the outcome where it was clicked
        item = next(i for i in changed.handoff.items if i.position == int(chosen["i"]))
        line = cards.item_line(item, care.people.timezone(team, user))
        respond(text=f"{changed.handoff.ref}: {line}", replace_original=True)
    elif not changed.first:
        respond(
            text="Someone ticked that item off already.",
            replace_original=False,
            response_type="ephemeral",
        )
