"""Hooks: a feature's change reaches the features that subscribed, in their order, with the
publisher's session; nobody else hears it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.shared.hooks import AppointmentChanged, Hooks, RecordInChannel

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def test_subscribers_hear_their_event_in_order_with_the_session() -> None:
    hooks, heard = Hooks(), []
    session: Any = object()
    hooks.subscribe(AppointmentChanged, lambda s, e: heard.append(("first", s, e.appointment_id)))
    hooks.subscribe(AppointmentChanged, lambda s, e: heard.append(("second", s, e.appointment_id)))
    hooks.subscribe(RecordInChannel, lambda s, e: heard.append(("digest", s, e.channel_id)))

    hooks.publish(session, AppointmentChanged("T1", 7, NOW, on_schedule=True, at=NOW))

    assert heard == [("first", session, 7), ("second", session, 7)]


def test_in_channel_publishes_what_a_feature_tells_it() -> None:
    hooks, heard = Hooks(), []
    hooks.subscribe(RecordInChannel, lambda s, e: heard.append(e))

    hooks.in_channel()(None, "T1", "C1", NOW)  # type: ignore[arg-type]

    assert heard == [RecordInChannel("T1", "C1", NOW)]
