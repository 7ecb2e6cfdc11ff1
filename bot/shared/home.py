"""The Home tab ("My day"): the sections features add to it, and the hook that redraws it.

A feature adds a section once, at registration, the way it adds a command:

    home.add_section(HomeSection("preauth", "Your pending pre-approvals", load))

where `load(viewer, offset, limit)`, bound to the feature's services, returns a `Page`
of rows (Block Kit, one list of blocks per row) and how many rows there are in all.
Sections show in the order they were added. A change that touches someone's day calls
`home.changed(team_id, user_ids)` (and `groups=` for a role): the Home tabs are redrawn
in the background, and a failure there is logged (no patient data) without touching the
change itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from bot.shared.commands import Block
from bot.shared.rules.failures import describe
from storage import home_visits

if TYPE_CHECKING:
    from bot.shared.rules.clock import Clock
    from storage import Database

log = logging.getLogger(__name__)

Row = list[Block]
Republish = Callable[[str, frozenset[str], frozenset[str]], None]


@dataclass(frozen=True)
class Viewer:
    """Whose Home is drawn, in their time zone, as of when."""

    team_id: str
    user_id: str
    zone: ZoneInfo
    now: datetime


@dataclass(frozen=True)
class Page:
    """Some rows of a section, and how many it has in all."""

    rows: tuple[Row, ...]
    total: int


class Load(Protocol):
    def __call__(self, viewer: Viewer, offset: int, limit: int) -> Page: ...


@dataclass(frozen=True)
class HomeSection:
    """One part of My day: a key for its "Show more", a title, the rows, what to say if none,
    and buttons of its own shown under it whatever its rows (Block Kit button elements)."""

    key: str
    title: str
    load: Load = field(compare=False)
    empty: str = "Nothing here."
    buttons: tuple[Block, ...] = field(default=(), compare=False)


class HomeTab:
    """The sections of My day and the background redraw after a change."""

    def __init__(self) -> None:
        self.sections: list[HomeSection] = []
        self._republish: Republish | None = None
        self._executor: Executor | None = None

    def add_section(self, section: HomeSection) -> None:
        if any(s.key == section.key for s in self.sections):
            raise ValueError(f"Home section {section.key!r} is added twice")
        self.sections.append(section)

    def section(self, key: str) -> HomeSection | None:
        return next((s for s in self.sections if s.key == key), None)

    def attach(self, republish: Republish) -> None:
        """What redraws Home tabs (the Home feature hands it in at registration)."""
        self._republish = republish

    def run_in(self, executor: Executor) -> None:
        """Redraw in this pool, after the change's own work; without one, redraw inline."""
        self._executor = executor

    def changed(
        self, team_id: str, user_ids: Iterable[str | None], groups: Iterable[str | None] = ()
    ) -> None:
        """Something of these people's (or user groups') day changed: redraw, never raise."""
        users = frozenset(u for u in user_ids if u)
        roles = frozenset(g for g in groups if g)
        if not (users or roles) or self._republish is None:
            return
        if self._executor is None:
            self._redraw(team_id, users, roles)
            return
        try:
            self._executor.submit(self._redraw, team_id, users, roles)
        except RuntimeError:  # shutting down: the next time Home is opened redraws it
            log.info("not redrawing Home tabs: the runtime is shutting down")

    def _redraw(self, team_id: str, users: frozenset[str], groups: frozenset[str]) -> None:
        if self._republish is None:
            return
        try:
            self._republish(team_id, users, groups)
        except Exception as error:  # a stale Home tab must never undo or fail the change
            log.warning("could not redraw Home tabs team=%s: %s", team_id, describe(error))


class HomeVisits:
    """Who has opened carebot's Home tab, so a change redraws only tabs someone looks at."""

    def __init__(self, db: Database, wall: Clock) -> None:
        self.db, self.wall = db, wall

    def opened(self, team_id: str, user_id: str) -> None:
        with self.db.session() as session:
            home_visits.opened(session, team_id, user_id, self.wall.now())

    def looking(self, team_id: str, user_ids: Iterable[str]) -> set[str]:
        """Those of these people who have opened their Home tab."""
        with self.db.session(read_only=True) as session:
            return set(home_visits.visitors(session, team_id, set(user_ids)))
