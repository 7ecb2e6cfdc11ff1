"""Removing closed records past the retention period, or saying what would go (dry run)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from storage import Database, SqlAuditLog, retention

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass
class RetentionReport:
    """What a retention pass removed (or would remove), per workspace and kind."""

    cutoff: datetime
    dry_run: bool
    removed: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))

    def lines(self) -> list[str]:
        """One line per workspace, as `carebot retention` prints them."""
        verb = "would remove" if self.dry_run else "removed"
        head = f"closed before {self.cutoff:%Y-%m-%d %H:%M} UTC; the audit trail is kept"
        if not any(any(kinds.values()) for kinds in self.removed.values()):
            return [f"nothing to remove ({head})"]
        lines = [head]
        for team, kinds in sorted(self.removed.items()):
            counts = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
            lines.append(f"{team}: {verb} {counts}")
        return lines


def purge(
    db: Database,
    cutoff: datetime,
    *,
    dry_run: bool,
    now: datetime,
    teams: Sequence[str] | None = None,
) -> RetentionReport:
    """Remove (or count) every closed record past `cutoff`, its reminders, then lone patients."""
    report = RetentionReport(cutoff, dry_run)
    if teams is None:
        with db.session(read_only=True) as session:
            teams = retention.teams(session)
    for team in teams:
        with db.session(read_only=True) as session:
            gone = retention.uninstalled_before(session, team, cutoff)  # all of it is closed
        counts = report.removed[team]
        for kind in retention.KINDS:
            counts[kind.name] = _each_batch(
                db, dry_run, _Closed(kind, team, cutoff, gone), key=lambda row: row[0]
            )
        counts["patients"] = _each_batch(
            db, dry_run, _LonePatients(team, cutoff, gone), key=lambda row_id: row_id
        )
        if not dry_run and any(counts.values()):
            with db.session() as session:
                SqlAuditLog(session).record(team, "carebot", "retention.purge", at=now)
    return report


class _Batches(Protocol[T]):
    def find(self, session: Session, after: int) -> Sequence[T]: ...

    def remove(self, session: Session, found: Sequence[T]) -> int: ...


@dataclass(frozen=True)
class _Closed:
    kind: retention.Closed
    team: str
    cutoff: datetime
    gone: bool  # the workspace uninstalled carebot before the cutoff: everything goes

    def find(self, session: Session, after: int) -> list[tuple[int, int]]:
        return retention.closed_batch(
            session, self.kind, self.team, self.cutoff, after, gone=self.gone
        )

    def remove(self, session: Session, found: Sequence[tuple[int, int]]) -> int:
        return retention.remove(session, self.kind, self.team, found)


@dataclass(frozen=True)
class _LonePatients:
    team: str
    cutoff: datetime
    gone: bool

    def find(self, session: Session, after: int) -> list[int]:
        return retention.orphan_patients(session, self.team, self.cutoff, after, gone=self.gone)

    def remove(self, session: Session, found: Sequence[int]) -> int:
        return retention.remove_patients(session, self.team, found)


def _each_batch(
    db: Database, dry_run: bool, batches: _Batches[T], *, key: Callable[[T], int]
) -> int:
    """Find and remove batch after batch, each in its own short transaction; the count."""
    total, after = 0, 0
    while True:
        with db.session(read_only=dry_run) as session:
            found = batches.find(session, after)
            if not found:
                return total
            if not dry_run:
                batches.remove(session, found)
        total += len(found)
        after = key(found[-1])
