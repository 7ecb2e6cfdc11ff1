"""/preauth: open, chase and resolve prior authorizations."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.preapprovals.changes import Changed, Changes
from bot.preapprovals.handed import HANDED
from bot.preapprovals.items import PreapprovalRefused
from bot.preapprovals.lists import LIST_USAGE, Lists
from bot.preapprovals.opening import Opening
from bot.preapprovals.rules.preapproval import Action
from bot.preapprovals.rules.quickform import USAGE as QUICK_USAGE
from bot.preapprovals.typed import SNOOZE_USAGE
from bot.shared.access import Actor
from bot.shared.commands import Ask, Command, Reply
from bot.shared.rules.mrkdwn import escape, extract_user_ids, plain_slack_text, quoted
from bot.shared.rules.near_miss import meant
from bot.shared.rules.patients import QuickFormError
from handlers.preapprovals import views
from handlers.preapprovals.form import open_form

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.shared.directory import Directory
    from bot.shared.sweeper import Outbox
    from handlers.preapprovals.cards import Cards

log = logging.getLogger(__name__)

USAGE = (
    QUICK_USAGE + ", needed by friday",
    "/preauth new Ana Lima, Aetna, physical therapy, for S-2 (covers a whole series)",
    "/preauth new (on its own) opens the form",
    "/preauth submitted PA-3 [payer ref] · /preauth pended PA-3 [what they asked for]",
    "/preauth approve PA-3 AUTH-12345 [units 12] [from 2027-03-01] [until 2027-06-30]",
    "/preauth partial PA-3 AUTH-12345 [units 6] [until 2027-04-30]",
    "/preauth deny PA-3 not medically necessary · /preauth appeal PA-3",
    "/preauth cancel PA-3 · /preauth notrequired PA-3 · /preauth expired PA-3",
    "/preauth assign PA-3 @sam.nurse · /preauth note PA-3 faxed the clinicals",
    SNOOZE_USAGE,
    LIST_USAGE + " · /preauth show PA-3",
)
STATUS_VERBS = {
    "submitted": Action.SUBMIT,
    "submit": Action.SUBMIT,
    "pended": Action.PEND,
    "pend": Action.PEND,
    "approve": Action.APPROVE,
    "approved": Action.APPROVE,
    "partial": Action.PARTIAL,
    "deny": Action.DENY,
    "denied": Action.DENY,
    "appeal": Action.APPEAL,
    "appealed": Action.APPEAL,
    "cancel": Action.CANCEL,
    "notrequired": Action.NOT_REQUIRED,
    "not-required": Action.NOT_REQUIRED,
    "expired": Action.EXPIRE,
}
VERBS = ("new", "list", "show", "assign", "snooze", "note", *STATUS_VERBS)


class PreapprovalCommand:
    """`/preauth <verb> ...`, bound to the services it calls; they check who may do what."""

    def __init__(
        self,
        *,
        slack: WebClient,
        people: Directory,
        opening: Opening,
        changes: Changes,
        lists: Lists,
        cards: Cards,
        outbox: Outbox,
    ) -> None:
        self.slack, self.people, self.cards, self.outbox = slack, people, cards, outbox
        self.opening, self.changes, self.lists = opening, changes, lists

    def command(self) -> Command:
        return Command(
            "preauth", "Track pre-approvals (prior authorizations) until resolved", USAGE, self.run
        )

    def run(self, ask: Ask) -> Reply | None:
        verb, _, rest = ask.text.strip().partition(" ")
        verb, rest = verb.lower(), rest.strip()
        actor = Actor.of(ask)
        try:
            if verb in ("", "new") and not rest:
                return open_form(self.slack, ask)
            if verb == "new":
                return self._new(actor, rest)
            if verb == "list":
                return views.item_list(self.lists.list_items(actor, rest))
            if verb == "show":
                item = self.lists.show(actor, rest)
                return views.shown(item, self.people.timezone(ask.team_id, ask.user_id))
            ref, _, more = rest.partition(" ")
            more = more.strip()
            if verb in STATUS_VERBS:
                return self._after(actor, self.changes.record(actor, ref, STATUS_VERBS[verb], more))
            if verb == "assign":
                users = extract_user_ids(more)
                owner = users[0] if users else self._named(actor, plain_slack_text(more))
                change = self.changes.assign(actor, ref, owner)
                self.outbox.send_now(actor.team_id, HANDED, change.item.ref)
                return self._after(actor, change)
            if verb == "snooze":
                return self._after(actor, self.changes.snooze(actor, ref, plain_slack_text(more)))
            if verb == "note":
                return self._after(actor, self.changes.note(actor, ref, plain_slack_text(more)))
        except (PreapprovalRefused, QuickFormError) as refused:
            return Reply(text=escape(str(refused)))
        guess = meant(verb, VERBS)
        if guess is not None:
            example = next((u for u in USAGE if f"/preauth {guess} " in f"{u} "), None)
            return Reply(
                text=f"I don't know `/preauth {quoted(verb)}`: did you mean `/preauth {guess}`?"
                + (f" Example: `{example}`" if example else "")
            )
        return Reply(
            text=f"I don't know `/preauth {quoted(verb)}`. Try:\n"
            + "\n".join(f"`{u}`" for u in USAGE)
        )

    def _new(self, actor: Actor, text: str) -> Reply:
        item = self.opening.quick(actor, text)
        self.outbox.send_now(actor.team_id, HANDED, item.ref)  # the owner's DM, if not the actor
        return views.created(item, self.people.timezone(actor.team_id, actor.user_id))

    def _named(self, actor: Actor, typed: str) -> str | None:
        """An owner typed without a mention ("assign PA-3 sam.nurse"): one person for sure."""
        if not typed.strip():
            return None
        # A name that is no one for sure is asked back (NobodyByThatName).
        return self.people.named(
            actor.team_id,
            typed,
            what="new owner",
            example="`/preauth assign PA-3 {mention}`",
        ).id

    def _after(self, actor: Actor, change: Changed) -> Reply:
        """Redraw what showed the request, and tell the person what happened."""
        self.cards.refresh(self.slack, actor.team_id, change.item)
        return views.changed(change, self.people.timezone(actor.team_id, actor.user_id))
