"""The end-to-end harness: carebot over real HTTP, signed requests, the Slack stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox, start_sandbox
from bot.shared.rules.timeparse import TimeParser
from tests.conftest import DIALECTS, WorkerDatabase

# A Monday afternoon in New York; tests move the clock from here.
START = datetime(2027, 3, 1, 19, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def times() -> TimeParser:
    """One warmed parser per test process, as carebot keeps one per process."""
    parser = TimeParser()
    parser.warm()
    return parser


@pytest.fixture(params=DIALECTS)
def sandbox(request: pytest.FixtureRequest, times: TimeParser) -> Iterator[Sandbox]:
    """The whole world, on SQLite and on PostgreSQL."""
    url = None
    if request.param == "postgres":
        worker_db: WorkerDatabase = request.getfixturevalue("postgres_worker_db")
        worker_db.empty()
        url = worker_db.url
    # @pytest.mark.settings(name=value, ...): a runtime built with those settings changed.
    marker = request.node.get_closest_marker("settings")
    changes = marker.kwargs if marker is not None else None
    world = start_sandbox(start=START, times=times, database_url=url, settings_changes=changes)
    try:
        yield world
    finally:
        world.close()
    assert world.standin.internal_errors == []


@pytest.fixture
def slack(sandbox: Sandbox) -> SlackDriver:
    """Plays the people: dana in #cardiology-team unless told otherwise."""
    return sandbox.driver
