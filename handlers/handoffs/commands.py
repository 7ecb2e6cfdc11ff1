"""/handoff: post I-PASS or SBAR handoffs to care-team channels and close the loop."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.handoffs.changes import HandoffChanges
from bot.handoffs.lists import HandoffReader, read_quick
from bot.handoffs.rules.handoff import QUICK_USAGE
from bot.shared.access import Actor
from bot.shared.commands import Ask, Command, CommandRegistry, Reply
from bot.shared.rules.mrkdwn import quoted
from bot.shared.rules.near_miss import meant
from bot.shared.rules.refusals import Refused
from handlers.handoffs import cards, form
from handlers.handoffs.ack import Notice
from handlers.handoffs.posting import OPEN_ACTION, Posting
from handlers.kit import values
from handlers.kit.actors import actor_of
from handlers.shared import home

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.shared.directory import Directory

log = logging.getLogger(__name__)

USAGE = (
    "/handoff (on its own) opens the I-PASS form (switch to SBAR in it)",
    QUICK_USAGE,
    "/handoff P-4 unstable to @social-work: discharge blocked, needs placement today",
    "/handoff list: waiting for your acknowledgement, sent by you, your action items",
    "/handoff show H-7",
    "Message menu (⋮) > Hand off this message",
)


class HandoffCommand:
    """/handoff and its verbs, and the Done button of an action item (card, DM or Home)."""

    def __init__(
        self,
        *,
        reader: HandoffReader,
        changes: HandoffChanges,
        people: Directory,
        posting: Posting,
        notice: Notice,
    ) -> None:
        self.reader, self.changes, self.people = reader, changes, people
        self.posting, self.notice = posting, notice

    def register(self, app: App, commands: CommandRegistry) -> None:
        commands.add(
            Command(
                "handoff", "Hand a patient over to a care team, I-PASS or SBAR", USAGE, self.run
            )
        )
        app.action(cards.DONE_ACTION)(self.on_done)

    def run(self, ask: Ask) -> Reply | None:
        actor = Actor.of(ask)
        verb, _, rest = ask.text.strip().partition(" ")
        if not verb:
            return self._open_form(actor, ask)
        if verb.lower() == "list" and not rest:
            mine = self.reader.mine(actor)
            zone = self.people.timezone(ask.team_id, ask.user_id)
            return cards.list_reply(mine.waiting, mine.sent, mine.items, zone)
        if verb.lower() == "show":
            handoff = self.reader.show(actor, rest)
            zone = self.people.timezone(ask.team_id, ask.user_id)
            shown = cards.card(handoff, zone, buttons=False)
            return Reply(text=shown.text, blocks=shown.blocks)
        guess = meant(verb, ("list", "show")) if ":" not in ask.text else None
        if guess is not None:  # "/handoff lsit" is no handoff for a patient called Lsit
            return Reply(
                text=f"I don't know `/handoff {quoted(verb)}`: did you mean `/handoff {guess}`?"
            )
        handoff = self.changes.create(actor, read_quick(ask.text, ask.channel_id))
        return self.posting.publish(handoff)

    def _open_form(self, actor: Actor, ask: Ask) -> Reply | None:
        self.changes.may_write(actor)
        meta = form.FormMeta(ask.channel_id)
        if ask.trigger_id and self.posting.open_form(
            ask.trigger_id, meta, form.Prefill(channel=ask.channel_id)
        ):
            return None
        text = "Write a handoff with the I-PASS form (SBAR is one click away in it)."
        button = {"type": "button", "text": {"type": "plain_text", "text": "Open the handoff form"}}
        button |= {"action_id": OPEN_ACTION, "value": ask.channel_id, "style": "primary"}
        return Reply(
            text=text,
            blocks=[
                {"type": "section", "text": {"type": "mrkdwn", "text": text}},
                {"type": "actions", "elements": [button]},
            ],
        )

    def on_done(
        self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: Any
    ) -> None:
        ack()
        actor = actor_of(body, context.team_id)
        chosen = values.json_object(body["actions"][0].get("value"))
        ref = values.ref(values.text(chosen, "h", values.BUTTON_DAMAGED), "H", "handoff")
        position = values.whole_number(chosen.get("i"))
        try:
            changed = self.changes.mark_done(actor, ref, position)
        except Refused as refused:  # said where it was clicked, the Home tab included
            if home.in_home(body):
                self.notice(actor.team_id, body, str(refused))
            else:
                respond(text=str(refused), replace_original=False, response_type="ephemeral")
            return
        cards.refresh_card(self.reader, client, changed.handoff)
        if home.in_home(body):  # no response_url there: the change itself redraws the Home tab
            if not changed.first:
                self.notice(actor.team_id, body, "Someone ticked that item off already.")
            return
        container = body.get("container") or {}
        in_card = container.get("message_ts") == changed.handoff.message_ts
        if not in_card:  # a reminder DM: show the outcome where it was clicked
            item = changed.handoff.item(position)
            if item is not None:
                line = cards.item_line(item, self.people.timezone(actor.team_id, actor.user_id))
                respond(text=f"{changed.handoff.ref}: {line}", replace_original=True)
        elif not changed.first:
            respond(
                text="Someone ticked that item off already.",
                replace_original=False,
                response_type="ephemeral",
            )
