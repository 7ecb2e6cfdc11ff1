"""/handoff: post I-PASS or SBAR handoffs to care-team channels and close the loop."""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot import handoffs
from bot.commands import Ask, Command, Reply
from bot.core.handoff_actions import parse_actions
from bot.core.handoffs import QUICK_USAGE, HandoffRefused, Template, check_sections
from bot.core.quickform import QuickFormError, read_patient
from bot.handoffs import Handoff, HandoffInput
from handlers import handoff_cards as cards
from handlers import handoff_escalation
from handlers import handoff_form as form

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.services import Care

log = logging.getLogger(__name__)

USAGE = (
    "/handoff (on its own) opens the I-PASS form (switch to SBAR in it)",
    QUICK_USAGE,
    "/handoff P-4 unstable to @social-work: discharge blocked, needs placement today",
    "/handoff list: waiting for your acknowledgement, sent by you, your action items",
    "/handoff show H-7",
    "Message menu (⋮) > Hand off this message",
)
SHORTCUT = "handoff_message"
LATE = "I couldn't open the form in time (Slack allows 3 seconds). Please try again."


def register(app: App, care: Care) -> None:
    care.commands.add(
        Command("handoff", "Hand a patient over to a care team, I-PASS or SBAR", USAGE, run)
    )
    app.action(form.TEMPLATE_ACTION)(on_template)
    app.view(form.CALLBACK_ID)(on_submit)
    app.view(form.ACK_CALLBACK_ID)(on_ack_submit)
    app.action(cards.ACK_ACTION)(on_ack)
    app.action(cards.DONE_ACTION)(on_done)
    app.action(cards.EDIT_ACTION)(on_edit)
    app.action(cards.REPOST_ACTION)(on_repost)
    app.action("open_handoff_form")(on_open_form)
    app.shortcut(SHORTCUT)(on_shortcut)
    handoff_escalation.register(app, care)


def run(care: Care, ask: Ask) -> Reply | None:
    verb, _, rest = ask.text.strip().partition(" ")
    try:
        if not verb:
            return _open_form(care, ask)
        if verb.lower() == "list" and not rest:
            mine = handoffs.mine(care, ask.team_id, ask.user_id)
            zone = care.people.timezone(ask.team_id, ask.user_id)
            return cards.list_reply(mine.waiting, mine.sent, mine.items, zone)
        if verb.lower() == "show":
            handoff = handoffs.get(care, ask.team_id, rest)
            handoffs.check_can_read(care, handoff, ask.user_id)
            zone = care.people.timezone(ask.team_id, ask.user_id)
            shown = cards.card(handoff, zone, buttons=False)
            return Reply(text=shown.text, blocks=shown.blocks)
        given = handoffs.read_quick(ask.text, ask.channel_id)
        handoff = handoffs.create(care, ask.team_id, ask.user_id, given, ask.request_id)
    except HandoffRefused as refused:
        return Reply(text=str(refused))
    return _publish(care, care.slack, handoff)


def _open_form(care: Care, ask: Ask) -> Reply | None:
    meta = form.FormMeta(ask.channel_id)
    if ask.trigger_id and _open(care, ask.trigger_id, meta, form.Prefill(channel=ask.channel_id)):
        return None
    text = "Write a handoff with the I-PASS form (SBAR is one click away in it)."
    button = {"type": "button", "text": {"type": "plain_text", "text": "Open the handoff form"}}
    button |= {"action_id": "open_handoff_form", "value": ask.channel_id, "style": "primary"}
    return Reply(
        text=text,
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "actions", "elements": [button]},
        ],
    )


def _open(care: Care, trigger_id: str, meta: form.FormMeta, prefill: form.Prefill) -> bool:
    view = form.form_view(meta, prefill, form.user_groups(care.slack))
    try:
        care.slack.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        log.warning("could not open the handoff form: %s", error.response.get("error"))
        return False
    return True


def _publish(care: Care, client: WebClient, handoff: Handoff) -> Reply:
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
    handoffs.record_posted(care, handoff, str(result["ts"]))
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
    if not _open(care, body["trigger_id"], form.FormMeta(channel), form.Prefill(channel=channel)):
        respond(text=LATE, replace_original=False)


def on_shortcut(ack: Ack, shortcut: dict[str, Any], context: Any) -> None:
    """Message shortcut: the form with the message as the summary, its channel preselected."""
    ack()
    care: Care = context["care"]
    channel = str((shortcut.get("channel") or {}).get("id") or "")
    typed = str((shortcut.get("message") or {}).get("text") or "")
    text = handoffs.plain_message(care, context.team_id, typed)
    prefill = form.Prefill(channel=channel, sections=(("summary", text),))
    _open(care, shortcut["trigger_id"], form.FormMeta(channel), prefill)


