"""Drafts: input shown back for confirmation (a booking preview), kept until used or stale.

A used draft is kept, its typed input dropped, as the record of what it made (`MADE`):
a second Confirm, after a crash or from a double click, is answered with that booking.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from storage.models import DraftRow
from storage.sql import rowcount
from storage.stamp import utc_now


def save(
    session: Session,
    team_id: str,
    user_id: str,
    purpose: str,
    payload: Mapping[str, Any],
    now: datetime,
) -> str:
    """Keep a JSON-able payload for later; returns the draft's id for buttons to carry."""
    draft_id = uuid.uuid4().hex
    session.flush()  # in order with what the session holds, as the ORM would write it
    session.connection().execute(
        _SAVE,
        {
            "id": draft_id,
            "team_id": team_id,
            "user_id": user_id,
            "purpose": purpose,
            "payload": dict(payload),
            "created_at": utc_now(now),
        },
    )
    return draft_id


# Every booking preview writes one: a plain INSERT, built once (no ORM unit of work).
_SAVE = insert(DraftRow)


def get(session: Session, team_id: str, draft_id: str) -> DraftRow | None:
    """This workspace's draft with this id, or None (also for another workspace's id)."""
    return session.execute(
        select(DraftRow).where(DraftRow.id == draft_id, DraftRow.team_id == team_id)
    ).scalar_one_or_none()


MADE = "made"  # a used draft's payload: the ref of the record it made, and nothing else


def mark_used(session: Session, team_id: str, draft_id: str, made: str) -> None:
    """Keep the draft as the record of what it made (a ref); what was typed is dropped."""
    row = get(session, team_id, draft_id)
    if row is not None:
        row.payload = {MADE: made}


def made_from(row: DraftRow) -> str | None:
    """The ref of what a used draft made; None while it is unused."""
    made = row.payload.get(MADE)
    return made if isinstance(made, str) else None


def discard(session: Session, team_id: str, draft_id: str) -> bool:
    """Delete this workspace's draft; False when it was already gone."""
    result = session.execute(
        delete(DraftRow).where(DraftRow.id == draft_id, DraftRow.team_id == team_id)
    )
    return rowcount(result) > 0


def purge_older_than(session: Session, cutoff: datetime) -> int:
    """Delete drafts saved before `cutoff`, in every workspace; returns how many went."""
    return rowcount(session.execute(delete(DraftRow).where(DraftRow.created_at < utc_now(cutoff))))
