"""One DM per owner per round, however many sweeps run at once and however the rows batch."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from bot.preapprovals.plan import ROUND
from bot.preapprovals.reminders import OwnerRound, Renderers, RoundDM
from bot.runtime.config import Settings
from bot.shared.channel_settings import SettingsResolver
from bot.shared.commands import Reply
from bot.shared.directory import Directory
from bot.shared.home import HomeTab
from bot.shared.messages import OnceSender
from bot.shared.records import Records
from bot.shared.rules.clock import FakeClock
from bot.shared.rules.reminders import sweep
from storage import Database, patients, people, reminders
from storage.preapprovals import queries as preapprovals
from storage.preapprovals import sent as preapproval_sent
from storage.preapprovals.models import PreapprovalRow
from storage.reminders import SqlReminderStore
from tests.conftest import WorkerDatabase
from tests.storage.concurrency import together

TEAM = "T1"
NOW = datetime(2027, 3, 2, 14, 0, tzinfo=UTC)  # Tuesday 9:00 in New York
OWNERS = [f"U{n:04d}OWN" for n in range(50)]
ITEMS_PER_OWNER = 20


class RecordingSlack:
    """Stands in for the WebClient: records every DM, answers like chat.postMessage."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def chat_postMessage(self, *, channel: str, text: str, **_: Any) -> dict[str, str]:
        with self._lock:
            self.posts.append((channel, text))
            return {"channel": "D" + channel[1:], "ts": f"{len(self.posts)}.000"}


def listed(dm: RoundDM) -> Reply:
    return Reply(text=f"{len(dm.items) + dm.more} " + ",".join(i.ref for i in dm.items))


def seed(db: Database) -> None:
    """1,000 open requests of 50 owners, all due now, each owner's round due now."""
    with db.session() as session:
        patient = patients.find_or_create(session, TEAM, "Jane Doe", None, "U0COORD01", now=NOW)
        for owner in OWNERS:
            people.upsert(
                session,
                TEAM,
                owner,
                name=owner,
                real_name=owner,
                timezone="America/New_York",
                is_bot=False,
                deleted=False,
                now=NOW,
            )
        opened = NOW - timedelta(days=1)
        session.execute(
            insert(PreapprovalRow),
            [
                {
                    "team_id": TEAM,
                    "number": index + 1,
                    "patient_id": patient.id,
                    "payer": "Aetna",
                    "service": "MRI",
                    "owner_id": OWNERS[index % len(OWNERS)],
                    "created_by": "U0COORD01",
                    "urgency": "standard",
                    "status": "not_started",
                    "nudge_at": NOW,
                    "created_at": opened,
                    "updated_at": opened,
                }
                for index in range(len(OWNERS) * ITEMS_PER_OWNER)
            ],
        )
        for owner in OWNERS:
            reminders.schedule(session, TEAM, ROUND, owner, NOW, now=NOW)


@pytest.fixture
def pg(postgres_worker_db: WorkerDatabase) -> Iterator[Database]:
    postgres_worker_db.empty()
    database = Database(postgres_worker_db.url)
    yield database
    database.dispose()


def owner_round(db: Database) -> tuple[OwnerRound, RecordingSlack]:
    slack = RecordingSlack()
    settings = Settings(timezone=ZoneInfo("America/New_York"))
    clock = FakeClock(NOW)
    unused: Any = None  # a round decides no access and parses no times
    records = Records(
        db=db,
        clock=clock,
        times=unused,
        people=Directory(db, slack, clock, settings.timezone),  # type: ignore[arg-type]
        access=unused,
        in_force=SettingsResolver(db, settings),
    )
    kind = OwnerRound(
        records,
        slack=slack,  # type: ignore[arg-type]
        once=OnceSender(slack),  # type: ignore[arg-type]
        home=HomeTab(),
        render=Renderers(round=listed, risk=listed),  # type: ignore[arg-type]
    )
    return kind, slack


@pytest.mark.postgres
def test_three_concurrent_sweeps_send_every_owner_exactly_one_dm(pg: Database) -> None:
    seed(pg)
    kind, slack = owner_round(pg)
    store = SqlReminderStore(pg)

    reports = together(3, lambda i: sweep(store, {ROUND: kind}, NOW, owner=f"sweeper-{i}", batch=7))

    per_owner = Counter(channel for channel, _ in slack.posts)
    assert per_owner == Counter(dict.fromkeys(OWNERS, 1))
    assert sum(int(text.split()[0]) for _, text in slack.posts) == 1000
    assert sum(r.sent for r in reports) == len(OWNERS)
    with pg.session(read_only=True) as session:
        due = session.query(PreapprovalRow).filter(PreapprovalRow.nudge_at <= NOW).count()
        assert due == 0
        assert all(len(preapproval_sent.rounds_sent(session, TEAM, o)) == 1 for o in OWNERS)
        assert reminders.get(session, TEAM, ROUND, OWNERS[0]).next_at == NOW + timedelta(days=1)  # type: ignore[union-attr]

    again = together(3, lambda i: sweep(store, {ROUND: kind}, NOW, owner=f"late-{i}"))
    assert sum(r.sent for r in again) == 0 and len(slack.posts) == len(OWNERS)


