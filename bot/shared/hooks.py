"""Cross-feature reactions: one feature announces a change, another reacts in the same transaction.

Appointments does not import pre-approvals: it publishes `AppointmentChanged` and whoever
subscribed (pre-approvals, to move a request's "needed by") runs inside the write session
that changed the visit, so both land or neither does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

E = TypeVar("E")


@dataclass(frozen=True)
class AppointmentChanged:
    """A visit moved or changed status; `on_schedule` is False once it left the schedule."""

    team_id: str
    appointment_id: int
    start_at: datetime
    on_schedule: bool
    at: datetime


class Hooks:
    """Subscribers by event type, called in order, in the publisher's session."""

    def __init__(self) -> None:
        self._subscribers: dict[type[Any], list[Callable[[Session, Any], None]]] = {}

    def subscribe(self, event: type[E], reaction: Callable[[Session, E], None]) -> None:
        self._subscribers.setdefault(event, []).append(reaction)

    def publish(self, session: Session, event: object) -> None:
        for reaction in self._subscribers.get(type(event), ()):
            reaction(session, event)
