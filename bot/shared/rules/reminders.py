"""The reminder sweep: claim what is due, hand it to its kind, record what happened.

Reminders are rows with a `next_at`, not scheduler jobs. A sweep claims due rows
under a short lease, sends outside any transaction, then records each outcome.
A process that dies mid-sweep leaves leases that run out, so the rows come due again.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.shared.rules.failures import describe

log = logging.getLogger(__name__)

# A batch must be sent well within its lease, even at Slack's ~1 post/s per channel.
LEASE = timedelta(minutes=10)
BATCH = 100
# A kind that raises is tried again later, further apart each time, up to a day.
RETRY_STEPS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
RETRY_MAX = timedelta(days=1)
MIN_STEP = timedelta(minutes=1)
# An outcome's error starting so: Slack refused a DM to someone users.info says is still
# here (or could not say); the send waits for the next round and the report counts it.
UNCONFIRMED = "unconfirmed_"


def unconfirmed(refusal: str) -> str:
    """The error code of a send deferred because a refusal was not confirmed as a departure."""
    return f"{UNCONFIRMED}{refusal}"[:64]


@dataclass(frozen=True)
class DueReminder:
    """One claimed reminder row, as plain values."""

    id: int
    team_id: str
    kind: str
    subject_ref: str
    next_at: datetime
    attempts: int
    payload: Mapping[str, Any]
    # Set when an earlier claim of this row was never recorded: its sender died, perhaps
    # mid-send, so what it was sending may be in Slack since this real time
    # (bot.shared.messages looks there before sending again).
    maybe_sent_since: datetime | None = None

    @property
    def key(self) -> str:
        """This send's identity, the same however often it is claimed: row and due instant."""
        return f"r{self.id}@{self.next_at.isoformat(timespec='seconds')}"


@dataclass(frozen=True)
class Outcome:
    """What a kind did with one reminder: how many messages it sent and when it is due next."""

    reminder_id: int
    sent: int = 0
    next_at: datetime | None = None  # None: this reminder is finished
    error: str | None = None  # a short code, never patient data; the row is retried
    give_up: bool = False  # with an error: no retry can help, the row is finished


@dataclass(frozen=True)
class Lease:
    """Who claims rows, until when, and the real time of the claim."""

    owner: str
    until: datetime
    claimed_at: datetime


class ReminderKind(Protocol):
    """A feature's reminder: it decides what to send for due rows and when they are due next."""

    name: str

    def fire(self, due: Sequence[DueReminder], now: datetime) -> Iterable[Outcome]:
        """Send what is due (grouping as it sees fit) and return one outcome per reminder."""
        ...


class ReminderStore(Protocol):
    """Where reminder rows live; the SQL store is storage.reminders.SqlReminderStore."""

    def claim_due(self, now: datetime, lease: Lease, limit: int) -> list[DueReminder]:
        """Lease up to `limit` due rows, unleased or with a lease run out."""
        ...

    def claim_one(
        self, team_id: str, kind: str, subject_ref: str, now: datetime, lease: Lease
    ) -> DueReminder | None:
        """Lease this one row if it is due and nobody holds a live lease on it."""
        ...

    def record(self, outcomes: Sequence[Outcome], owner: str, now: datetime) -> None:
        """Store outcomes for rows still leased to `owner`, releasing their leases."""
        ...


@dataclass
class KindReport:
    reminders: int = 0  # rows claimed as due
    sent: int = 0  # messages sent
    failed: int = 0
    deferred: int = 0  # refused DMs to people who have not left: retried, not handed over
    succeeded: int = 0  # rows handled without error
    retried: int = 0  # rows due again after a failed or interrupted send


@dataclass
class SweepReport:
    """What one sweep did, per kind."""

    kinds: dict[str, KindReport] = field(default_factory=lambda: defaultdict(KindReport))

    @property
    def sent(self) -> int:
        return sum(k.sent for k in self.kinds.values())

    def lines(self) -> list[str]:
        """One line per kind, as `carebot sweep` prints them."""
        if not self.kinds:
            return ["nothing due"]
        return [
            f"{name}: {k.sent} sent for {k.reminders} reminder(s)"
            + (f", {k.failed} failed (will retry)" if k.failed else "")
            + (f", {k.deferred} deferred (DM refused, person still here)" if k.deferred else "")
            for name, k in sorted(self.kinds.items())
        ]


def by_team(due: Iterable[DueReminder]) -> dict[str, list[DueReminder]]:
    """A claimed batch grouped by workspace, so a kind reads each workspace's rows at once."""
    grouped: dict[str, list[DueReminder]] = defaultdict(list)
    for reminder in due:
        grouped[reminder.team_id].append(reminder)
    return grouped


