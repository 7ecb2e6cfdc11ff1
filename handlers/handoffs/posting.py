"""Writing and posting a handoff: the form (from /handoff, a button, Edit or a message
shortcut), its checks before the ack, the card sent the moment the handoff is stored, and
"Post it again" when Slack refused the post."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.handoffs.changes import FormProblems, HandoffChanges
from bot.handoffs.lists import DELIVER, Handoff, HandoffInput, HandoffReader
from bot.handoffs.rules.handoff import HandoffRefused, Template
from bot.shared.commands import Reply
from handlers.handoffs import cards, delivery, form, form_state
from handlers.kit import values
from handlers.kit.actors import actor_of

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.shared.directory import Directory
    from bot.shared.sweeper import Outbox

log = logging.getLogger(__name__)

SHORTCUT = "handoff_message"
OPEN_ACTION = "open_handoff_form"
LATE = "I couldn't open the form in time (Slack allows 3 seconds). Please try again."
TEMPLATES = frozenset(t.value for t in Template)


class Posting:
    """The handoff form's listeners, and posting a card (or saying why Slack refused it)."""

    def __init__(
        self,
        *,
        slack: WebClient,
        reader: HandoffReader,
        changes: HandoffChanges,
        people: Directory,
        outbox: Outbox,
        first_time: Callable[[str, str], bool],
    ) -> None:
        self.slack, self.reader, self.changes, self.people = slack, reader, changes, people
        self.outbox, self.first_time = outbox, first_time

    def register(self, app: App) -> None:
        app.action(form.TEMPLATE_ACTION)(self.on_template)
        app.view(form.CALLBACK_ID)(self.on_submit)
        app.action(cards.EDIT_ACTION)(self.on_edit)
        app.action(cards.REPOST_ACTION)(self.on_repost)
        app.action(OPEN_ACTION)(self.on_open_form)
        app.shortcut(SHORTCUT)(self.on_shortcut)

    def open_form(self, trigger_id: str, meta: form.FormMeta, prefill: form.Prefill) -> bool:
        view = form.form_view(meta, prefill, form.user_groups(self.slack))
        try:
            self.slack.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as error:
            log.warning("could not open the handoff form: %s", error.response.get("error"))
            return False
        return True

    def publish(self, handoff: Handoff) -> Reply:
        """Send the card its write committed for Slack, now; say what happened. A card Slack
        does not take is retried by the sweep; its receiver already has it by DM."""
        outcome = self.outbox.send_now(handoff.team_id, DELIVER, handoff.ref)
        current = self.reader.find(handoff.team_id, handoff.ref) or handoff
        if current.message_ts:
            return Reply(text=f"Posted {handoff.ref} in <#{handoff.channel_id}>.")
        if outcome is None or outcome.error is None:  # another sender has it in hand
            return Reply(
                text=f"I saved {handoff.ref}; it's being posted in <#{handoff.channel_id}>."
            )
        return delivery.to_author(current, outcome.error)

    def on_open_form(self, ack: Ack, body: dict[str, Any], respond: Respond, context: Any) -> None:
        ack()
        self.changes.may_write(actor_of(body, context.team_id))
        channel = values.channel_id(body["actions"][0].get("value"))
        if not self.open_form(
            body["trigger_id"], form.FormMeta(channel), form.Prefill(channel=channel)
        ):
            respond(text=LATE, replace_original=False)

    def on_shortcut(self, ack: Ack, shortcut: dict[str, Any], context: Any) -> None:
        """Message shortcut: the form with the message as the summary, its channel preselected."""
        ack()
        actor = actor_of(shortcut, context.team_id)
        self.changes.may_write(actor)
        channel = str((shortcut.get("channel") or {}).get("id") or "")
        typed = str((shortcut.get("message") or {}).get("text") or "")
        text = self.reader.plain_message(actor.team_id, typed)
        prefill = form.Prefill(channel=channel, sections=(("summary", text),))
        self.open_form(shortcut["trigger_id"], form.FormMeta(channel), prefill)

    def on_template(self, ack: Ack, body: dict[str, Any], client: WebClient, context: Any) -> None:
        """Switch the open form between I-PASS and SBAR, keeping what was typed in common."""
        ack()
        self.changes.may_write(actor_of(body, context.team_id))
        view = body["view"]
        chosen = (body["actions"][0].get("selected_option") or {}).get("value")
        chosen = values.option(chosen, TEMPLATES, what="I-PASS or SBAR")
        typed_in = form.FormMeta.load(view.get("private_metadata"))
        meta = form.FormMeta(typed_in.channel, Template(chosen), typed_in.editing)
        given, _ = form_state.read_form(form_state.current_values(view), typed_in, None)
        prefill = form.Prefill(
            patient=given.patient,
            channel=given.channel_id or meta.channel,
            receiver=given.receiver,
            severity=given.severity,
            sections=tuple(
                form_state.carry_sections(given.sections, typed_in.template, meta.template)
            ),
        )
        try:
            client.views_update(
                view_id=view["id"],
                hash=view.get("hash"),
                view=form.form_view(meta, prefill, form.user_groups(client)),
            )
        except SlackApiError as error:
            log.info("could not switch the handoff template: %s", error.response.get("error"))

    def on_submit(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: Any
    ) -> None:
        actor = actor_of(body, context.team_id)
        meta = form.FormMeta.load(view.get("private_metadata"))
        if meta.editing:
            editing: Handoff | None = self.reader.for_edit(actor, meta.editing)
        else:
            self.changes.may_write(actor)
            editing = None
        given, errors = form_state.read_form(view["state"]["values"], meta, editing)
        errors |= _field_errors(self.changes.check_form(actor, given, editing), given)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        if not self.first_time(actor.team_id, f"view:{view['id']}"):
            ack()
            return
        ack()
        try:
            if editing is not None:
                edited = self.changes.edit(actor, editing.ref, given)
                cards.refresh_card(self.reader, client, edited)
                return
            handoff = self.changes.create(actor, given)
        except HandoffRefused as refused:
            _tell(client, actor.user_id, given.channel_id, Reply(text=str(refused)))
            return
        _tell(client, actor.user_id, handoff.channel_id, self.publish(handoff))

    def on_edit(
        self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: Any
    ) -> None:
        ack()
        actor = actor_of(body, context.team_id)
        try:
            handoff = self.reader.for_edit(actor, str(body["actions"][0]["value"]))
        except HandoffRefused as refused:
            respond(text=str(refused), replace_original=False, response_type="ephemeral")
            return
        zone = self.people.timezone(actor.team_id, actor.user_id)
        meta = form.FormMeta(handoff.channel_id, handoff.template, handoff.ref)
        view = form.form_view(
            meta, form.prefill_of(handoff, zone), form.user_groups(client), editing=handoff
        )
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as error:
            log.warning("could not open the edit form: %s", error.response.get("error"))
            respond(text=LATE, replace_original=False, response_type="ephemeral")

    def on_repost(self, ack: Ack, body: dict[str, Any], respond: Respond, context: Any) -> None:
        ack()
        actor = actor_of(body, context.team_id)
        try:
            handoff = self.changes.repost(actor, _repost_ref(body["actions"][0].get("value")))
        except HandoffRefused as refused:
            respond(text=str(refused), replace_original=True)
            return
        if handoff.message_ts:
            respond(
                text=f"{handoff.ref} is already posted in <#{handoff.channel_id}>.",
                replace_original=True,
            )
            return
        reply = self.publish(handoff)
        respond(text=reply.text, blocks=reply.blocks, replace_original=True)


