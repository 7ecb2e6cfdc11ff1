"""Fixtures: a stand-in, a fake bot behind it, and a driver playing the people."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import SlackStandIn
from tests.sandbox.fakebot import FakeBot

SECRET = "test-signing-secret"
MANIFEST = """\
display_information: {name: carebot}
features:
  slash_commands:
    - {command: /appt, description: Appointments, should_escape: true}
    - {command: /carebot, description: Help, should_escape: true}
    - {command: /plain, description: No escaping, should_escape: false}
  shortcuts:
    - {name: New appointment, type: global, callback_id: new_appt, description: Book}
    - {name: Hand off, type: message, callback_id: handoff_from_message, description: Hand off}
oauth_config:
  scopes:
    bot: [app_mentions:read, channels:read, chat:write, commands, files:write, groups:read,
          im:history, im:read, im:write, users:read]
settings:
  event_subscriptions: {bot_events: [app_mention, message.im]}
  interactivity: {is_enabled: true}
"""


class FakeMonotonic:
    """A monotonic clock tests move by hand, for trigger and response_url expiry."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def write_manifest(tmp_path: Path, text: str = MANIFEST) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(text)
    return path


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    return write_manifest(tmp_path)


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def standin(manifest: Path, clock: FakeMonotonic) -> Iterator[SlackStandIn]:
    with SlackStandIn(manifest=manifest, monotonic=clock) as running:
        yield running
    assert running.internal_errors == []


@pytest.fixture
def bot(standin: SlackStandIn) -> Iterator[FakeBot]:
    fake = FakeBot(standin, SECRET).start()
    yield fake
    fake.stop()
    if fake.failures:
        raise fake.failures[0]


@pytest.fixture
def driver(standin: SlackStandIn, bot: FakeBot) -> SlackDriver:
    return SlackDriver(standin, bot.url, SECRET, settle=bot.settle)
