"""How long one reminder sweep takes over many pending pre-approvals, and how many SQL statements.

Seeds N open pre-approvals (default 10,000) spread over M owners (default 200), all due
their owner's round now, a tenth of them needed within two days (so the risk check posts
too), then runs one sweep against the sandbox's Slack stand-in over real HTTP and prints
items per second and the SQL statements the sweep ran (a before_cursor_execute count).

    .venv/bin/python bench/sweep.py [--items 10000] [--owners 200] [--database-url URL]

The script prints numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, insert

from bot.preapprovals.plan import RISK, ROUND
from bot.sandbox.seed import User
from bot.sandbox.world import Sandbox, start_sandbox
from storage import patients, people
from storage.models import ReminderRow
from storage.preapprovals.models import PreapprovalRow

TEAM = "T0CAREBOT"
CHANNEL = "C0CARDIO1"
NOW = datetime(2027, 3, 2, 14, 0, tzinfo=UTC)  # Tuesday 9:00 in New York: round time


def seed(world: Sandbox, items: int, owners: int) -> list[str]:
    """Owners (as Slack users and cached people), their requests and their round reminders."""
    ids = [f"U{n:06d}BN" for n in range(owners)]
    for user in ids:
        world.standin.workspace.users[user] = User(user, user.lower(), f"Owner {user}")
    opened = NOW - timedelta(days=1)
    with world.db.session() as session:
        patient = patients.find_or_create(session, TEAM, "Jane Doe", None, "U0COORD01", now=opened)
        for user in ids:
            people.upsert(
                session,
                TEAM,
                user,
                name=user,
                real_name=user,
                timezone="America/New_York",
                is_bot=False,
                deleted=False,
                now=NOW,
            )
        rows = []
        for index in range(items):
            soon = index % 10 == 0
            rows.append(
                {
                    "team_id": TEAM,
                    "number": index + 1,
                    "patient_id": patient.id,
                    "payer": "Aetna",
                    "service": "MRI lumbar spine",
                    "service_codes": "72148",
                    "owner_id": ids[index % owners],
                    "created_by": "U0COORD01",
                    "channel_id": CHANNEL,
                    "urgency": "expedited" if index % 3 == 0 else "standard",
                    "status": "not_started",
                    "needed_by": NOW + timedelta(days=1, hours=index % 24) if soon else None,
                    "nudge_at": NOW,
                    "created_at": opened,
                    "updated_at": opened,
                }
            )
        session.execute(insert(PreapprovalRow), rows)
        reminders = [_reminder(ROUND, user) for user in ids]
        reminders += [_reminder(RISK, f"PA-{r['number']}") for r in rows if r["needed_by"]]
        session.execute(insert(ReminderRow), reminders)
    return ids


def _reminder(kind: str, subject: str) -> dict[str, Any]:
    return {
        "team_id": TEAM,
        "kind": kind,
        "subject_ref": subject,
        "next_at": NOW,
        "attempts": 0,
        "payload": {},
        "created_at": NOW,
        "updated_at": NOW,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--owners", type=int, default=200)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()

    world = start_sandbox(start=NOW - timedelta(hours=1), database_url=args.database_url)
    try:
        seed(world, args.items, args.owners)
        statements = 0

        def count(*_: Any) -> None:
            nonlocal statements
            statements += 1

        event.listen(world.db.engine, "before_cursor_execute", count)
        started = time.perf_counter()
        lines = world.move_clock(NOW)
        elapsed = time.perf_counter() - started
        event.remove(world.db.engine, "before_cursor_execute", count)
        posts = world.standin.calls("chat.postMessage")
    finally:
        world.close()

    print(f"database:            {world.db.dialect}")
    print(
        f"pending items:       {args.items:,} ({args.owners} owners, {args.items // 10:,} at risk)"
    )
    for line in lines:
        print(f"sweep:               {line}")
    print(f"Slack posts:         {len(posts):,}")
    print(f"sweep time:          {elapsed:.2f} s")
    print(f"items per second:    {args.items / elapsed:,.0f}")
    print(f"SQL statements:      {statements:,} ({statements / args.items:.3f} per item)")


if __name__ == "__main__":
    main()
