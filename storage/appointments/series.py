"""Series of visits (S-n): one repeat rule, each occurrence an appointment of its own."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from storage.models import AppointmentRow, SeriesRow
from storage.refs import next_number, parse_ref
from storage.stamp import utc_now

PREFIX = "S"


def add(
    session: Session,
    team_id: str,
    *,
    rule: str,
    zone: str,
    first_start: datetime,
    booked_by: str,
    channel_id: str | None,
    now: datetime,
) -> SeriesRow:
    """A new series with the next S-ref; its occurrences are booked with its id.

    `first_start` is the rule's first date (its DTSTART), whether or not a visit was booked
    then: the rule's COUNT counts from it."""
    if not rule or len(rule) > 200:
        raise ValueError(
            f"a repeat rule must be 1-200 characters, like FREQ=WEEKLY;COUNT=4: {rule!r}"
        )
    row = SeriesRow(
        team_id=team_id,
        number=next_number(session, team_id, PREFIX),
        rule=rule,
        zone=zone,
        first_start=first_start,
        booked_by=booked_by,
        channel_id=channel_id,
        created_at=utc_now(now),
    )
    session.add(row)
    session.flush()
    return row


def get_by_ref(session: Session, team_id: str, ref: str) -> SeriesRow | None:
    """The series a typed ref ("S-3", "s3") points at in this workspace, or None."""
    number = parse_ref(ref, PREFIX)
    if number is None:
        return None
    return session.scalars(
        select(SeriesRow).where(SeriesRow.team_id == team_id, SeriesRow.number == number)
    ).first()


def get_many(session: Session, team_id: str, series_ids: Collection[int]) -> list[SeriesRow]:
    """These series of this workspace, by ref."""
    if not series_ids:
        return []
    return list(
        session.scalars(
            select(SeriesRow)
            .where(SeriesRow.team_id == team_id, SeriesRow.id.in_(sorted(series_ids)))
            .order_by(SeriesRow.number)
        )
    )


def occurrences(session: Session, series: SeriesRow) -> list[AppointmentRow]:
    """Every visit of the series, patients loaded, first first."""
    return list(
        session.scalars(
            select(AppointmentRow)
            .options(joinedload(AppointmentRow.patient))
            .where(AppointmentRow.team_id == series.team_id, AppointmentRow.series_id == series.id)
            .order_by(AppointmentRow.start_at)
        )
    )


def refs_of(session: Session, team_id: str, series_ids: set[int]) -> dict[int, str]:
    """The S-refs of these series, by id (for lists showing which visits repeat)."""
    if not series_ids:
        return {}
    rows = session.execute(
        select(SeriesRow.id, SeriesRow.number).where(
            SeriesRow.team_id == team_id, SeriesRow.id.in_(sorted(series_ids))
        )
    )
    return {row_id: f"{PREFIX}-{number}" for row_id, number in rows}


def parse_series_ref(text: str) -> int | None:
    """The number in a typed series ref ("S-3", "s3"); None when it is not one."""
    return parse_ref(text, PREFIX)


def of_visit(session: Session, row: AppointmentRow) -> SeriesRow | None:
    """The series a visit is an occurrence of, if any."""
    return None if row.series_id is None else session.get(SeriesRow, row.series_id)


def end(session: Session, series: SeriesRow, now: datetime) -> None:
    """The series books nothing after now (its later visits were cancelled)."""
    if series.ended_at is None:
        series.ended_at = utc_now(now)
        session.flush()


def set_message(session: Session, team_id: str, ref: str, channel: str, ts: str) -> None:
    """Keep where the series' card was posted, so a change to a visit redraws it."""
    series = get_by_ref(session, team_id, ref)
    if series is not None:
        series.message_channel, series.message_ts = channel, ts
        session.flush()
