"""The buttons on reminder DMs and risk posts: Submitted, Approved..., Denied..., Snooze, Reassign.

A click on an old message acts on the request as it stands now: a change its state no
longer allows changes nothing, the message is redrawn to show the current state, and
the person is told why. Who may click is decided by the operation (care-team members):
a refusal reaches the clicker from handlers.kit.errors, with nothing changed or shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.preapprovals.handed import HANDED
from bot.preapprovals.items import PreapprovalRefused
from bot.preapprovals.rules.preapproval import Action
from bot.shared.access import Actor
from bot.shared.rules.mrkdwn import escape
from handlers.kit import values
from handlers.kit.actors import actor_of
from handlers.preapprovals import views
from handlers.preapprovals.decision import decision_view
from handlers.preapprovals.form import LATE, open_view
from handlers.shared import home

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.preapprovals.changes import Changed, Changes
    from bot.shared.directory import Directory
    from bot.shared.sweeper import Outbox
    from handlers.preapprovals.cards import Cards

log = logging.getLogger(__name__)

SNOOZE_SPANS = frozenset(span for span, _ in views.SNOOZES)  # the snooze menu's options
# Answers a click in the Home tab on the tab itself: (team, body, text).
Notice = Callable[[str, dict[str, Any], str], None]


def _ref(body: dict[str, Any]) -> str:
    action = body["actions"][0]
    if action.get("value"):
        return str(action["value"])
    return str(action.get("block_id", "")).removeprefix(views.BLOCK_PREFIX)


class Buttons:
    """The listeners of a request's buttons, bound to the services they call."""

    def __init__(
        self, *, changes: Changes, cards: Cards, people: Directory, notice: Notice, outbox: Outbox
    ) -> None:
        self.changes, self.cards, self.people, self.notice = changes, cards, people, notice
        self.outbox = outbox

    def register(self, app: App) -> None:
        app.action("preauth_submitted")(self.on_submitted)
        app.action("open_preauth_approve")(self.on_open_approve)
        app.action("open_preauth_deny")(self.on_open_deny)
        app.action("preauth_snooze")(self.on_snooze)
        app.action("preauth_reassign")(self.on_reassign)
        app.action("preauth_undo")(self.on_undo)

    def _tell(self, body: dict[str, Any], respond: Respond, text: str) -> None:
        """Just to the clicker: ephemeral by the message, or on top of their Home tab."""
        if home.in_home(body):
            team = (body.get("team") or {}).get("id") or body["user"].get("team_id") or ""
            self.notice(team, body, text)
            return
        respond(text=text, response_type="ephemeral", replace_original=False)

    def _done(
        self,
        client: WebClient,
        respond: Respond,
        body: dict[str, Any],
        actor: Actor,
        change: Changed,
    ) -> None:
        self.cards.refresh(client, actor.team_id, change.item)
        zone = self.people.timezone(actor.team_id, actor.user_id)
        self._tell(body, respond, views.changed(change, zone).text)

    def _refused(
        self,
        client: WebClient,
        respond: Respond,
        body: dict[str, Any],
        actor: Actor,
        ref: str,
        why: str,
    ) -> None:
        """Nothing changed: redraw what shows the request as it stands, and say why."""
        self.cards.refresh_ref(client, actor.team_id, ref)
        self._tell(body, respond, f":information_source: Nothing changed. {escape(why)}")

    def on_submitted(
        self, ack: Ack, body: dict[str, Any], context: Any, client: WebClient, respond: Respond
    ) -> None:
        ack()
        actor, ref = actor_of(body, context.team_id), _ref(body)
        try:
            change = self.changes.act(actor, ref, Action.SUBMIT)
        except PreapprovalRefused as refused:
            self._refused(client, respond, body, actor, ref, str(refused))
            return
        self._done(client, respond, body, actor, change)

    def _open_decision(
        self,
        body: dict[str, Any],
        context: Any,
        client: WebClient,
        respond: Respond,
        action: Action,
    ) -> None:
        actor, ref = actor_of(body, context.team_id), _ref(body)
        try:
            item = self.changes.can_decide(actor, ref, action)
        except PreapprovalRefused as refused:
            self._refused(client, respond, body, actor, ref, str(refused))
            return
        channel = (body.get("container") or {}).get("channel_id") or body["user"]["id"]
        if not open_view(client, body["trigger_id"], decision_view(action, item.ref, channel)):
            self._tell(body, respond, LATE)

    def on_open_approve(
        self, ack: Ack, body: dict[str, Any], context: Any, client: WebClient, respond: Respond
    ) -> None:
        ack()
        self._open_decision(body, context, client, respond, Action.APPROVE)

    def on_open_deny(
        self, ack: Ack, body: dict[str, Any], context: Any, client: WebClient, respond: Respond
    ) -> None:
        ack()
        self._open_decision(body, context, client, respond, Action.DENY)

    def on_snooze(
        self, ack: Ack, body: dict[str, Any], context: Any, client: WebClient, respond: Respond
    ) -> None:
        ack()
        actor = actor_of(body, context.team_id)
        picked = str((body["actions"][0].get("selected_option") or {}).get("value") or "")
        ref, _, span = picked.partition("|")
        span = values.option(span, SNOOZE_SPANS, what="how long to snooze")
        try:
            change = self.changes.snooze(actor, ref, span)
        except PreapprovalRefused as refused:
            self._refused(client, respond, body, actor, ref, str(refused))
            return
        self._done(client, respond, body, actor, change)

    def on_reassign(
        self, ack: Ack, body: dict[str, Any], context: Any, client: WebClient, respond: Respond
    ) -> None:
        ack()
        actor, ref = actor_of(body, context.team_id), _ref(body)
        owner = values.user_id(body["actions"][0].get("selected_user"), what="new owner")
        try:
            change = self.changes.assign(actor, ref, owner)
        except PreapprovalRefused as refused:
            self._refused(client, respond, body, actor, ref, str(refused))
            return
        self.outbox.send_now(actor.team_id, HANDED, change.item.ref)
        self._done(client, respond, body, actor, change)

    def on_undo(
        self, ack: Ack, body: dict[str, Any], context: Any, client: WebClient, respond: Respond
    ) -> None:
        """Undo on a just-opened request: it is cancelled (kept, for the audit trail)."""
        ack()
        actor, ref = actor_of(body, context.team_id), _ref(body)
        try:
            change = self.changes.undo(actor, ref)
        except PreapprovalRefused as refused:
            self._tell(
                body, respond, f":information_source: Nothing changed. {escape(str(refused))}"
            )
            return
        self.cards.refresh(client, actor.team_id, change.item)
        respond(
            text=f":leftwards_arrow_with_hook: Undone: {change.item.ref} is cancelled.",
            replace_original=True,
        )
