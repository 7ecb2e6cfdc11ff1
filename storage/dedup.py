"""Keys of requests already handled (event ids, button clicks), so retries do nothing twice."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import ProcessedKeyRow
from storage.sql import insert, rowcount
from storage.stamp import utc_now

MAX_KEY = 255
# The claim runs before Slack's 3 s ack: better to give up than to miss the ack.
CLAIM_MAX_WAIT_S = 1.5


def first_time(db_or_session: Database | Session, team_id: str, key: str, now: datetime) -> bool:
    """True for the first caller with this key, False for every later (or concurrent) one.

    Given a Database the key is committed at once, waiting at most CLAIM_MAX_WAIT_S for
    the database (else DatabaseBusy); given a Session it commits (or rolls back, freeing
    the key for a retry) with the caller's unit of work.
    """
    if isinstance(db_or_session, Database):
        with db_or_session.session(max_wait_s=CLAIM_MAX_WAIT_S) as session:
            return _claim(session, team_id, key, now)
    return _claim(db_or_session, team_id, key, now)


def forget(session: Session, team_id: str, key: str) -> None:
    """Let this key through once more, e.g. after the work it guarded failed."""
    session.execute(
        delete(ProcessedKeyRow).where(
            ProcessedKeyRow.team_id == team_id, ProcessedKeyRow.key == _fit(key)
        )
    )


def purge_older_than(session: Session, cutoff: datetime) -> int:
    """Delete keys stored before `cutoff`; returns how many went."""
    result = session.execute(delete(ProcessedKeyRow).where(ProcessedKeyRow.at < utc_now(cutoff)))
    return rowcount(result)


def _claim(session: Session, team_id: str, key: str, now: datetime) -> bool:
    # Concurrent inserters of one key wait on the unique index; only one row goes in.
    inserted = session.execute(
        insert(session, ProcessedKeyRow)
        .values(team_id=team_id, key=_fit(key), at=utc_now(now))
        .on_conflict_do_nothing()
        .returning(ProcessedKeyRow.key)
    ).first()
    return inserted is not None


def _fit(key: str) -> str:
    """Keys past the column's width become a digest, so long keys still match themselves."""
    if len(key) <= MAX_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()
