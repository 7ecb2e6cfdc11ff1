"""Acknowledging a handoff: the receiver's read-back closes the loop, once."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.handoffs.changes import HandoffChanges
from bot.handoffs.lists import ACKNOWLEDGED, Handoff, HandoffReader
from bot.handoffs.rules.handoff import MAX_SYNTHESIS_CHARS, MIN_SYNTHESIS_CHARS, HandoffRefused
from bot.shared.rules.mrkdwn import truncate
from bot.shared.rules.refusals import Refused
from handlers.handoffs import cards
from handlers.kit import values
from handlers.kit.actors import actor_of
from handlers.kit.blocks import context, mrkdwn, plain
from handlers.shared import home

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.shared.sweeper import Outbox

log = logging.getLogger(__name__)

ACK_CALLBACK_ID = "handoff_ack_form"
SYNTHESIS = "synthesis"
LATE = "I couldn't open the form in time (Slack allows 3 seconds). Please try again."
# Answer a click in the Home tab on the tab itself: (team, body, text).
Notice = Callable[[str, dict[str, Any], str], None]


class ReadBacks:
    """The Acknowledge button (card, DM nudge, Home) and the read-back form it opens."""

    def __init__(
        self, *, reader: HandoffReader, changes: HandoffChanges, notice: Notice, outbox: Outbox
    ) -> None:
        self.reader, self.changes, self.notice, self.outbox = reader, changes, notice, outbox

    def register(self, app: App) -> None:
        app.action(cards.ACK_ACTION)(self.on_ack)
        app.view(ACK_CALLBACK_ID)(self.on_ack_submit)

    def on_ack(
        self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: Any
    ) -> None:
        """Acknowledge: only the receiver (or their role) gets the read-back form."""
        ack()
        actor = actor_of(body, context.team_id)
        try:
            handoff = self.reader.for_read_back(actor, str(body["actions"][0]["value"]))
        except Refused as refused:  # said where it was clicked, the Home tab included
            self._tell(body, respond, actor.team_id, str(refused))
            return
        try:
            client.views_open(trigger_id=body["trigger_id"], view=ack_view(handoff))
        except SlackApiError as error:
            log.warning("could not open the read-back form: %s", error.response.get("error"))
            self._tell(body, respond, actor.team_id, LATE)

    def _tell(self, body: dict[str, Any], respond: Respond, team: str, text: str) -> None:
        """Only to the one who clicked: ephemeral under the message, or on their Home tab."""
        if home.in_home(body):  # the Home tab has no response_url
            self.notice(team, body, text)
        else:
            respond(text=text, replace_original=False, response_type="ephemeral")

    def on_ack_submit(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: Any
    ) -> None:
        actor = actor_of(body, context.team_id)
        ref = values.ref(values.text(values.metadata(view), "h"), "H", "handoff")
        typed = str(
            ((view["state"]["values"].get(SYNTHESIS) or {}).get(SYNTHESIS) or {}).get("value") or ""
        )
        try:
            changed = self.changes.acknowledge(actor, ref, typed)
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
        cards.refresh_card(self.reader, client, changed.handoff)
        # What asked for it is redrawn and the author hears it (the sweep retries this).
        self.outbox.send_now(changed.handoff.team_id, ACKNOWLEDGED, changed.handoff.ref)


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
