"""Dialect helpers shared by the query modules."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert(session: Session, entity: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that knows ON CONFLICT for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(entity)
    return sqlite.insert(entity)
