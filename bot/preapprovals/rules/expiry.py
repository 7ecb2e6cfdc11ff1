"""When an approval runs out: the day after its last valid day, on its channel's clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.preapprovals.rules.preapproval import Action, Status, TransitionRefused, transition
from bot.shared.rules.business_days import at_local

APPROVED = frozenset({Status.APPROVED, Status.PARTIAL})


def ends_at(valid_to: date, zone: ZoneInfo) -> datetime:
    """The first instant after an approval's last valid day."""
    return at_local(valid_to + timedelta(days=1), time(0), zone)


@dataclass(frozen=True)
class Approval:
    """One request whose expiry check is due, as plain values."""

    ref: str
    status: Status
    valid_to: date | None
    zone: ZoneInfo  # its channel's


def expired(approvals: Sequence[Approval], now: datetime) -> list[str]:
    """The refs whose approval has ended; one extended since (or resolved otherwise) is not."""
    found = []
    for approval in approvals:
        if approval.status not in APPROVED or approval.valid_to is None:
            continue
        if ends_at(approval.valid_to, approval.zone) > now:
            continue  # extended since: its check was planned again
        try:
            transition(approval.status, Action.EXPIRE, approval.ref)
        except TransitionRefused:
            continue
        found.append(approval.ref)
    return found
