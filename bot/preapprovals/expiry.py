"""Approvals run out: the day after an approval's last valid day it becomes expired and open again.

One reminder row per approved request with a valid-to date (subject: its PA-ref), due at
the start of the following day on the clock of the channel it was opened in. Expiring
reopens the chase: the owner's next round lists it, and the messages that showed it are
redrawn. Which approvals ended is decided in bot.preapprovals.rules.expiry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.preapprovals.items import Item, item_in
from bot.preapprovals.plan import EXPIRY, channels_of, owners_zones, plan
from bot.preapprovals.rules.expiry import Approval, expired
from bot.preapprovals.rules.preapproval import Status
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.reminders import DueReminder, EachTeam, Outcome
from storage import SqlAuditLog
from storage.preapprovals import queries as preapprovals

if TYPE_CHECKING:
    from bot.shared.home import HomeTab

log = logging.getLogger(__name__)


class ApprovalExpiry(RecordsUseCase, EachTeam):
    """The `preauth-expiry` kind: approved until a day that has passed becomes expired."""

    name = EXPIRY

    def __init__(
        self, records: Records, *, home: HomeTab, changed: Callable[[str, Item], object]
    ) -> None:
        super().__init__(records)
        self.home, self.changed = home, changed

    def fire_team(self, team: str, due: list[DueReminder], now: datetime) -> list[Outcome]:
        policy = self.in_force.patient_display(team)
        ended: list[Item] = []
        with self.db.session() as session:
            rows = preapprovals.by_refs(session, team, [r.subject_ref for r in due])
            wanted = [r.channel_id for r in rows.values()]
            channels = channels_of(self.in_force, session, team, wanted)
            approvals = [
                Approval(r.ref, Status(r.status), r.valid_to, channels[r.channel_id or ""].timezone)
                for r in rows.values()
            ]
            refs = expired(approvals, now)
            rows = {ref: row for ref, row in rows.items() if row.ref in refs}
            zones = owners_zones(session, team, {row.owner_id for row in rows.values()})
            for row in rows.values():
                row.status = Status.EXPIRED.value
                row.resolved_by = row.resolved_at = None
                row.updated_at = now
                plan(self.in_force, session, row, now, zones.get(row.owner_id))
                SqlAuditLog(session).record(team, "carebot", "preapproval.expired", row.ref, at=now)
                ended.append(item_in(row, policy, now, channels))
        for item in ended:
            log.info("approval expired team=%s ref=%s", team, item.ref)
            self.changed(team, item)
        self.home.changed(team, (item.owner for item in ended))
        return [Outcome(r.id, sent=0) for r in due]