class EachTeam:
    """A reminder kind that reads and sends for each workspace of a batch apart."""

    def fire(self, due: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        return [o for team, found in by_team(due).items() for o in self.fire_team(team, found, now)]

    def fire_team(self, team: str, due: list[DueReminder], now: datetime) -> list[Outcome]:
        raise NotImplementedError


def retry_at(now: datetime, attempts: int) -> datetime:
    """When to try a failed reminder again, backing off with each attempt."""
    step = RETRY_STEPS[attempts] if attempts < len(RETRY_STEPS) else RETRY_MAX
    return now + step


def sweep(
    store: ReminderStore,
    kinds: Mapping[str, ReminderKind],
    now: datetime,
    *,
    owner: str | None = None,
    batch: int = BATCH,
    wall: Callable[[], datetime] | None = None,
) -> SweepReport:
    """Run every due reminder once, as of `now`.

    Each claim's lease runs from the later of `now` and the real time (`wall`), so a sweep
    "as of" a past instant cannot hand out leases that have already run out. After half a
    lease of real time no more batches are claimed: the next tick carries on.
    """
    owner = owner or uuid.uuid4().hex
    clock = wall or (lambda: now)
    started = clock()
    report = SweepReport()
    while clock() - started < LEASE / 2:
        at = clock()
        claimed = store.claim_due(now, Lease(owner, max(now, at) + LEASE, at), batch)
        if not claimed:
            return report
        by_kind: dict[str, list[DueReminder]] = defaultdict(list)
        for reminder in claimed:
            by_kind[reminder.kind].append(reminder)
        for name, due in by_kind.items():
            # Record each kind as soon as it is done, so a slow kind cannot outlast the lease
            # of another kind's rows.
            store.record(
                _fire_kind(kinds.get(name), name, due, now, report.kinds[name]), owner, now
            )
        if len(claimed) < batch:
            return report
    return report


# A send right after its write holds its row this long: a sender that dies mid-send leaves
# the row to the sweep within minutes, not a whole sweep lease.
NOW_LEASE = timedelta(minutes=2)


def fire_now(
    store: ReminderStore,
    kinds: Mapping[str, ReminderKind],
    team_id: str,
    kind: str,
    subject_ref: str,
    now: datetime,
    *,
    wall: Callable[[], datetime] | None = None,
    tally: KindReport | None = None,
) -> Outcome | None:
    """Send one row the moment its write committed (an outbox's fast path) and record it,
    counting it in `tally` if given.

    None when the row is not due or another sender holds it: the sweep owns it then.
    """
    at = wall() if wall else now
    lease = Lease(uuid.uuid4().hex, max(now, at) + NOW_LEASE, at)
    claimed = store.claim_one(team_id, kind, subject_ref, now, lease)
    if claimed is None:
        return None
    tally = tally if tally is not None else KindReport()
    outcomes = _fire_kind(kinds.get(kind), kind, [claimed], now, tally)
    store.record(outcomes, lease.owner, now)
    return outcomes[0]


def _fire_kind(
    kind: ReminderKind | None,
    name: str,
    due: list[DueReminder],
    now: datetime,
    tally: KindReport,
) -> list[Outcome]:
    tally.reminders += len(due)
    tally.retried += sum(1 for r in due if r.attempts > 0 or r.maybe_sent_since is not None)
    if kind is None:
        log.error("no reminder kind registered as %r; %d reminder(s) parked", name, len(due))
        tally.failed += len(due)
        return [Outcome(r.id, error="unknown_kind", next_at=retry_at(now, r.attempts)) for r in due]
    try:
        outcomes = {o.reminder_id: o for o in kind.fire(due, now)}
    except Exception as error:
        log.error("reminder kind %r failed on %d reminder(s): %s", name, len(due), describe(error))
        tally.failed += len(due)
        return [Outcome(r.id, error="kind_failed", next_at=retry_at(now, r.attempts)) for r in due]
    results = []
    for reminder in due:
        outcome = outcomes.get(reminder.id)
        if outcome is None:
            log.error("reminder kind %r returned no outcome for reminder %d", name, reminder.id)
            outcome = Outcome(reminder.id, error="no_outcome")
        if outcome.error and outcome.error.startswith(UNCONFIRMED):
            tally.deferred += 1
        elif outcome.error:
            tally.failed += 1
        else:
            tally.succeeded += 1
        if outcome.error:
            retry = None if outcome.give_up else retry_at(now, reminder.attempts)
            outcome = Outcome(
                reminder.id,
                sent=outcome.sent,
                error=outcome.error,
                next_at=outcome.next_at or retry,
                give_up=outcome.give_up,
            )
        if outcome.next_at is not None and outcome.next_at <= now:
            # Due again within this sweep would loop forever; the next tick picks it up.
            outcome = replace(outcome, next_at=now + MIN_STEP)
        tally.sent += outcome.sent
        results.append(outcome)
    return results
