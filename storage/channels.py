"""Care-team channels: a row means "a care team works here"; it holds the channel's settings."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import CompoundSelect, String, bindparam, cast, null, select, union_all
from sqlalchemy.orm import Session

from storage.models import CareChannelRow, WorkspaceRow
from storage.sql import insert, read
from storage.stamp import utc_now
from storage.workspaces import DEFAULT_PATIENT_DISPLAY


def upsert(
    session: Session,
    team_id: str,
    channel_id: str,
    name: str,
    timezone: str | None = None,
    *,
    now: datetime | None = None,
) -> CareChannelRow:
    """Store a care channel, or update its name and time zone; created_at stays the first one."""
    statement = insert(session, CareChannelRow).values(
        team_id=team_id,
        channel_id=channel_id,
        name=name[:200],
        timezone=timezone,
        created_at=utc_now(now),
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[CareChannelRow.team_id, CareChannelRow.channel_id],
            set_={"name": statement.excluded.name, "timezone": statement.excluded.timezone},
        )
    )
    channel = get(session, team_id, channel_id)
    assert channel is not None
    return channel


def get(session: Session, team_id: str, channel_id: str) -> CareChannelRow | None:
    """The care channel, or None if it is not one."""
    return session.get(CareChannelRow, (team_id, channel_id), populate_existing=True)


def list_for(session: Session, team_id: str) -> list[CareChannelRow]:
    """The workspace's care channels by name."""
    return list(
        session.execute(
            select(CareChannelRow)
            .where(CareChannelRow.team_id == team_id)
            .order_by(CareChannelRow.name, CareChannelRow.channel_id)
        ).scalars()
    )


# The per-channel settings columns, as typed; None means the workspace default.
SETTINGS = (
    "timezone",
    "clinic_opens",
    "clinic_closes",
    "clinic_days",
    "holidays",
    "digest_time",
    "handoff_escalation",
    "preauth_round",
    "patient_display",
)
# Read on every list and booking: built once, with bound parameters. The workspace's row
# has no channel id (NULL); each care-team channel asked about has a row of its own.
_NOTHING = cast(null(), String)
_IN_FORCE: CompoundSelect[Any] = union_all(
    select(
        _NOTHING.label("channel_id"),
        WorkspaceRow.patient_display,
        *(_NOTHING for _ in SETTINGS),
    ).where(WorkspaceRow.team_id == bindparam("team_id")),
    select(
        CareChannelRow.channel_id,
        _NOTHING,
        *(getattr(CareChannelRow, name) for name in SETTINGS),
    ).where(
        CareChannelRow.team_id == bindparam("team_id"),
        CareChannelRow.channel_id.in_(bindparam("channel_ids", expanding=True)),
    ),
)


def in_force(
    session: Session, team_id: str, channel_ids: Collection[str]
) -> tuple[str, dict[str, dict[str, str | None]]]:
    """The workspace's patient display policy and the own settings of those channels that
    are care-team channels, in one statement (every list and booking reads both)."""
    wanted = sorted({c for c in channel_ids if c})
    display, own = DEFAULT_PATIENT_DISPLAY, {}
    for channel_id, workspace_display, *values in read(
        session, _IN_FORCE, {"team_id": team_id, "channel_ids": wanted}
    ):
        if channel_id is None:  # the workspace's row
            display = workspace_display if workspace_display is not None else display
        else:
            own[channel_id] = dict(zip(SETTINGS, values, strict=True))
    return display, own


def save_settings(
    session: Session,
    team_id: str,
    channel_id: str,
    name: str,
    values: Mapping[str, str | None],
    *,
    by: str,
    now: datetime | None = None,
) -> CareChannelRow:
    """Mark the channel as a care-team channel (if it was not) and store its settings."""
    unknown = set(values) - set(SETTINGS)
    if unknown:
        raise ValueError(f"not channel settings: {sorted(unknown)}")
    row = get(session, team_id, channel_id)
    if row is None:
        row = CareChannelRow(
            team_id=team_id, channel_id=channel_id, name=name[:200], created_at=utc_now(now)
        )
        session.add(row)
    elif name:
        row.name = name[:200]
    for column in SETTINGS:
        setattr(row, column, values.get(column))
    row.updated_at, row.updated_by = utc_now(now), by
    session.flush()
    return row


def remove(session: Session, team_id: str, channel_id: str) -> bool:
    """It is no longer a care-team channel: its row and settings go. False if it was not one."""
    row = get(session, team_id, channel_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
