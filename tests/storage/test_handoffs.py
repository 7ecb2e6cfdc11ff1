"""Handoffs: H-refs, one acknowledgement even when two arrive at once, ticks, edits, lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.handoffs.rules.actions import ActionItem
from storage import Database, patients
from storage.handoffs import queries as handoffs
from storage.handoffs.models import HandoffRow
from tests.storage.concurrency import together

T0 = datetime(2027, 3, 1, 19, 0, tzinfo=UTC)
TEAM, AUTHOR, SAM, PATEL = "T1", "U0COORD01", "U0NURSE01", "U0DRPATEL"


def add(db: Database, *, receiver: str | None = SAM, group: str | None = None) -> HandoffRow:
    with db.session() as session:
        patient = patients.find_or_create(session, TEAM, "Jane Doe", None, AUTHOR, now=T0)
        row = handoffs.add(
            session,
            TEAM,
            patient_id=patient.id,
            template="ipass",
            severity="watcher",
            sections={"summary": "stable overnight"},
            channel_id="C1",
            author_id=AUTHOR,
            receiver_user=receiver,
            receiver_group=group,
            actions=[ActionItem("Recheck K+", SAM, T0 + timedelta(hours=2)), ActionItem("Call")],
            now=T0,
        )
        handoffs.set_posted(session, TEAM, row.id, "1.0001", T0)
        return row


def test_refs_count_per_workspace_and_items_keep_their_order(db: Database) -> None:
    first, second = add(db), add(db)
    assert (first.ref, second.ref) == ("H-1", "H-2")
    with db.session(read_only=True) as session:
        found = handoffs.get_by_ref(session, TEAM, "h2")
        assert found is not None and found.id == second.id
        assert [a.text for a in found.actions] == ["Recheck K+", "Call"]
        assert handoffs.get_by_ref(session, "T2", "H-2") is None


def test_two_acknowledgements_at_once_make_one(db: Database) -> None:
    row = add(db)

    def acknowledge(i: int) -> bool:
        with db.session() as session:
            return handoffs.acknowledge(session, TEAM, row.id, f"U{i}", "read back", T0)

    assert sorted(together(4, acknowledge)) == [False, False, False, True]


def test_an_item_is_ticked_once_and_an_edit_keeps_ticks_of_items_typed_again(db: Database) -> None:
    row = add(db)
    with db.session() as session:
        assert handoffs.mark_done(session, TEAM, row.id, 1, SAM, T0)
        assert not handoffs.mark_done(session, TEAM, row.id, 1, PATEL, T0)
    with db.session() as session:
        current = handoffs.get(session, TEAM, row.id)
        handoffs.replace_content(
            session,
            current,
            severity="unstable",
            sections={"summary": "worse"},
            receiver_user=None,
            receiver_group="S1",
            actions=[ActionItem("New step"), ActionItem("Recheck K+", SAM)],
            now=T0,
        )
    with db.session(read_only=True) as session:
        edited = handoffs.get(session, TEAM, row.id)
        assert [(a.position, a.text, a.done_by) for a in edited.actions] == [
            (1, "New step", None),
            (2, "Recheck K+", SAM),
        ]
        assert (edited.severity, edited.receiver_group) == ("unstable", "S1")


def test_lists_show_what_waits_for_a_person_or_their_group(db: Database) -> None:
    mine, for_group, _ = add(db), add(db, receiver=None, group="S1"), add(db, receiver=PATEL)
    with db.session() as session:
        handoffs.mark_done(session, TEAM, mine.id, 1, SAM, T0)
    with db.session(read_only=True) as session:
        assert handoffs.open_groups(session, TEAM) == ["S1"]
        waiting = handoffs.waiting_for(session, TEAM, SAM, ["S1"])
        assert [h.ref for h in waiting] == [mine.ref, for_group.ref]
        assert len(handoffs.sent_by(session, TEAM, AUTHOR)) == 3
        open_items = handoffs.open_actions_of(session, TEAM, SAM)
        assert [(a.handoff.ref, a.text) for a in open_items] == [
            ("H-2", "Recheck K+"),
            ("H-3", "Recheck K+"),
        ]
    with db.session() as session:
        handoffs.acknowledge(session, TEAM, mine.id, SAM, "read back", T0)
    with db.session(read_only=True) as session:
        assert [h.ref for h in handoffs.waiting_for(session, TEAM, SAM, [])] == []
