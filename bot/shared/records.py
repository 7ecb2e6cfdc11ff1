"""What every use case over patients' records is handed, as one value built by the root.

The database, the bot's clock, the time parser, people, access decisions and the settings
in force travel together through appointments, handoffs and pre-approvals; naming them
once keeps each service's constructor to what is its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.shared.access import Access
    from bot.shared.channel_settings import SettingsResolver
    from bot.shared.directory import Directory
    from bot.shared.rules.clock import Clock
    from bot.shared.rules.timeparse import TimeParser
    from storage import Database


@dataclass(frozen=True, kw_only=True)
class Records:
    """The collaborators of a use case over records: nothing here is built on first use."""

    db: Database
    clock: Clock
    times: TimeParser
    people: Directory
    access: Access
    in_force: SettingsResolver


class RecordsUseCase:
    """A service over records: its collaborators are those of the `Records` it is given."""

    def __init__(self, records: Records) -> None:
        self.db, self.clock, self.times = records.db, records.clock, records.times
        self.people, self.access, self.in_force = records.people, records.access, records.in_force
