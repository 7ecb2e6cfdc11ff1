"""The escalation ladder: rungs in order, only the highest due one after downtime; whom the
DM rung writes to and which action item is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.handoffs.rules.escalation import (
    MAX_ROLE_DMS,
    dm_receivers,
    escalation_step,
    first_at,
    in_thread,
    item_due,
    step,
    waited_minutes,
)
from bot.handoffs.rules.handoff import Receiver, Template
from bot.handoffs.rules.records import Handoff, Item, item_of_subject, item_subject
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


# -- the planners the reminder kinds follow: plain values in, a decision out ------------


NURSE = Receiver("U0NURSE01")


def handoff(
    *,
    receiver: Receiver = NURSE,
    posted: datetime | None = POSTED,
    acknowledged: bool = False,
    escalated: int = 0,
    items: tuple[Item, ...] = (),
) -> Handoff:
    return Handoff(
        id=1,
        team_id="T1",
        ref="H-1",
        template=Template.IPASS,
        severity=Severity.UNSTABLE,
        sections={"summary": "stable overnight"},
        patient="J.D. (P-1)",
        patient_ref="P-1",
        channel_id="C1",
        author_id="U0AUTHOR",
        receiver=receiver,
        items=items,
        written_at=POSTED,
        message_ts="1.1" if posted else None,
        posted_at=posted,
        acknowledged_by="U0NURSE01" if acknowledged else None,
        acknowledged_at=minutes(5) if acknowledged else None,
        synthesis="will recheck K+" if acknowledged else None,
        escalated=escalated,
    )


def item(position: int, owner: str | None = "U0OWNER", done: bool = False) -> Item:
    done_at = minutes(1) if done else None
    return Item(position, "Recheck K+", owner, None, "U0OWNER" if done else None, done_at)


def test_an_escalation_stops_for_a_handoff_gone_or_acknowledged() -> None:
    assert escalation_step(None, UNSTABLE, minutes(30)) is None
    assert escalation_step(handoff(acknowledged=True), UNSTABLE, minutes(30)) is None


def test_a_card_slack_never_took_still_escalates_from_when_it_was_written() -> None:
    unposted = handoff(posted=None)
    due = escalation_step(unposted, UNSTABLE, minutes(25))
    assert due == step(UNSTABLE, POSTED, 0, minutes(25))
    assert due is not None and due.rung is Rung.THREAD
    # No card, so no thread: the nudge goes to the receiver's DMs instead.
    assert in_thread(Rung.THREAD, unposted) is Rung.DM
    assert in_thread(Rung.THREAD, handoff()) is Rung.THREAD
    assert in_thread(Rung.CHANNEL, unposted) is Rung.CHANNEL


def test_an_escalation_climbs_from_the_rungs_already_sent() -> None:
    due = escalation_step(handoff(escalated=1), UNSTABLE, minutes(25))
    assert due == step(UNSTABLE, POSTED, 1, minutes(25))
    assert due is not None and (due.rung, due.climbed) == (Rung.THREAD, 2)
    assert waited_minutes(handoff(), minutes(25)) == 25


def test_the_dm_rung_writes_to_the_receiver_or_the_roles_members_but_not_the_author() -> None:
    assert dm_receivers(Receiver("U1"), "U0AUTHOR", {"U2"}) == ["U1"]
    role = Receiver(None, "S1")
    assert dm_receivers(role, "U0AUTHOR", {"U3", "U0AUTHOR", "U2"}) == ["U2", "U3"]
    assert dm_receivers(Receiver(), "U0AUTHOR", {"U2"}) == []


def test_a_role_too_big_to_dm_gets_no_dms() -> None:
    crowd = {f"U{i:03}" for i in range(MAX_ROLE_DMS + 1)}
    assert dm_receivers(Receiver(None, "S1"), "U0AUTHOR", crowd) == []
    assert len(dm_receivers(Receiver(None, "S1"), "U000", crowd)) == MAX_ROLE_DMS


def test_only_an_open_owned_item_is_due() -> None:
    found = handoff(items=(item(1), item(2, owner=None), item(3, done=True)))
    assert item_due(found, 1) == item(1)
    assert item_due(found, 2) is None  # nobody to tell
    assert item_due(found, 3) is None  # done already
    assert item_due(found, 4) is None and item_due(found, None) is None
    assert item_due(None, 1) is None


def test_an_item_reminder_names_its_handoff_and_position() -> None:
    assert item_subject("H-7", 2) == "H-7/2"
    assert item_of_subject("H-7/2") == ("H-7", 2)
    assert item_of_subject("H-7/x") == ("H-7", None)
