"""The fallback stamp for bookkeeping times when a caller passes no `now`."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now(now: datetime | None = None) -> datetime:
    """`now` when given (it must be aware), else the system clock in UTC."""
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime {now.isoformat()} refused: pass an aware one")
    return now.astimezone(UTC)
