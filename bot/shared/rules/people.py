"""A person as carebot knows them: a Slack user with a name and a time zone."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class UnknownPerson(LookupError):
    """Slack knows no such user in this workspace."""

    def __init__(self, user_id: str) -> None:
        super().__init__(f"There is no Slack user {user_id} in this workspace.")
        self.user_id = user_id


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    real_name: str
    timezone: ZoneInfo
    is_bot: bool = False
    deleted: bool = False

    @property
    def can_be_assigned(self) -> bool:
        """Work can go to people who are still here and are people."""
        return not (self.is_bot or self.deleted)


def zone_or(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    """The named IANA zone, or `fallback` when Slack gave none or one zoneinfo lacks."""
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback
