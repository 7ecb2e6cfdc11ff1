"""After opening: status changes, reassigning, snoozing, notes, undo. Care-team members only.

Every change, whichever way it came (command, DM button, risk post, Home tab, modal), checks
access here first, so a forged or replayed click by someone in no care team changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.preapprovals.handed import ASSIGNED, tell_new_owner
from bot.preapprovals.items import Item, PreapprovalRefused, add_note_line, item_in
from bot.preapprovals.lists import current_item, request_row
from bot.preapprovals.opening import check_owner
from bot.preapprovals.plan import cached_zone, channels_of, plan, plan_round, rounds_in
from bot.preapprovals.rules.preapproval import (
    MAX_SNOOZE,
    OPEN,
    RESOLVED,
    Action,
    Status,
    TransitionRefused,
    check_auth_number,
    transition,
)
from bot.preapprovals.rules.timing import Risk
from bot.preapprovals.typed import SNOOZE_USAGE, Details, approval_details, payer_ref, snooze_until
from bot.shared.audit_trail import parse_ref
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.mrkdwn import plain_slack_text
from bot.shared.rules.timeparse import format_when
from storage import SqlAuditLog
from storage.preapprovals import queries as preapprovals

if TYPE_CHECKING:
    from bot.shared.access import Actor
    from bot.shared.home import HomeTab
    from storage.preapprovals.models import PreapprovalRow

__all__ = ["MAX_NOTE_CHARS", "SNOOZE_USAGE", "Changed", "Changes", "Details"]

CHANGE = "change pre-approvals"
MAX_NOTE_CHARS = 1000
MAX_REASON_CHARS = 300
NO_DETAILS = Details()
Apply = Callable[["PreapprovalRow"], str]


@dataclass(frozen=True)
class Changed:
    item: Item
    before: Status
    note: str | None = None  # something the person should know, e.g. a capped snooze


class Changes(RecordsUseCase):
    """Changing requests: checked, applied under a row lock, planned again, audited."""

    def __init__(self, records: Records, *, home: HomeTab) -> None:
        super().__init__(records)
        self.home = home

    def _require(self, actor: Actor, ref: str) -> None:
        self.access.require_care_team(actor, CHANGE, parse_ref(ref))

    def record(self, actor: Actor, ref: str, action: Action, typed: str) -> Changed:
        """`/preauth <status> PA-3 ...`: the status, with what was typed after the ref."""
        self._require(actor, ref)
        zone = self.people.timezone(actor.team_id, actor.user_id)
        text = plain_slack_text(typed)
        details = Details()
        if action is Action.SUBMIT:
            details = Details(payer_ref=payer_ref(text))
        elif action in (Action.APPROVE, Action.PARTIAL):
            details = approval_details(self.times, text, self.clock.now(), zone)
        elif action is Action.DENY:
            details = Details(reason=text)
        noted = f"{action.value}: {' '.join(text.split())}"
        if action in (Action.PEND, Action.CANCEL) and len(noted) > MAX_NOTE_CHARS:
            # Checked first: the status must not change when its note is then refused.
            raise PreapprovalRefused(
                f"A note is at most {MAX_NOTE_CHARS} characters; that one has {len(noted)}."
            )
        change = self.act(actor, ref, action, details)
        if action in (Action.PEND, Action.CANCEL) and text:
            self.note(actor, ref, noted)
        return change

    def act(self, actor: Actor, ref: str, action: Action, details: Details = NO_DETAILS) -> Changed:
        """Move a request to its next status, if its current one allows that; nothing otherwise."""
        self._require(actor, ref)
        now = self.clock.now()
        if action in (Action.APPROVE, Action.PARTIAL):
            if not details.auth_number:
                raise PreapprovalRefused(
                    "Give the auth number the payer issued. "
                    "Example: /preauth approve PA-3 AUTH-12345 until 2027-06-30"
                )
            try:
                check_auth_number(details.auth_number)
            except ValueError as error:
                raise PreapprovalRefused(str(error)) from None
            if details.valid_from and details.valid_to and details.valid_to < details.valid_from:
                raise PreapprovalRefused(
                    "The approval ends before it starts: check valid from and to."
                )
        if action is Action.DENY and not (details.reason or "").strip():
            raise PreapprovalRefused(
                "Say why it was denied. Example: /preauth deny PA-3 not medically necessary"
            )
        user = actor.user_id
        return self._change(actor, ref, lambda row: _apply(row, action, details, user, now))

    def can_decide(self, actor: Actor, ref: str, action: Action) -> Item:
        """Before the Approved... or Denied... form opens: the request, if it may take that."""
        self._require(actor, ref)
        item = self._current(actor.team_id, ref)
        try:
            transition(item.status, action, item.ref)
        except TransitionRefused as refused:
            raise PreapprovalRefused(str(refused)) from None
        return item

    def undo(self, actor: Actor, ref: str) -> Changed:
        """Undo on a just-opened request: it is cancelled (kept, for the audit trail)."""
        self._require(actor, ref)
        item = self._current(actor.team_id, ref)
        if item.status is not Status.NOT_STARTED:
            raise PreapprovalRefused(
                f"{ref} has moved on ({item.status.value}); cancel it with /preauth cancel {ref}."
            )
        return self.act(actor, ref, Action.CANCEL)

    def assign(self, actor: Actor, ref: str, owner: str | None) -> Changed:
        """Hand a request to someone else; their rounds list it from now on."""
        self._require(actor, ref)
        if owner is None:
            raise PreapprovalRefused(
                "Mention the new owner. Example: /preauth assign PA-3 @sam.nurse"
            )
        check_owner(self.people, self.access, actor.team_id, owner)

        def apply(row: PreapprovalRow) -> str:
            if Status(row.status) in RESOLVED:
                raise TransitionRefused(f"{row.ref} is resolved; there is nothing left to own.")
            if row.owner_id == owner:
                raise TransitionRefused(f"{row.ref} already has that owner; nothing changed.")
            row.owner_id = owner
            return "preapproval.assign"

        return self._change(actor, ref, apply, new_owner=owner)

    def snooze(self, actor: Actor, ref: str, text: str) -> Changed:
        """Quiet a request's nudges until a time; at most MAX_SNOOZE ahead, and said so."""
        self._require(actor, ref)
        now = self.clock.now()
        zone = self.people.timezone(actor.team_id, actor.user_id)
        with self.db.session(read_only=True) as session:
            row = request_row(session, actor.team_id, ref, for_update=False)
            own = channels_of(self.in_force, session, actor.team_id, [row.channel_id])
            rounds = rounds_in(own[row.channel_id or ""])
        until, capped = snooze_until(self.times, text, now, zone, rounds)

        def apply(row: PreapprovalRow) -> str:
            if Status(row.status) not in OPEN:
                raise TransitionRefused(
                    f"{row.ref} is resolved; nothing will be sent about it anyway."
                )
            row.snoozed_until = until
            return "preapproval.snooze"

        note = None
        if capped:
            note = (
                f"Snoozes are capped at {MAX_SNOOZE.days} days, so I'll remind you "
                f"{format_when(until, zone)} instead. Snooze again then if it still waits."
            )
        return self._change(actor, ref, apply, note)

    def note(self, actor: Actor, ref: str, text: str) -> Changed:
        """Add a note; shown with the author's name and the time."""
        self._require(actor, ref)
        now = self.clock.now()
        words = " ".join(text.split())
        if not words:
            raise PreapprovalRefused(
                "What should the note say? Example: /preauth note PA-3 faxed clinicals"
            )
        if len(words) > MAX_NOTE_CHARS:
            raise PreapprovalRefused(
                f"A note is at most {MAX_NOTE_CHARS} characters; that one has {len(words)}."
            )
        user = actor.user_id

        def apply(row: PreapprovalRow) -> str:
            row.notes = add_note_line(row.notes, user, now, words)
            return "preapproval.note"

        return self._change(actor, ref, apply)

    def _current(self, team_id: str, ref: str) -> Item:
        return current_item(self, team_id, ref)

    def _change(
        self,
        actor: Actor,
        ref: str,
        apply: Apply,
        note: str | None = None,
        *,
        new_owner: str | None = None,
    ) -> Changed:
        """Lock the request, apply a change, plan its reminders again, audit it."""
        team_id, now = actor.team_id, self.clock.now()
        policy = self.in_force.patient_display(team_id)
        with self.db.session(read_only=True) as session:
            owner = new_owner or request_row(session, team_id, ref, for_update=False).owner_id
        # Looked up before the write: on a cache miss it asks Slack and writes the answer.
        owner_zone = self.people.timezone(team_id, owner)
        with self.db.session() as session:
            row = request_row(session, team_id, ref)
            before = Status(row.status)
            owner_before = row.owner_id
            try:
                action_name = apply(row)
            except TransitionRefused as refused:
                raise PreapprovalRefused(str(refused)) from None
            row.updated_at = now
            zone: ZoneInfo | None = owner_zone
            if (
                row.owner_id != owner
            ):  # changed hands meanwhile: the cached zone, else its channel's
                known = preapprovals.zones(session, team_id, [row.owner_id]).get(row.owner_id)
                zone = cached_zone(known)
            plan(self.in_force, session, row, now, zone)
            if owner_before != row.owner_id:
                plan_round(session, team_id, owner_before, now)
                tell_new_owner(
                    session, team_id, row.ref, row.owner_id, actor.user_id, ASSIGNED, now
                )
            SqlAuditLog(session).record(team_id, actor.user_id, action_name, row.ref, at=now)
            channels = channels_of(self.in_force, session, team_id, [row.channel_id])
            item = item_in(row, policy, now, channels)
        self.home.changed(team_id, (owner_before, item.owner))
        return Changed(item, before, note)


def _apply(
    row: PreapprovalRow, action: Action, details: Details, user_id: str, now: datetime
) -> str:
    status = transition(Status(row.status), action, row.ref)
    row.status = status.value
    if action is Action.SUBMIT:
        row.submitted_at = now
        row.payer_ref = details.payer_ref or row.payer_ref
    elif action is Action.APPEAL:
        row.submitted_at = now  # the payer's clock starts again
    elif action in (Action.APPROVE, Action.PARTIAL):
        row.auth_number = details.auth_number
        row.approved_units = details.approved_units
        row.valid_from = details.valid_from
        row.valid_to = details.valid_to
        if row.series_id is not None:  # what was posted said "not approved"; its cover is news
            row.risk_posted = Risk.NONE
    elif action is Action.DENY:
        row.denial_reason = " ".join((details.reason or "").split())[:MAX_REASON_CHARS]
    if status in RESOLVED:
        row.resolved_by, row.resolved_at = user_id, now
        row.snoozed_until = None
    else:
        row.resolved_by = row.resolved_at = None
    return f"preapproval.{status.value}"
