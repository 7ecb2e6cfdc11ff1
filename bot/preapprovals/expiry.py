"""Approvals run out: the day after an approval's last valid day it becomes expired and open again.

One reminder row per approved request with a valid-to date (subject: its PA-ref), due at
the start of the following day on the clinic's clock. Expiring reopens the chase: the
owner's next round lists it, and the messages that showed it are redrawn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.preapprovals.opening import Item, item_of
from bot.preapprovals.plan import APPROVED, EXPIRY, ends_at, plan, rounds_of
from bot.preapprovals.rules.preapproval import Action, Status, TransitionRefused, transition
from bot.shared.rules.people import zone_or
from bot.shared.rules.reminders import DueReminder, Outcome, by_team
from storage import SqlAuditLog
from storage.preapprovals import queries as preapprovals

if TYPE_CHECKING:
    from bot.runtime.services import Care

log = logging.getLogger(__name__)


class ApprovalExpiry:
    """The `preauth-expiry` kind: approved until a day that has passed becomes expired."""

    name = EXPIRY

    def __init__(self, care: Care, changed: Callable[[str, Item], object]) -> None:
        self.care, self.changed = care, changed

    def fire(self, due: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        return [
            o for team, found in by_team(due).items() for o in self._fire_team(team, found, now)
        ]

    def _fire_team(self, team: str, due: list[DueReminder], now: datetime) -> list[Outcome]:
        care = self.care
        clinic = care.settings.timezone
        rounds = rounds_of(care)
        policy = care.patient_display(team)
        expired: list[Item] = []
        with care.db.session() as session:
            rows = preapprovals.by_refs(session, team, [r.subject_ref for r in due])
            owners = {row.owner_id for row in rows.values()}
            zones = preapprovals.zones(session, team, owners)
            for row in rows.values():
                if Status(row.status) not in APPROVED or row.valid_to is None:
                    continue
                if ends_at(row.valid_to, clinic) > now:
                    continue  # extended since: its check was planned again
                try:
                    row.status = transition(Status(row.status), Action.EXPIRE, row.ref).value
                except TransitionRefused:
                    continue
                row.resolved_by = row.resolved_at = None
                row.updated_at = now
                plan(care, session, row, now, zone_or(zones.get(row.owner_id), clinic))
                SqlAuditLog(session).record(team, "carebot", "preapproval.expired", row.ref, at=now)
                expired.append(item_of(row, policy, now, clinic, rounds))
        for item in expired:
            log.info("approval expired team=%s ref=%s", team, item.ref)
            self.changed(team, item)
        care.home.changed(team, (item.owner for item in expired))
        return [Outcome(r.id, sent=0) for r in due]
