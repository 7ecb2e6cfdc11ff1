"""Reading the audit trail back: one record's history for an admin, or every row for an export."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.shared.commands import Ask
from storage import SqlAuditLog, audit

if TYPE_CHECKING:
    from bot.runtime.services import Care

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


def read(care: Care, team_id: str, ref: str, limit: int = SHOWN) -> Trail:
    """This workspace's history of `ref`; a patient's includes its visits and handoffs."""
    with care.db.session(read_only=True) as session:
        refs = [ref]
        if ref.startswith("P-"):
            refs += audit.records_of_patient(session, team_id, int(ref[2:]))
        rows, total = audit.trail(session, team_id, refs, limit)
        entries = tuple(Entry(r.at, r.actor, r.action, r.ref, r.channel_id) for r in rows)
    return Trail(ref, entries, total)


def record_view(care: Care, ask: Ask, ref: str) -> None:
    """Reading a record's history is itself an access worth keeping."""
    with care.db.session() as session:
        SqlAuditLog(session).record(
            ask.team_id,
            ask.user_id,
            "audit.view",
            ref,
            ask.channel_id or None,
            ask.request_id or None,
            at=care.clock.now(),
        )
