"""The buttons on reminder DMs and risk posts: Submitted, Approved..., Denied..., Snooze, Reassign.

A click on an old message acts on the request as it stands now: a change its state no
longer allows changes nothing, the message is redrawn to show the current state, and
the person is told why.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from bot.preapprovals import changes, lists
from bot.preapprovals.changes import Changed
from bot.preapprovals.opening import PreauthRefused
from bot.preapprovals.rules.preapproval import Action, Status, TransitionRefused, transition
from bot.shared.rules.mrkdwn import escape
from handlers.preapprovals import decision as preapproval_decision
from handlers.preapprovals import form as preapproval_form
from handlers.preapprovals import views
from handlers.preapprovals.cards import refresh
from handlers.shared import home

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.runtime.services import Care

log = logging.getLogger(__name__)


def register(app: App, care: Care) -> None:
    app.action("preauth_submitted")(on_submitted)
    app.action("open_preauth_approve")(on_open_approve)
    app.action("open_preauth_deny")(on_open_deny)
    app.action("preauth_snooze")(on_snooze)
    app.action("preauth_reassign")(on_reassign)
    app.action("preauth_undo")(on_undo)


def _ref(body: dict[str, Any]) -> str:
    action = body["actions"][0]
    if action.get("value"):
        return str(action["value"])
    return str(action.get("block_id", "")).removeprefix(views.BLOCK_PREFIX)


def _tell(care: Care, body: dict[str, Any], respond: Respond, text: str) -> None:
    """Just to the clicker: ephemeral by the message, or on top of their Home tab."""
    if home.in_home(body):
        team = (body.get("team") or {}).get("id") or body["user"].get("team_id") or ""
        home.notice(care, team, body, text)
        return
    respond(text=text, response_type="ephemeral", replace_original=False)


def _done(
    care: Care,
    client: WebClient,
    respond: Respond,
    body: dict[str, Any],
    team: str,
    change: Changed,
) -> None:
    refresh(care, client, team, change.item)
    zone = care.people.timezone(team, body["user"]["id"])
    _tell(care, body, respond, views.changed(change, zone).text)


def _refused(
    care: Care,
    client: WebClient,
    respond: Respond,
    body: dict[str, Any],
    team: str,
    ref: str,
    why: str,
) -> None:
    """Nothing changed: redraw what shows the request as it stands, and say why."""
    with contextlib.suppress(PreauthRefused):  # no such request: nothing to redraw
        refresh(care, client, team, lists.show(care, team, ref))
    _tell(care, body, respond, f":information_source: Nothing changed. {escape(why)}")


def on_submitted(
    ack: Ack, body: dict[str, Any], context: Any, client: WebClient, respond: Respond
) -> None:
    ack()
    care: Care = context["care"]
    team, user, ref = context.team_id, body["user"]["id"], _ref(body)
    try:
        change = changes.act(care, team, user, ref, Action.SUBMIT)
    except PreauthRefused as refused:
        _refused(care, client, respond, body, team, ref, str(refused))
        return
    _done(care, client, respond, body, team, change)


def _open_decision(
    body: dict[str, Any], context: Any, client: WebClient, respond: Respond, action: Action
) -> None:
    care: Care = context["care"]
    team, ref = context.team_id, _ref(body)
    try:
        item = lists.show(care, team, ref)
        transition(item.status, action, item.ref)
    except (PreauthRefused, TransitionRefused) as refused:
        _refused(care, client, respond, body, team, ref, str(refused))
        return
    channel = (body.get("container") or {}).get("channel_id") or body["user"]["id"]
    view = preapproval_decision.decision_view(action, item.ref, channel)
    if not preapproval_form.open_view(client, body["trigger_id"], view):
        _tell(care, body, respond, preapproval_form.LATE)


def on_open_approve(
    ack: Ack, body: dict[str, Any], context: Any, client: WebClient, respond: Respond
) -> None:
    ack()
    _open_decision(body, context, client, respond, Action.APPROVE)


def on_open_deny(
    ack: Ack, body: dict[str, Any], context: Any, client: WebClient, respond: Respond
) -> None:
    ack()
    _open_decision(body, context, client, respond, Action.DENY)


def on_snooze(
    ack: Ack, body: dict[str, Any], context: Any, client: WebClient, respond: Respond
) -> None:
    ack()
    care: Care = context["care"]
    team, user = context.team_id, body["user"]["id"]
    picked = str((body["actions"][0].get("selected_option") or {}).get("value", ""))
    ref, _, span = picked.partition("|")
    try:
        change = changes.snooze(care, team, user, ref, span)
    except PreauthRefused as refused:
        _refused(care, client, respond, body, team, ref, str(refused))
        return
    _done(care, client, respond, body, team, change)


def on_reassign(
    ack: Ack, body: dict[str, Any], context: Any, client: WebClient, respond: Respond
) -> None:
    ack()
    care: Care = context["care"]
    team, user = context.team_id, body["user"]["id"]
    ref = _ref(body)
    owner = body["actions"][0].get("selected_user")
    try:
        change = changes.assign(care, team, user, ref, owner)
    except PreauthRefused as refused:
        _refused(care, client, respond, body, team, ref, str(refused))
        return
    ref = change.item.ref
    if change.item.owner != user:
        try:
            client.chat_postMessage(
                channel=change.item.owner,
                text=f"<@{user}> handed you *{ref}*. `/preauth show {ref}` shows it.",
            )
        except Exception as error:
            log.info("could not DM a new owner: %s", type(error).__name__)
    _done(care, client, respond, body, team, change)


def on_undo(
    ack: Ack, body: dict[str, Any], context: Any, client: WebClient, respond: Respond
) -> None:
    """Undo on a just-opened request: it is cancelled (kept, for the audit trail)."""
    ack()
    care: Care = context["care"]
    team, user, ref = context.team_id, body["user"]["id"], _ref(body)
    try:
        item = lists.show(care, team, ref)
        if item.status is not Status.NOT_STARTED:
            raise PreauthRefused(
                f"{ref} has moved on ({item.status.value}); cancel it with /preauth cancel {ref}."
            )
        change = changes.act(care, team, user, ref, Action.CANCEL)
    except PreauthRefused as refused:
        _tell(care, body, respond, f":information_source: Nothing changed. {escape(str(refused))}")
        return
    refresh(care, client, team, change.item)
    respond(
        text=f":leftwards_arrow_with_hook: Undone: {change.item.ref} is cancelled.",
        replace_original=True,
    )
