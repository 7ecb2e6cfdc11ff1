"""The rooms visits are booked in: the words people may type for a room's week."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import AppointmentRow


def rooms(session: Session, team_id: str) -> dict[str, str]:
    """Every room a visit in this workspace was ever booked in: its match key ("or 4", as
    queries.location_key folds it) to one spelling people used ("OR 4")."""
    found = session.execute(
        select(AppointmentRow.location_key, func.min(AppointmentRow.location))
        .where(AppointmentRow.team_id == team_id, AppointmentRow.location_key.is_not(None))
        .group_by(AppointmentRow.location_key)
    )
    return {str(key): str(spelled) for key, spelled in found.all()}
