"""Writing and posting a handoff: the form (from /handoff, a button, Edit or a message
shortcut), its checks before the ack, and "Post it again" when Slack refused the post."""

from __future__ import annotations

import logging
import re
import uuid
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.handoffs import access, changes
from bot.handoffs import lists as handoffs
from bot.handoffs.lists import Handoff, HandoffInput
from bot.handoffs.rules.actions import parse_actions
from bot.handoffs.rules.handoff import HandoffRefused, Template, check_sections
from bot.shared.commands import Reply
from handlers.handoffs import cards, form, form_state

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.runtime.services import Care

log = logging.getLogger(__name__)

SHORTCUT = "handoff_message"
OPEN_ACTION = "open_handoff_form"


def register(app: App, care: Care) -> None:
    app.action(form.TEMPLATE_ACTION)(on_template)
    app.view(form.CALLBACK_ID)(on_submit)
    app.action(cards.EDIT_ACTION)(on_edit)
    app.action(cards.REPOST_ACTION)(on_repost)
    app.action(OPEN_ACTION)(on_open_form)
    app.shortcut(SHORTCUT)(on_shortcut)


LATE = "I couldn't open the form in time (Slack allows 3 seconds). Please try again."


def open_form(care: Care, trigger_id: str, meta: form.FormMeta, prefill: form.Prefill) -> bool:
    view = form.form_view(meta, prefill, form.user_groups(care.slack))
    try:
        care.slack.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        log.warning("could not open the handoff form: %s", error.response.get("error"))
        return False
    return True


def publish(care: Care, client: WebClient, handoff: Handoff) -> Reply:
    """Post the card; if Slack refuses, the handoff is kept and the author can post it again."""
    zone = care.settings.timezone
    shown = cards.card(handoff, zone)
    try:
        result = client.chat_postMessage(
            channel=handoff.channel_id, text=shown.text, blocks=shown.blocks
        )
    except SlackApiError as error:
        problem = error.response.get("error") or "an error"
        log.warning("could not post %s: %s", handoff.ref, problem)
        return _unposted(handoff, str(problem))
    changes.record_posted(care, handoff, str(result["ts"]))
    return Reply(text=f"Posted {handoff.ref} in <#{handoff.channel_id}>.")


def _unposted(handoff: Handoff, problem: str) -> Reply:
    reasons = {
        "not_in_channel": "I'm not in that channel: invite me with `/invite @carebot`.",
        "channel_not_found": "I can't see that channel: invite me with `/invite @carebot`.",
        "is_archived": "that channel is archived.",
    }
    reason = reasons.get(problem, f"Slack said {problem}.")
    text = f"I saved {handoff.ref} but couldn't post it: {reason} Nothing is lost."
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Post it again"},
        "action_id": cards.REPOST_ACTION,
        # A fresh value per failure, so "Post it again" can be pressed again after this one.
        "value": f"{handoff.ref}:{uuid.uuid4().hex[:8]}",
    }
    return Reply(
        text=text,
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "actions", "elements": [button]},
        ],
    )


def on_open_form(ack: Ack, body: dict[str, Any], respond: Respond, context: Any) -> None:
    ack()
    care: Care = context["care"]
    channel = str(body["actions"][0].get("value") or "")
    if not open_form(
        care, body["trigger_id"], form.FormMeta(channel), form.Prefill(channel=channel)
    ):
        respond(text=LATE, replace_original=False)


def on_shortcut(ack: Ack, shortcut: dict[str, Any], context: Any) -> None:
    """Message shortcut: the form with the message as the summary, its channel preselected."""
    ack()
    care: Care = context["care"]
    channel = str((shortcut.get("channel") or {}).get("id") or "")
    typed = str((shortcut.get("message") or {}).get("text") or "")
    text = handoffs.plain_message(care, context.team_id, typed)
    prefill = form.Prefill(channel=channel, sections=(("summary", text),))
    open_form(care, shortcut["trigger_id"], form.FormMeta(channel), prefill)