def on_template(ack: Ack, body: dict[str, Any], client: WebClient, context: Any) -> None:
    """Switch the open form between I-PASS and SBAR, keeping what was typed in common."""
    ack()
    view = body["view"]
    chosen = body["actions"][0]["selected_option"]["value"]
    typed_in = form.FormMeta.load(view.get("private_metadata", ""))
    meta = form.FormMeta(typed_in.channel, Template(chosen), typed_in.editing)
    given, _ = form.read_form(form.current_values(view), typed_in, None)
    prefill = form.Prefill(
        patient=given.patient,
        channel=given.channel_id or meta.channel,
        receiver=given.receiver,
        severity=given.severity,
        sections=tuple(form.carry_sections(given.sections, typed_in.template, meta.template)),
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
    given, errors = form.read_form(view["state"]["values"], meta, editing)
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
            edited = handoffs.edit(care, team, user, editing.ref, given)
            cards_refresh(care, client, edited)
            return
        handoff = handoffs.create(care, team, user, given, "")
    except HandoffRefused as refused:
        _tell(client, user, given.channel_id, Reply(text=str(refused)))
        return
    _tell(client, user, handoff.channel_id, _publish(care, client, handoff))


def _field_errors(
    care: Care, team: str, user: str, given: HandoffInput, editing: Handoff | None
) -> dict[str, str]:
    """Problems to show under their fields, checked before the ack."""
    errors: dict[str, str] = {}
    if editing is None:
        try:
            read_patient(given.patient)
        except QuickFormError as problem:
            errors[form.PATIENT] = str(problem)[:150]
    try:
        check_sections(given.template, given.sections)
    except HandoffRefused as problem:
        errors[given.template.required] = str(problem)
    try:
        zone = care.people.timezone(team, user)
        parse_actions(given.actions, care.times, care.clock.now(), zone)
    except HandoffRefused as problem:
        errors[form.ACTIONS] = str(problem)
    if editing is None and given.channel_id:
        try:
            handoffs.check_channel(care, given.channel_id)
        except HandoffRefused as problem:
            errors[form.CHANNEL] = _plain_error(str(problem))
    try:
        handoffs.check_receiver(care, team, user, given.receiver)
    except HandoffRefused as problem:
        errors[form.ROLE if given.receiver.group_id else form.RECEIVER] = _plain_error(str(problem))
    return errors


def _plain_error(text: str) -> str:
    """Modal errors are plain text: say "that channel" rather than show a raw <#C...> token."""
    plainly = _TOKEN.sub(lambda found: _PLAINLY.get(found.group(1), "that"), text)
    return plainly[:1].upper() + plainly[1:]


_TOKEN = re.compile(r"<(#|@|!subteam\^)[^<>]*>")
_PLAINLY = {"#": "that channel", "@": "that person", "!subteam^": "that group"}


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
        respond(text=str(refused), replace_original=False, response_type="ephemeral")
        return
    refusal = handoffs.acknowledge_refusal_for(care, team, user, handoff)
    if refusal:
        respond(text=refusal, replace_original=False, response_type="ephemeral")
        return
    try:
        client.views_open(trigger_id=body["trigger_id"], view=form.ack_view(handoff))
    except SlackApiError as error:
        log.warning("could not open the read-back form: %s", error.response.get("error"))
        respond(text=LATE, replace_original=False, response_type="ephemeral")


def on_ack_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: Any
) -> None:
    care: Care = context["care"]
    team, user = context.team_id, body["user"]["id"]
    ref = json.loads(view.get("private_metadata") or "{}").get("h", "")
    typed = str(
        ((view["state"]["values"].get(form.SYNTHESIS) or {}).get(form.SYNTHESIS) or {}).get("value")
        or ""
    )
    try:
        changed = handoffs.acknowledge(care, team, user, ref, typed)
    except HandoffRefused as refused:
        if "read the handoff back" in str(refused) or "short synthesis" in str(refused):
            ack(response_action="errors", errors={form.SYNTHESIS: str(refused)})
        else:
            ack(response_action="update", view=form.notice_view("Not acknowledged", str(refused)))
        return
    if not changed.first:
        handoff = changed.handoff
        ack(
            response_action="update",
            view=form.notice_view(
                "Already acknowledged",
                f"<@{handoff.acknowledged_by}> acknowledged {handoff.ref} first; "
                "their read-back stands.",
            ),
        )
        return
    ack()
    cards_refresh(care, client, changed.handoff)


def on_done(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: Any
) -> None:
    ack()
    care: Care = context["care"]
    team, user = context.team_id, body["user"]["id"]
    chosen = json.loads(body["actions"][0]["value"])
    try:
        changed = handoffs.mark_done(care, team, user, str(chosen["h"]), int(chosen["i"]))
    except HandoffRefused as refused:
        respond(text=str(refused), replace_original=False, response_type="ephemeral")
        return
    cards_refresh(care, client, changed.handoff)
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
    reply = _publish(care, client, handoff)
    respond(text=reply.text, blocks=reply.blocks, replace_original=True)


def cards_refresh(care: Care, client: WebClient, handoff: Handoff) -> None:
    """Update the channel card in place; a card that is gone is not an error."""
    if not handoff.message_ts:
        return
    shown = cards.card(handoff, care.settings.timezone)
    try:
        client.chat_update(
            channel=handoff.channel_id, ts=handoff.message_ts, text=shown.text, blocks=shown.blocks
        )
    except SlackApiError as error:
        log.warning("could not update the card of %s: %s", handoff.ref, error.response.get("error"))


def _tell(client: WebClient, user: str, channel: str, reply: Reply) -> None:
    """Ephemeral in the channel, else a DM."""
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=reply.text, blocks=reply.blocks)
    except SlackApiError:
        try:
            client.chat_postMessage(channel=user, text=reply.text, blocks=reply.blocks)
        except SlackApiError as error:
            log.warning("could not tell the author: %s", error.response.get("error"))