def _repost_ref(value: object) -> str:
    """The ref in a "Post it again" value: `H-7:` and the nonce or `list` carebot put there."""
    ref, _, nonce = str(value or "").partition(":")
    if not _REPOST_NONCE.fullmatch(nonce):
        raise values.BadValue(values.BUTTON_DAMAGED)
    return values.ref(ref, "H", "handoff")


_REPOST_NONCE = re.compile(r"[0-9a-f]{8}|list")


def _field_errors(found: FormProblems, given: HandoffInput) -> dict[str, str]:
    """The service's problems under their fields, as plain text."""
    errors: dict[str, str] = {}
    if found.patient:
        errors[form.PATIENT] = _plain_error(found.patient)[:150]
    if found.sections:
        errors[given.template.required] = found.sections
    if found.actions:
        errors[form.ACTIONS] = _plain_error(found.actions)
    if found.channel:
        errors[form.CHANNEL] = _plain_error(found.channel)
    if found.receiver:
        errors[form.ROLE if given.receiver.group_id else form.RECEIVER] = _plain_error(
            found.receiver
        )
    return errors


def _plain_error(text: str) -> str:
    """Modal errors are plain text: say "that channel" rather than show a raw <#C...> token,
    and leave out a list of channels that would only read "(that channel, that channel)"."""
    plainly = _CHANNEL_LIST.sub("", text)
    plainly = _TOKEN.sub(lambda found: _PLAINLY.get(found.group(1), "that"), plainly)
    return plainly[:1].upper() + plainly[1:]


_TOKEN = re.compile(r"<(#|@|!subteam\^)[^<>]*>")
_CHANNEL_LIST = re.compile(r" \((?:<#[^<>]*>(?:, )?)+\)")


_PLAINLY = {"#": "that channel", "@": "that person", "!subteam^": "that group"}


def _tell(client: WebClient, user: str, channel: str, reply: Reply) -> None:
    """Ephemeral in the channel, else a DM."""
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=reply.text, blocks=reply.blocks)
    except SlackApiError:
        try:
            client.chat_postMessage(channel=user, text=reply.text, blocks=reply.blocks)
        except SlackApiError as error:
            log.warning("could not tell the author: %s", error.response.get("error"))
