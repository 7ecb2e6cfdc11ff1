"""Who has opened carebot's Home tab lately, so a change redraws only tabs someone looks at.

Kept as `home:<user>` keys in the processed-keys table: no migration, shared by replicas,
and the sweep's purge of week-old keys forgets people who stopped looking.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ProcessedKeyRow
from storage.sql import insert
from storage.stamp import utc_now

PREFIX = "home:"


def opened(session: Session, team_id: str, user_id: str, now: datetime) -> None:
    """Remember that this person opened their Home tab now."""
    statement = insert(session, ProcessedKeyRow).values(
        team_id=team_id, key=PREFIX + user_id, at=utc_now(now)
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[ProcessedKeyRow.team_id, ProcessedKeyRow.key],
            set_={"at": utc_now(now)},
        )
    )


def visitors(session: Session, team_id: str, user_ids: Collection[str]) -> set[str]:
    """Those of these people who have opened their Home tab lately: one query."""
    if not user_ids:
        return set()
    keys = sorted(PREFIX + u for u in user_ids)
    found = session.scalars(
        select(ProcessedKeyRow.key).where(
            ProcessedKeyRow.team_id == team_id, ProcessedKeyRow.key.in_(keys)
        )
    )
    return {key.removeprefix(PREFIX) for key in found}
