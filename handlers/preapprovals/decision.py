"""The decision modals behind Approved... and Denied...: checked before the ack, then recorded."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.preapprovals.items import PreapprovalRefused
from bot.preapprovals.rules.preapproval import Action, check_auth_number
from bot.preapprovals.typed import Details
from bot.shared.access import Actor
from bot.shared.commands import Reply
from bot.shared.rules.mrkdwn import escape
from handlers.kit import values
from handlers.preapprovals import views
from handlers.preapprovals.form import form_channel, input_block, plain_text, show, values_of

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.preapprovals.changes import Changes
    from bot.shared.directory import Directory
    from handlers.preapprovals.cards import Cards

DECISION_FORM = "preauth_decision_form"
DECIDED = frozenset({Action.APPROVE.value, Action.DENY.value})  # what decision_view writes
KINDS = frozenset({"approve", "partial"})  # the Decision menu's options


def decision_view(action: Action, ref: str, channel: str) -> dict[str, Any]:
    meta = json.dumps({"r": ref, "c": channel, "a": action.value})
    if action is Action.DENY:
        reason = {"type": "plain_text_input", "multiline": True, "max_length": 300}
        reason["placeholder"] = plain_text("e.g. not medically necessary; peer-to-peer offered")
        blocks = [input_block("reason", "Reason for the denial", reason, False)]
        title = f"Deny {ref}"
    else:
        kinds = [{"text": plain_text("Approved"), "value": "approve"},
                 {"text": plain_text("Partially approved"), "value": "partial"}]  # fmt: skip
        number = {"type": "plain_text_input", "max_length": 40}
        number["placeholder"] = plain_text("e.g. AUTH-12345")
        units = {"type": "plain_text_input", "max_length": 6, "placeholder": plain_text("e.g. 12")}
        blocks = [
            input_block("auth_number", "Auth number", number, False),
            input_block(
                "decision",
                "Decision",
                {"type": "static_select", "options": kinds, "initial_option": kinds[0]},
                False,
            ),
            input_block("units", "Approved units", units, True),
            input_block("valid_from", "Valid from", {"type": "datepicker"}, True),
            input_block("valid_to", "Valid to", {"type": "datepicker"}, True),
        ]
        title = f"Approve {ref}"
    return {
        "type": "modal",
        "callback_id": DECISION_FORM,
        "title": plain_text(title[:24]),
        "submit": plain_text("Save"),
        "close": plain_text("Cancel"),
        "private_metadata": meta,
        "blocks": blocks,
    }


class DecisionForm:
    """The Approved... / Denied... modal's submission, bound to the services it calls."""

    def __init__(
        self,
        *,
        changes: Changes,
        cards: Cards,
        people: Directory,
        first_time: Callable[[str, str], bool],
    ) -> None:
        self.changes, self.cards, self.people = changes, cards, people
        self.first_time = first_time

    def register(self, app: App) -> None:
        app.view(DECISION_FORM)(self.on_submit)

    def on_submit(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: Any
    ) -> None:
        team, user = context.team_id, body["user"]["id"]
        meta = values.metadata(view)
        ref = values.ref(values.text(meta, "r"), "PA", "pre-approval")
        channel = form_channel(view, user)
        if meta.get("a", Action.APPROVE.value) not in DECIDED:
            raise values.BadValue(values.FORM_DAMAGED)
        action = Action(meta.get("a", Action.APPROVE.value))
        typed = values_of(view)
        errors: dict[str, str] = {}
        details = Details(reason=typed.get("reason"))
        if action is not Action.DENY:
            decision = values.option(typed.get("decision", "approve"), KINDS, "decision", "one")
            action = Action.PARTIAL if decision == "partial" else Action.APPROVE
            try:
                check_auth_number(typed.get("auth_number", ""))
            except ValueError as error:
                errors["auth_number"] = str(error)[:150]
            units = typed.get("units")
            if units and not (units.isdigit() and 0 < int(units) < values.MOST):
                errors["units"] = "A whole number of units, like 12."
            if errors:
                ack(response_action="errors", errors=errors)
                return
            details = Details(
                auth_number=typed.get("auth_number"),
                approved_units=int(units) if units else None,
                valid_from=_date(typed.get("valid_from"), "valid_from"),
                valid_to=_date(typed.get("valid_to"), "valid_to"),
            )
        if channel != user:  # the answer goes there, and the audit names it
            values.existing_channel(client, channel, user=user)
        if not self.first_time(team, f"view:{view['id']}"):
            ack()
            return
        ack()
        actor = Actor(team, user, channel if channel != user else None)
        try:
            change = self.changes.act(actor, ref, action, details)
        except PreapprovalRefused as refused:
            self.cards.refresh_ref(client, team, ref)
            text = f":information_source: Nothing changed. {escape(str(refused))}"
            show(client, channel, user, Reply(text=text))
            return
        self.cards.refresh(client, team, change.item)
        show(client, channel, user, views.changed(change, self.people.timezone(team, user)))


def _date(text: str | None, field: str) -> date | None:
    """A datepicker's YYYY-MM-DD, if one was picked."""
    return values.day(text, field) if text else None