@pytest.mark.postgres
def test_one_dm_per_round_even_when_changes_keep_dropping_the_sweeps_leases(
    pg: Database,
) -> None:
    """Each change to a request plans its owner's round again, which drops a sweep's lease,
    so two sweeps can hold the same owner's round at once: the round key still lets one send."""
    seed(pg)
    kind, slack = owner_round(pg)
    store = SqlReminderStore(pg)

    def work(index: int) -> object:
        if index < 3:
            return sweep(store, {ROUND: kind}, NOW, owner=f"sweeper-{index}", batch=5)
        for _ in range(3):  # a coordinator's changes, owner after owner, during the sweeps
            for owner in OWNERS:
                with pg.session() as session:
                    reminders.schedule(session, TEAM, ROUND, owner, NOW, now=NOW)
        return None

    together(4, work)
    sweep(store, {ROUND: kind}, NOW, owner="afterwards")  # whatever the changes left due

    assert Counter(channel for channel, _ in slack.posts) == Counter(dict.fromkeys(OWNERS, 1))


def test_a_round_already_claimed_is_not_claimed_again_until_its_claim_is_stale(
    db: Database,
) -> None:
    with db.session() as session:
        claimed = preapproval_sent.claim_rounds(
            session, TEAM, [(OWNERS[0], NOW.isoformat())], now=NOW, stale_before=NOW
        )
        assert claimed == {OWNERS[0]}
        again = preapproval_sent.claim_rounds(
            session,
            TEAM,
            [(OWNERS[0], NOW.isoformat()), (OWNERS[1], NOW.isoformat())],
            now=NOW,
            stale_before=NOW - timedelta(minutes=10),
        )
        assert again == {OWNERS[1]}
        # A claim whose DM never went out is taken over once it is stale.
        later = NOW + timedelta(minutes=11)
        stale = preapproval_sent.claim_rounds(
            session,
            TEAM,
            [(OWNERS[0], NOW.isoformat())],
            now=later,
            stale_before=later - timedelta(minutes=10),
        )
        assert stale == {OWNERS[0]}
        assert preapproval_sent.purge_rounds(session, TEAM, later) == 1  # the one not retaken
        assert preapproval_sent.purge_rounds(session, TEAM, later + timedelta(seconds=1)) == 1
        assert preapproval_sent.rounds_sent(session, TEAM, OWNERS[0]) == []


def test_messages_remember_what_they_show_in_order_and_nudges_move_in_one_go(
    db: Database,
) -> None:
    seed(db)
    with db.session() as session:
        rows = preapprovals.due_for_owners(session, TEAM, OWNERS[:2], NOW)
        assert len(rows) == 2 * ITEMS_PER_OWNER
        first, second = rows[0].id, rows[1].id
        preapproval_sent.remember_messages(
            session,
            TEAM,
            [("D1", "1.0", "round", [second, first]), ("C1", "2.0", "risk", [first])],
            now=NOW,
        )
        snoozed = preapprovals.by_ids(session, [rows[2].id])[rows[2].id]
        snoozed.nudge_at = NOW + timedelta(hours=5)  # snoozed while the round was being sent
        session.flush()
        preapprovals.set_nudges(session, [(r.id, NOW, NOW + timedelta(days=1)) for r in rows])
    with db.session(read_only=True) as session:
        shown = preapproval_sent.items_in_message(session, TEAM, "D1", "1.0")
        assert [r.id for r in shown] == [second, first]
        assert sorted(preapproval_sent.messages_showing(session, first)) == [
            ("C1", "2.0", "risk"),
            ("D1", "1.0", "round"),
        ]
        assert preapprovals.due_for_owners(session, TEAM, OWNERS[:2], NOW) == []
        assert preapprovals.later_nudges(session, TEAM, OWNERS[:2], NOW) == {
            OWNERS[0]: NOW + timedelta(hours=5),  # rows[2] is OWNERS[0]'s: 20 rows by owner
            OWNERS[1]: NOW + timedelta(days=1),
        }
        assert preapprovals.first_nudge(session, TEAM, OWNERS[2]) == NOW
    with db.session() as session:
        assert preapproval_sent.purge_messages(session, TEAM, NOW) == 0
        assert preapproval_sent.purge_messages(session, TEAM, NOW + timedelta(seconds=1)) == 3
        assert preapproval_sent.messages_showing(session, first) == []
