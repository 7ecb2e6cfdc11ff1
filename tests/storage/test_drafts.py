"""Drafts: a preview's payload kept for its buttons, within its own workspace only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import Database, drafts

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PROPOSAL = {
    "patient": {"name": "Jane Doe", "mrn": None, "ref": None},
    "kind": "imaging",
    "start": "2026-03-03T15:00:00+00:00",
    "minutes": 45,
    "notes": "<!channel> & fasting",
}


def save(db: Database, team_id: str = "T1", at: datetime = T0) -> str:
    with db.session() as session:
        return drafts.save(session, team_id, "U1", "appt.book", PROPOSAL, at)


def test_a_draft_comes_back_as_it_was_saved(db: Database) -> None:
    draft_id = save(db)

    with db.session(read_only=True) as session:
        found = drafts.get(session, "T1", draft_id)

    assert found is not None
    assert (found.user_id, found.purpose, found.created_at) == ("U1", "appt.book", T0)
    assert found.payload == PROPOSAL
    assert len(draft_id) == 32 and draft_id != save(db)


def test_another_workspace_can_neither_read_nor_discard_a_draft(db: Database) -> None:
    draft_id = save(db)

    with db.session() as session:
        assert drafts.get(session, "T2", draft_id) is None
        assert drafts.discard(session, "T2", draft_id) is False
    with db.session(read_only=True) as session:
        assert drafts.get(session, "T1", draft_id) is not None


def test_a_discarded_draft_is_gone_and_discarding_again_says_so(db: Database) -> None:
    draft_id = save(db)

    with db.session() as session:
        assert drafts.discard(session, "T1", draft_id) is True
    with db.session() as session:
        assert drafts.get(session, "T1", draft_id) is None
        assert drafts.discard(session, "T1", draft_id) is False
        assert drafts.get(session, "T1", "not-a-draft-id") is None


def test_purge_removes_drafts_saved_before_the_cutoff_in_every_workspace(db: Database) -> None:
    old, old_elsewhere = save(db), save(db, team_id="T2")
    recent = save(db, at=T0 + timedelta(hours=1))

    with db.session() as session:
        assert drafts.purge_older_than(session, T0 + timedelta(minutes=30)) == 2
    with db.session(read_only=True) as session:
        assert drafts.get(session, "T1", old) is None
        assert drafts.get(session, "T2", old_elsewhere) is None
        assert drafts.get(session, "T1", recent) is not None


def test_a_used_draft_keeps_only_the_ref_it_made_until_it_is_purged(db: Database) -> None:
    draft_id = save(db)
    with db.session(read_only=True) as session:
        row = drafts.get(session, "T1", draft_id)
        assert row is not None and drafts.made_from(row) is None

    with db.session() as session:
        drafts.mark_used(session, "T1", draft_id, "A-1")
        drafts.mark_used(session, "T2", draft_id, "A-9")  # another workspace's id: no-op

    with db.session(read_only=True) as session:
        row = drafts.get(session, "T1", draft_id)
        assert row is not None and drafts.made_from(row) == "A-1"
        assert row.payload == {"made": "A-1"}  # the name and notes typed are gone
    with db.session() as session:
        assert drafts.purge_older_than(session, T0 + timedelta(days=1)) == 1
