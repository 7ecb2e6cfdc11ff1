"""The escalation ladder: rungs in order, only the highest due one after downtime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.handoffs.rules.escalation import first_at, step
from bot.shared.rules.ladders import DEFAULT_LADDERS, LadderError, Rung, parse_ladders
from bot.shared.rules.severity import Severity

POSTED = datetime(2027, 3, 1, 19, 0, tzinfo=UTC)
UNSTABLE = DEFAULT_LADDERS[Severity.UNSTABLE]


def minutes(n: int) -> datetime:
    return POSTED + timedelta(minutes=n)


def test_sicker_patients_escalate_sooner_and_only_unstable_reach_the_channel() -> None:
    firsts = {s: first_at(DEFAULT_LADDERS[s], POSTED) for s in Severity}
    assert firsts[Severity.UNSTABLE] < firsts[Severity.WATCHER] < firsts[Severity.STABLE]
    assert [rung for rung, _ in UNSTABLE] == [Rung.DM, Rung.THREAD, Rung.CHANNEL]
    assert all(
        Rung.CHANNEL not in dict(DEFAULT_LADDERS[s]) for s in (Severity.STABLE, Severity.WATCHER)
    )


def test_rungs_come_one_after_another() -> None:
    assert step(UNSTABLE, POSTED, 0, minutes(9)).rung is None
    dm = step(UNSTABLE, POSTED, 0, minutes(10))
    assert (dm.rung, dm.next_at, dm.climbed) == (Rung.DM, minutes(20), 1)
    thread = step(UNSTABLE, POSTED, 1, minutes(20))
    assert (thread.rung, thread.next_at, thread.climbed) == (Rung.THREAD, minutes(60), 2)
    channel = step(UNSTABLE, POSTED, 2, minutes(61))
    assert (channel.rung, channel.next_at, channel.climbed) == (Rung.CHANNEL, None, 3)


def test_a_bot_that_was_down_sends_only_the_highest_due_rung() -> None:
    late = step(UNSTABLE, POSTED, 0, minutes(45))
    assert (late.rung, late.climbed, late.next_at) == (Rung.THREAD, 2, minutes(60))


def test_ladders_are_configurable_per_severity() -> None:
    ladders = parse_ladders("stable=off, unstable=5m/10m/30m")
    assert ladders[Severity.STABLE] == ()
    assert ladders[Severity.WATCHER] == DEFAULT_LADDERS[Severity.WATCHER]
    assert [d for _, d in ladders[Severity.UNSTABLE]] == [
        timedelta(minutes=5),
        timedelta(minutes=10),
        timedelta(minutes=30),
    ]
    assert parse_ladders("watcher=1h")[Severity.WATCHER] == ((Rung.DM, timedelta(hours=1)),)


@pytest.mark.parametrize(
    "text", ["critical=10m", "stable=10m/5m", "stable=1m/2m/3m/4m", "stable=soon", "stable=0m"]
)
def test_bad_ladders_are_refused(text: str) -> None:
    with pytest.raises(LadderError):
        parse_ladders(text)
