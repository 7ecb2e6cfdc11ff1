"""Property: whatever a signed request carries, carebot answers 2xx and posts nothing harmful.

Hostile and near-valid text (tests/fuzz/strategies.py) goes to /slack/events over real
HTTP as each command and as a DM. Every answer must be 2xx, no ERROR may be logged, and
nothing carebot then sends may ping a crowd, apologise generically, or be refused by
Slack. `make fuzz` runs the same checks over 10,000 inputs per command.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import tests.fuzz  # noqa: F401 - loads the suite's hypothesis profile
from bot.sandbox.world import SIGNING_SECRET, Sandbox, start_sandbox
from bot.shared.rules.timeparse import TimeParser
from tests.e2e.conftest import START
from tests.fuzz import checks, strategies
from tests.fuzz.world import Bot, Sent, show_names_in_full

pytestmark = pytest.mark.e2e


class Errors(logging.Handler):
    """Keeps every ERROR (and worse) logged while it is attached."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class World:
    sandbox: Sandbox
    bot: Bot
    errors: Errors

    def send(self, kind: str, text: str, pick: int) -> list[str]:
        """Send one input; what was wrong with the answer and everything sent after it."""
        before, logged = len(self.sandbox.standin.calls()), len(self.errors.records)
        places = self.bot.places()
        user, channel = places[pick % len(places)]
        sent: Sent = (
            self.bot.dm(user, text) if kind == "dm" else self.bot.slash(user, channel, kind, text)
        )
        assert self.sandbox.runtime.wait_idle(timeout=15)
        calls = self.sandbox.standin.calls()[before:]
        if sent.ack is not None:
            calls.append(sent.ack)
        wrong = [f"HTTP {sent.status}"] if not 200 <= sent.status < 300 else []
        wrong += [f"{f.kind} {f.method}: {f.detail}" for f in checks.findings(calls)]
        wrong += [f"ERROR {r.getMessage()}" for r in self.errors.records[logged:]]
        return wrong


@pytest.fixture(scope="module")
def world(times: TimeParser) -> Iterator[World]:
    sandbox = start_sandbox(start=START, times=times)
    show_names_in_full(sandbox.db, sandbox.standin.workspace.team.id)
    errors = Errors()
    logging.getLogger().addHandler(errors)
    try:
        yield World(sandbox, Bot(sandbox.standin, sandbox.server.port, SIGNING_SECRET), errors)
    finally:
        logging.getLogger().removeHandler(errors)
        sandbox.close()
    assert sandbox.standin.internal_errors == []


kinds = st.sampled_from([*strategies.COMMAND_TEXT, "dm"])


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, int]:
    kind = draw(kinds)
    strategy = strategies.dm_text if kind == "dm" else strategies.COMMAND_TEXT[kind]
    return kind, draw(strategy), draw(st.integers(0, 100))


@settings(max_examples=80)
@given(request=requests())
@example(request=("/appt", "book <!channel> Jane, MRI, tomorrow 3pm", 0))
@example(request=("/handoff", "<!here> Jane to <@U0NURSE01|sam.nurse>: <!everyone> call me", 0))
@example(request=("/preauth", "new <!everyone>, Aetna &lt;!here&gt;, MRI, owner <!channel>", 0))
@example(request=("dm", "appt book Jane\x00 Doe\u202e, MRI, tomorrow 25pm", 0))
def test_any_signed_request_is_answered_without_harm(
    world: World, request: tuple[str, str, int]
) -> None:
    kind, text, pick = request
    assert world.send(kind, text, pick) == []
