"""Which channels get the daily digest and when, from the settings in force in each channel."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.digest import schedule
from bot.runtime.config import load_settings
from bot.shared.channel_settings import SettingsResolver
from bot.shared.rules.channel_settings import Overrides
from storage import Database, channels, reminders

# Mon 1 Mar 2027, 3:00 PM in New York.
NOW = datetime(2027, 3, 1, 20, 0, tzinfo=UTC)
SETTINGS = load_settings({"CAREBOT_TIMEZONE": "America/New_York"}, dotenv=None)


def own_settings(db: Database, channel: str, **values: str) -> None:
    with db.session() as session:
        stored = Overrides(**values).as_dict()
        channels.save_settings(session, "T1", channel, "onco", stored, by="U0ADMIN", now=NOW)


def due_at(db: Database, channel: str) -> datetime | None:
    with db.session(read_only=True) as session:
        row = reminders.get(session, "T1", schedule.DIGEST, channel)
        return None if row is None else row.next_at


def test_a_channel_joins_at_its_own_digest_time(db: Database) -> None:
    own_settings(db, "C0ONCO01", timezone="Asia/Tokyo", digest_time="06:45")
    in_force = SettingsResolver(db, SETTINGS)
    with db.session() as session:
        schedule.plan(session, in_force, "T1", "C0CARDIO1", NOW)
        schedule.plan(session, in_force, "T1", "C0ONCO01", NOW)
        schedule.plan(session, in_force, "T1", "D0DIRECT", NOW)  # a DM gets no digest

    assert due_at(db, "C0CARDIO1") == datetime(2027, 3, 2, 12, 30, tzinfo=UTC)  # 7:30 AM EST
    assert due_at(db, "C0ONCO01") == datetime(2027, 3, 1, 21, 45, tzinfo=UTC)  # 6:45 AM JST
    assert due_at(db, "D0DIRECT") is None


def test_a_channel_whose_digest_is_off_never_joins(db: Database) -> None:
    own_settings(db, "C0ONCO01", digest_time="off")
    with db.session() as session:
        schedule.plan(session, SettingsResolver(db, SETTINGS), "T1", "C0ONCO01", NOW)

    assert due_at(db, "C0ONCO01") is None
