"""Acknowledging a handoff: the receiver's read-back closes the loop, once."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.handoffs import access, changes
from bot.handoffs import lists as handoffs
from bot.handoffs.lists import Handoff
from bot.handoffs.rules.handoff import MAX_SYNTHESIS_CHARS, MIN_SYNTHESIS_CHARS, HandoffRefused
from bot.shared.rules.mrkdwn import truncate
from handlers.handoffs import cards
from handlers.kit.blocks import context, mrkdwn, plain
from handlers.shared import home

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.runtime.services import Care

log = logging.getLogger(__name__)

ACK_CALLBACK_ID = "handoff_ack_form"
SYNTHESIS = "synthesis"
LATE = "I couldn't open the form in time (Slack allows 3 seconds). Please try again."


def register(app: App, care: Care) -> None:
    app.action(cards.ACK_ACTION)(on_ack)
    app.view(ACK_CALLBACK_ID)(on_ack_submit)


def on_ack(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: Any
) -> None:
    """Acknowledge: only the receiver (or their role) gets the read-back form."""
    ack()
    care: Care = context["care"]
    team, user = context.team_id, body["user"]["id"]
    try:
        handoff = handoffs.get(care, team, str(body["actions"][0]["value"]))
    except HandoffRefused as refused:
        _tell(care, body, respond, context, str(refused))
        return
    refusal = access.acknowledge_refusal_for(care, team, user, handoff)
    if refusal:
        _tell(care, body, respond, context, refusal)
        return
    try:
        client.views_open(trigger_id=body["trigger_id"], view=ack_view(handoff))
    except SlackApiError as error:
        log.warning("could not open the read-back form: %s", error.response.get("error"))
        _tell(care, body, respond, context, LATE)


def _tell(care: Care, body: dict[str, Any], respond: Respond, context: Any, text: str) -> None:
    """Only to the one who clicked: ephemeral under the message, or on their Home tab."""
    if home.in_home(body):  # the Home tab has no response_url
        home.notice(care, context.team_id, body, text)
    else:
        respond(text=text, replace_original=False, response_type="ephemeral")


def on_ack_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: Any
) -> None:
    care: Care = context["care"]
    team, user = context.team_id, body["user"]["id"]
    ref = json.loads(view.get("private_metadata") or "{}").get("h", "")
    typed = str(
        ((view["state"]["values"].get(SYNTHESIS) or {}).get(SYNTHESIS) or {}).get("value") or ""
    )
    try:
        changed = changes.acknowledge(care, team, user, ref, typed)
    except HandoffRefused as refused:
        if "read the handoff back" in str(refused) or "short synthesis" in str(refused):
            ack(response_action="errors", errors={SYNTHESIS: str(refused)})
        else:
            ack(response_action="update", view=notice_view("Not acknowledged", str(refused)))
        return
    if not changed.first:
        handoff = changed.handoff
        ack(
            response_action="update",
            view=notice_view(
                "Already acknowledged",
                f"<@{handoff.acknowledged_by}> acknowledged {handoff.ref} first; "
                "their read-back stands.",
            ),
        )
        return
    ack()
    cards.refresh_card(care, client, changed.handoff)


def ack_view(handoff: Handoff) -> dict[str, Any]:
    """The read-back modal: the receiver says back what they took over."""
    first = handoff.template.sections[0]
    excerpt = truncate(handoff.sections.get(first.key, ""), 2_800)
    return {
        "type": "modal",
        "callback_id": ACK_CALLBACK_ID,
        "title": plain(f"Acknowledge {handoff.ref}"[:24]),
        "submit": plain("Acknowledge"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps({"h": handoff.ref}),
        "blocks": [
            context(f"{handoff.severity.badge} · {handoff.patient} · from <@{handoff.author_id}>"),
            {"type": "section", "text": plain(excerpt or "(no text)")},
            {
                "type": "input",
                "block_id": SYNTHESIS,
                "label": plain("Your read-back (synthesis)"),
                "hint": plain(
                    "In your own words: what you are taking over and what you will watch for."
                ),
                "element": {
                    "type": "plain_text_input",
                    "action_id": SYNTHESIS,
                    "multiline": True,
                    "min_length": MIN_SYNTHESIS_CHARS,
                    "max_length": MAX_SYNTHESIS_CHARS,
                    "placeholder": plain(
                        "Watching UOP overnight; will call cardiology if under 30 ml/h"
                    ),
                },
            },
        ],
    }


def notice_view(title: str, text: str) -> dict[str, Any]:
    """A modal that only says something, e.g. that someone acknowledged first."""
    return {
        "type": "modal",
        "title": plain(title[:24]),
        "close": plain("Close"),
        "blocks": [{"type": "section", "text": mrkdwn(text)}],
    }
