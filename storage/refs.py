"""Short record refs users can type (P-12, A-3, H-7, PA-31), numbered per workspace."""

from __future__ import annotations

import re

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage.models import RefCounterRow
from storage.sql import insert

_MAX_DIGITS = 9  # stays inside a 32-bit INTEGER column


def next_number(session: Session, team_id: str, prefix: str) -> int:
    """The next number for `prefix` in this workspace: 1, 2, 3, ... with no repeats."""
    if not re.fullmatch(r"[A-Z]{1,3}", prefix):
        raise ValueError(f"ref prefix {prefix!r} must be 1-3 capital letters, like P or PA")
    session.execute(
        insert(session, RefCounterRow)
        .values(team_id=team_id, prefix=prefix, last_value=0)
        .on_conflict_do_nothing()
    )
    # The UPDATE row lock (or SQLite's write lock) holds until commit, so numbers never repeat.
    number = session.execute(
        update(RefCounterRow)
        .where(RefCounterRow.team_id == team_id, RefCounterRow.prefix == prefix)
        .values(last_value=RefCounterRow.last_value + 1)
        .returning(RefCounterRow.last_value)
    ).scalar_one()
    return int(number)


def parse_ref(text: str, prefix: str) -> int | None:
    """The number in a typed ref like "P-12", "p-12" or "P12"; None when it is not one."""
    match = re.fullmatch(
        rf"{re.escape(prefix)}-?(\d{{1,{_MAX_DIGITS}}})", text.strip(), flags=re.IGNORECASE
    )
    if match is None:
        return None
    number = int(match.group(1))
    return number if number > 0 else None


def format_ref(prefix: str, number: int) -> str:
    """The canonical spelling of a ref: format_ref("P", 12) == "P-12"."""
    return f"{prefix}-{number}"