def on_template(ack: Ack, body: dict[str, Any], client: WebClient, context: Any) -> None:
    """Switch the open form between I-PASS and SBAR, keeping what was typed in common."""
    ack()
    view = body["view"]
    chosen = body["actions"][0]["selected_option"]["value"]
    typed_in = form.FormMeta.load(view.get("private_metadata", ""))
    meta = form.FormMeta(typed_in.channel, Template(chosen), typed_in.editing)
    given, _ = form_state.read_form(form_state.current_values(view), typed_in, None)
    prefill = form.Prefill(
        patient=given.patient,
        channel=given.channel_id or meta.channel,
        receiver=given.receiver,
        severity=given.severity,
        sections=tuple(form_state.carry_sections(given.sections, typed_in.template, meta.template)),
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
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: Any
) -> None:
    care: Care = context["care"]
    team, user = context.team_id, body["user"]["id"]
    meta = form.FormMeta.load(view.get("private_metadata", ""))
    editing = handoffs.get(care, team, meta.editing) if meta.editing else None
    given, errors = form_state.read_form(view["state"]["values"], meta, editing)
    errors |= _field_errors(care, team, user, given, editing)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    if not care.first_time(team, f"view:{view['id']}"):
        ack()
        return
    ack()
    try:
        if editing is not None:
            edited = changes.edit(care, team, user, editing.ref, given)
            cards.refresh_card(care, client, edited)
            return
        handoff = changes.create(care, team, user, given, "")
    except HandoffRefused as refused:
        _tell(client, user, given.channel_id, Reply(text=str(refused)))
        return
    _tell(client, user, handoff.channel_id, publish(care, client, handoff))


def _field_errors(
    care: Care, team: str, user: str, given: HandoffInput, editing: Handoff | None
) -> dict[str, str]:
    """Problems to show under their fields, checked before the ack."""
    errors: dict[str, str] = {}
    if editing is None:
        try:
            changes.check_patient(care, team, given.patient)
        except HandoffRefused as problem:
            errors[form.PATIENT] = _plain_error(str(problem))[:150]
    try:
        check_sections(given.template, given.sections)
    except HandoffRefused as problem:
        errors[given.template.required] = str(problem)
    try:
        zone = care.people.timezone(team, user)
        items = parse_actions(given.actions, care.times, care.clock.now(), zone)
        access.check_owners(care, team, items)
    except HandoffRefused as problem:
        errors[form.ACTIONS] = _plain_error(str(problem))
    if editing is None and given.channel_id:
        try:
            access.check_channel(care, team, user, given.channel_id)
        except HandoffRefused as problem:
            errors[form.CHANNEL] = _plain_error(str(problem))
    try:
        access.check_receiver(care, team, user, given.receiver)
    except HandoffRefused as problem:
        errors[form.ROLE if given.receiver.group_id else form.RECEIVER] = _plain_error(str(problem))
    return errors


def _plain_error(text: str) -> str:
    """Modal errors are plain text: say "that channel" rather than show a raw <#C...> token."""
    plainly = _TOKEN.sub(lambda found: _PLAINLY.get(found.group(1), "that"), text)
    return plainly[:1].upper() + plainly[1:]


_TOKEN = re.compile(r"<(#|@|!subteam\^)[^<>]*>")


_PLAINLY = {"#": "that channel", "@": "that person", "!subteam^": "that group"}


def on_edit(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: Any
) -> None:
    ack()
    care: Care = context["care"]
    team, user = context.team_id, body["user"]["id"]
    try:
        handoff = handoffs.get(care, team, str(body["actions"][0]["value"]))
        if user != handoff.author_id:
            raise HandoffRefused(
                f"Only <@{handoff.author_id}>, who wrote {handoff.ref}, can edit it."
            )
    except HandoffRefused as refused:
        respond(text=str(refused), replace_original=False, response_type="ephemeral")
        return
    zone = care.people.timezone(team, user)
    meta = form.FormMeta(handoff.channel_id, handoff.template, handoff.ref)
    view = form.form_view(
        meta, form.prefill_of(handoff, zone), form.user_groups(client), editing=handoff
    )
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as error:
        log.warning("could not open the edit form: %s", error.response.get("error"))
        respond(text=LATE, replace_original=False, response_type="ephemeral")


def on_repost(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: Any
) -> None:
    ack()
    care: Care = context["care"]
    try:
        ref = str(body["actions"][0]["value"]).partition(":")[0]
        handoff = handoffs.get(care, context.team_id, ref)
    except HandoffRefused as refused:
        respond(text=str(refused), replace_original=True)
        return
    if handoff.message_ts:
        respond(
            text=f"{handoff.ref} is already posted in <#{handoff.channel_id}>.",
            replace_original=True,
        )
        return
    reply = publish(care, client, handoff)
    respond(text=reply.text, blocks=reply.blocks, replace_original=True)


def _tell(client: WebClient, user: str, channel: str, reply: Reply) -> None:
    """Ephemeral in the channel, else a DM."""
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=reply.text, blocks=reply.blocks)
    except SlackApiError:
        try:
            client.chat_postMessage(channel=user, text=reply.text, blocks=reply.blocks)
        except SlackApiError as error:
            log.warning("could not tell the author: %s", error.response.get("error"))
