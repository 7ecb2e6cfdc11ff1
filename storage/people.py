"""A cache of Slack users.info answers: names and time zones of the people the bot talks to."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import PersonRow
from storage.sql import insert
from storage.stamp import utc_now


def upsert(
    session: Session,
    team_id: str,
    user_id: str,
    *,
    name: str,
    real_name: str,
    timezone: str | None,
    is_bot: bool = False,
    deleted: bool = False,
    now: datetime | None = None,
) -> None:
    """Store what users.info said about a person, replacing any earlier answer."""
    values = {
        "name": name[:200],
        "real_name": real_name[:200],
        "timezone": timezone or None,
        "is_bot": is_bot,
        "deleted": deleted,
        "fetched_at": utc_now(now),
    }
    statement = insert(session, PersonRow).values(team_id=team_id, user_id=user_id, **values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[PersonRow.team_id, PersonRow.user_id], set_=values
        )
    )


def get(
    session: Session, team_id: str, user_id: str, max_age: timedelta, now: datetime
) -> PersonRow | None:
    """The cached person, or None when never fetched or fetched longer than `max_age` ago."""
    person = session.get(PersonRow, (team_id, user_id), populate_existing=True)
    if person is None or person.fetched_at < utc_now(now) - max_age:
        return None
    return person


def someone(session: Session) -> tuple[str, str] | None:
    """Any one person in the cache (workspace, user), or None: for reading one at start."""
    found = session.execute(select(PersonRow.team_id, PersonRow.user_id).limit(1)).first()
    return (found[0], found[1]) if found is not None else None
