"""Clocks: the one place the bot learns what time it is."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to: for tests and the sandbox."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> datetime:
        """Move forward by a timedelta's keywords (days=2, minutes=15, ...)."""
        step = timedelta(**delta)
        if step < timedelta(0):
            raise ValueError("time only moves forward")
        with self._lock:
            self._now += step
            return self._now

    def set(self, instant: datetime) -> datetime:
        """Jump to an instant that is not in the past."""
        if instant.tzinfo is None:
            raise ValueError("FakeClock.set needs a timezone-aware instant")
        instant = instant.astimezone(UTC)
        with self._lock:
            if instant < self._now:
                raise ValueError("time only moves forward")
            self._now = instant
            return self._now
