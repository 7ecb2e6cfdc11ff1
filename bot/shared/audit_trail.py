"""Reading the audit trail back: one record's history for an admin, or every row for an export."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from storage import SqlAuditLog, audit

if TYPE_CHECKING:
    from bot.shared.access import Access, Actor
    from bot.shared.rules.clock import Clock
    from storage import Database

# A patient's ref is P-12, so PA must be tried before P.
_REF = re.compile(r"(PA|P|A|H)-?(\d{1,9})", re.IGNORECASE)
KINDS = {"P": "patient", "A": "appointment", "H": "handoff", "PA": "pre-approval"}
SHOWN = 40  # newest entries shown in Slack; the export has them all


@dataclass(frozen=True)
class Entry:
    """One thing someone did to the record: ids only, as the trail keeps them."""

    at: datetime
    actor: str
    action: str
    ref: str | None
    channel_id: str | None


@dataclass(frozen=True)
class Trail:
    ref: str
    entries: tuple[Entry, ...]  # newest first
    total: int  # how many there are in all, shown or not

    @property
    def kind(self) -> str:
        return KINDS[self.ref.partition("-")[0]]


def parse_ref(text: str) -> str | None:
    """The canonical ref ("H-7") in what was typed ("h7", "H-7"); None when it is not one."""
    found = _REF.fullmatch(text.strip())
    if found is None or int(found[2]) == 0:
        return None
    return f"{found[1].upper()}-{int(found[2])}"


class AuditTrail:
    """One record's history, for admins only; reading it is itself audited."""

    def __init__(self, db: Database, clock: Clock, access: Access) -> None:
        self.db, self.clock, self.access = db, clock, access

    def read(self, actor: Actor, ref: str | None, limit: int = SHOWN) -> Trail | None:
        """This workspace's history of `ref` (a patient's includes its visits and handoffs);
        None when nothing names a record. Anyone but an admin is refused, audited."""
        self.access.require_admin(actor, "read the audit trail", ref)
        if ref is None:
            return None
        with self.db.session(read_only=True) as session:
            refs = [ref]
            if ref.startswith("P-"):
                refs += audit.records_of_patient(session, actor.team_id, int(ref[2:]))
            rows, total = audit.trail(session, actor.team_id, refs, limit)
            entries = tuple(Entry(r.at, r.actor, r.action, r.ref, r.channel_id) for r in rows)
        if entries:
            self._record_view(actor, ref)
        return Trail(ref, entries, total)

    def _record_view(self, actor: Actor, ref: str) -> None:
        """Reading a record's history is itself an access worth keeping."""
        with self.db.session() as session:
            SqlAuditLog(session).record(
                actor.team_id,
                actor.user_id,
                "audit.view",
                ref,
                actor.channel_id,
                actor.request_id,
                at=self.clock.now(),
            )
