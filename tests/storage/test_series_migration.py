"""Migration 0011: each visit of a series keeps its rule date (series_start); visits booked
before it learn it from what was kept. Down to 0010 and up again, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.orm import Session

from storage import Database, patients
from storage.appointments import queries as appointments
from storage.appointments import series as stored_series
from storage.db import MIGRATIONS
from storage.models import AppointmentRow

T0 = datetime(2027, 3, 1, 19, 0, tzinfo=UTC)
TUESDAY = datetime(2027, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York
WEEK = timedelta(weeks=1)


def migrate(db: Database, direction: str, revision: str) -> None:
    with db.engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        getattr(command, direction)(config, revision)


def move(session: Session, row: AppointmentRow, start: datetime) -> None:
    appointments.reschedule(session, row, start, start + timedelta(minutes=50), now=T0)


def columns(db: Database) -> set[str]:
    return {column["name"] for column in sa.inspect(db.engine).get_columns("appointments")}


def test_0011_learns_rule_dates_from_moves_and_goes_down_and_up_again(db: Database) -> None:
    with db.session() as session:
        patient = patients.find_or_create(session, "T1", "Ana Lima", None, "U1", now=T0)
        series = stored_series.add(
            session,
            "T1",
            rule="FREQ=WEEKLY;BYDAY=TU;COUNT=3",
            zone="America/New_York",
            first_start=TUESDAY,
            booked_by="U1",
            channel_id="C1",
            now=T0,
        )
        visits = [
            appointments.add(
                session,
                "T1",
                patient_id=patient.id,
                kind="therapy",
                label="physio",
                start_at=start,
                end_at=start + timedelta(minutes=50),
                clinician_id=None,
                location=None,
                notes=None,
                booked_by="U1",
                channel_id="C1",
                now=T0,
                series_id=series_id,
                series_start=start if series_id else None,
            )
            for start, series_id in [
                (TUESDAY, series.id),
                (TUESDAY + WEEK, series.id),
                (TUESDAY + 2 * WEEK, series.id),
                (TUESDAY, None),
            ]
        ]
        _, once, twice, _ = visits
        move(session, once, TUESDAY + WEEK + timedelta(hours=2))
        move(session, twice, TUESDAY + 2 * WEEK + timedelta(days=1))
        move(session, twice, TUESDAY + 2 * WEEK + timedelta(days=2))
    ids = [visit.id for visit in visits]

    migrate(db, "downgrade", "0010")
    assert "series_start" not in columns(db)
    migrate(db, "upgrade", "head")

    with db.session(read_only=True) as session:
        kept = {row.id: row.series_start for row in session.scalars(sa.select(AppointmentRow))}
    assert [kept[i] for i in ids] == [
        TUESDAY,  # never moved: its start
        TUESDAY + WEEK,  # moved once: where it was
        TUESDAY + 2 * WEEK + timedelta(days=1),  # moved twice: its first move, not its date
        None,  # no series
    ]
    assert db.current_revision() == "0013" and db.is_up_to_date()
