"""Workspaces, care channels and the people cache."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import Database, channels, people, workspaces

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_a_workspace_is_created_once_with_initials_as_the_display(db: Database) -> None:
    with db.session() as session:
        assert workspaces.patient_display(session, "T1") == "initials"
        first = workspaces.get_or_create(session, "T1", now=T0)
        again = workspaces.get_or_create(session, "T1", now=T0 + timedelta(days=1))
    assert first.patient_display == "initials" and again.created_at == T0


def test_the_patient_display_policy_is_stored_per_workspace(db: Database) -> None:
    with db.session() as session:
        workspaces.set_patient_display(session, "T1", "id", now=T0)
        workspaces.set_timezone(session, "T1", "America/Chicago", now=T0)
    with db.session() as session:
        assert workspaces.patient_display(session, "T1") == "id"
        assert workspaces.patient_display(session, "T2") == "initials"
        stored = workspaces.get(session, "T1")
        assert stored is not None and stored.timezone == "America/Chicago"


def test_a_care_channel_is_upserted(db: Database) -> None:
    with db.session() as session:
        channels.upsert(session, "T1", "C1", "4-west", "America/New_York", now=T0)
        channels.upsert(session, "T1", "C2", "icu", now=T0)
    with db.session() as session:
        renamed = channels.upsert(
            session, "T1", "C1", "4-west-nursing", None, now=T0 + timedelta(1)
        )
        assert renamed.created_at == T0 and renamed.timezone is None
        assert [c.name for c in channels.list_for(session, "T1")] == ["4-west-nursing", "icu"]
        assert channels.get(session, "T2", "C1") is None


def test_a_cached_person_is_returned_until_it_goes_stale(db: Database) -> None:
    with db.session() as session:
        people.upsert(
            session, "T1", "U1", name="jdoe", real_name="Jane Doe", timezone="Europe/Paris", now=T0
        )
    day = timedelta(days=1)
    with db.session() as session:
        fresh = people.get(session, "T1", "U1", day, T0 + timedelta(hours=23))
        assert fresh is not None and fresh.timezone == "Europe/Paris" and not fresh.is_bot
        assert people.get(session, "T1", "U1", day, T0 + timedelta(hours=25)) is None
        assert people.get(session, "T1", "U2", day, T0) is None


def test_a_person_refetched_replaces_the_earlier_answer(db: Database) -> None:
    later = T0 + timedelta(days=2)
    with db.session() as session:
        people.upsert(session, "T1", "U1", name="jdoe", real_name="Jane", timezone=None, now=T0)
        people.upsert(
            session,
            "T1",
            "U1",
            name="jdoe",
            real_name="Jane Doe",
            timezone="Asia/Tokyo",
            deleted=True,
            now=later,
        )
    with db.session() as session:
        person = people.get(session, "T1", "U1", timedelta(hours=1), later)
        assert person is not None
        assert (person.real_name, person.timezone, person.deleted) == (
            "Jane Doe",
            "Asia/Tokyo",
            True,
        )


def test_a_channels_own_settings_are_saved_read_in_one_batch_and_go_with_it(
    db: Database,
) -> None:
    values = {"timezone": "Europe/Berlin", "digest_time": "off", "clinic_days": "mon-sat"}
    with db.session() as session:
        channels.upsert(session, "T1", "C2", "icu", now=T0)
        saved = channels.save_settings(session, "T1", "C1", "4-west", values, by="U1", now=T0)
        assert (saved.updated_by, saved.created_at) == ("U1", T0)
    with db.session() as session:
        found = channels.in_force(session, "T1", ["C1", "C2", "C3"])[1]
        assert set(found) == {"C1", "C2"}
        assert found["C1"]["digest_time"] == "off" and found["C1"]["holidays"] is None
        assert found["C2"] == dict.fromkeys(channels.SETTINGS)
        assert channels.in_force(session, "T2", ["C1"])[1] == {}
    with db.session() as session:
        assert channels.remove(session, "T1", "C1") and not channels.remove(session, "T1", "C1")
        assert [c.channel_id for c in channels.list_for(session, "T1")] == ["C2"]


def test_the_workspaces_display_and_its_channels_settings_come_in_one_read(
    db: Database,
) -> None:
    values = {"timezone": "Europe/Berlin", "patient_display": "full"}
    with db.session() as session:
        # No workspace row yet: the default policy, and no channel has settings.
        assert channels.in_force(session, "T1", ["C1", ""]) == ("initials", {})
        channels.save_settings(session, "T1", "C1", "4-west", values, by="U1", now=T0)
        channels.upsert(session, "T1", "C2", "icu", now=T0)
        channels.save_settings(session, "T2", "C1", "other", {"timezone": "UTC"}, by="U1", now=T0)
        workspaces.set_patient_display(session, "T1", "id", now=T0)
    with db.session(read_only=True) as session:
        display, own = channels.in_force(session, "T1", ["C1", "C2", "C3", ""])
        assert display == "id"
        assert own == {
            "C1": {**dict.fromkeys(channels.SETTINGS), **values},
            "C2": dict.fromkeys(channels.SETTINGS),
        }
        assert channels.in_force(session, "T1", []) == ("id", {})
        assert channels.in_force(session, "T2", ["C2"]) == ("initials", {})
        assert display == workspaces.patient_display(session, "T1")
