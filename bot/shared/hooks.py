"""Cross-feature reactions: one feature announces a change, another reacts in the same transaction.

Appointments does not import pre-approvals: it publishes `AppointmentChanged` and whoever
subscribed (pre-approvals, to move a request's "needed by") runs inside the write session
that changed the visit, so both land or neither does. The same way, a record landing in a
channel and a channel's saved settings reach the daily digest without anyone importing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from bot.shared.rules.channel_settings import ChannelSettings

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


@dataclass(frozen=True)
class RecordInChannel:
    """A visit, handoff or pre-approval now belongs to this channel (its digest should know)."""

    team_id: str
    channel_id: str | None
    at: datetime


@dataclass(frozen=True)
class ChannelSettingsSaved:
    """An admin saved a channel's settings; `in_force` is what applies there now."""

    team_id: str
    channel_id: str
    in_force: ChannelSettings
    at: datetime


InChannel = Callable[["Session", str, "str | None", datetime], None]


class Hooks:
    """Subscribers by event type, called in order, in the publisher's session."""

    def __init__(self) -> None:
        self._subscribers: dict[type[Any], list[Callable[[Session, Any], None]]] = {}

    def subscribe(self, event: type[E], reaction: Callable[[Session, E], None]) -> None:
        self._subscribers.setdefault(event, []).append(reaction)

    def publish(self, session: Session, event: object) -> None:
        for reaction in self._subscribers.get(type(event), ()):
            reaction(session, event)

    def in_channel(self) -> InChannel:
        """What a feature calls, in its write session, when a record of it lands in a channel."""
        return lambda session, team, channel, at: self.publish(
            session, RecordInChannel(team, channel, at)
        )
