"""Metrics: labels stay a bounded set, each runtime counts apart, failures are counted."""

from __future__ import annotations

import math
import re
import threading
from datetime import UTC, datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.http_retry.response import HttpResponse

from bot.runtime.executor import TrackingExecutor
from bot.runtime.metrics import Metrics
from bot.runtime.observed import ListenerNames, kind_of
from bot.runtime.slack import call_outcome
from bot.runtime.turns import Turns
from bot.shared.commands import Command, CommandRegistry, Reply
from bot.shared.rules.clock import FakeClock
from bot.shared.sweeper import Sweeper
from storage import Database, DatabaseUnavailable

DOWN = "postgresql+psycopg://carebot@127.0.0.1:1/carebot"


def samples(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text, _ = metrics.exposition()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text.decode())
        for s in family.samples
    }


def names() -> ListenerNames:
    commands = CommandRegistry()
    commands.add(Command("appt", "Visits", ("appt",), lambda ask: Reply(text="")))
    listened = ListenerNames(commands)
    listened.add("appt_confirm")
    listened.add(re.compile(r"^appt_slot_\d+$"))
    listened.add({"callback_id": "handoff_form"})
    listened.add("app_mention")
    return listened


@pytest.mark.parametrize(
    ("body", "kind", "named"),
    [
        ({"command": "/appt", "text": "book Jane Doe"}, "slash_command", "/appt"),
        ({"command": "/APPT"}, "slash_command", "/appt"),
        ({"command": "/typo"}, "slash_command", "other"),
        (
            {"type": "block_actions", "actions": [{"action_id": "appt_confirm"}]},
            "block_actions",
            "appt_confirm",
        ),
        (
            {"type": "block_actions", "actions": [{"action_id": "appt_slot_3"}]},
            "block_actions",
            "appt_slot_*",
        ),
        (
            {"type": "block_actions", "actions": [{"action_id": "U0COORD01"}]},
            "block_actions",
            "other",
        ),
        (
            {"type": "view_submission", "view": {"callback_id": "handoff_form"}},
            "view_submission",
            "handoff_form",
        ),
        ({"type": "event_callback", "event": {"type": "app_mention"}}, "event", "app_mention"),
        ({"type": "event_callback", "event": {"type": "reaction_added"}}, "event", "other"),
        ({"type": "something_new"}, "other", None),
    ],
)
def test_a_request_is_named_only_by_what_carebot_registered(
    body: dict[str, object], kind: str, named: str | None
) -> None:
    request = names().request(body, "T0CAREBOT")

    assert kind_of(body) == request.kind == kind
    assert (request.command or request.action) == named
    assert request.workspace == "T0CAREBOT" and len(request.id) == 12


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (200, {"ok": True}, "ok"),
        (200, {"ok": False, "error": "not_in_channel"}, "not_in_channel"),
        (200, {}, "unreadable"),
        (429, None, "ratelimited"),
        (503, None, "http_5xx"),
        (404, None, "http_4xx"),
    ],
)
def test_a_web_api_answer_is_named_by_its_outcome(
    status: int, body: dict[str, object] | None, outcome: str
) -> None:
    assert call_outcome(HttpResponse(status_code=status, headers={}, body=body)) == outcome


def test_no_answer_at_all_is_a_network_failure() -> None:
    assert call_outcome(None) == "network"


def test_an_odd_method_or_error_code_is_counted_as_other() -> None:
    metrics = Metrics()
    metrics.api_call("chat.postMessage", "Not A Code <@U0COORD01>")
    metrics.api_call("../../etc", "ok")

    counted = samples(metrics)
    calls = "carebot_slack_api_calls_total"
    assert counted[calls, frozenset({("method", "chat.postMessage"), ("outcome", "other")})] == 1
    assert counted[calls, frozenset({("method", "other"), ("outcome", "ok")})] == 1


def test_each_runtime_counts_in_a_registry_of_its_own() -> None:
    first, second = Metrics(), Metrics()
    first.request_answered("slash_command", "/appt", 200, 0.01)

    requests = (
        "carebot_slack_requests_total",
        frozenset({("kind", "slash_command"), ("name", "/appt")}),
    )
    assert samples(first)[requests] == 1
    assert requests not in samples(second)


def test_a_database_that_is_down_is_counted_and_the_overdue_age_is_unknown() -> None:
    metrics = Metrics()
    down = Database(DOWN)
    down.watch_failures(metrics.database_failed)
    clock = FakeClock(datetime(2027, 3, 1, 19, 0, tzinfo=UTC))
    sweeper = Sweeper(down, {}, clock, clock, counts=metrics)
    metrics.watch_overdue(sweeper.overdue_seconds)

    with pytest.raises(DatabaseUnavailable):
        sweeper.sweep()
    counted = samples(metrics)
    down.dispose()

    assert math.isnan(counted["carebot_reminder_oldest_overdue_seconds", frozenset()])
    errors = ("carebot_database_errors_total", frozenset({("error", "unavailable")}))
    assert counted[errors] == 2  # the sweep's, then the scrape's
    assert counted["carebot_sweep_runs_total", frozenset({("outcome", "failed")})] == 1
    assert ("carebot_sweep_runs_total", frozenset({("outcome", "ok")})) not in counted


def test_a_listener_that_went_on_without_a_turn_is_counted() -> None:
    metrics = Metrics()
    turns = Turns(width=1, wait_s=0.02, on_late=metrics.turn_late)
    holding, release = threading.Event(), threading.Event()

    def stuck() -> None:
        turns.ack()()
        holding.set()
        release.wait(5)

    pool = TrackingExecutor(max_workers=3, turns=turns)
    pool.submit(stuck)
    assert holding.wait(5)
    late = [pool.submit(lambda: turns.ack()()) for _ in range(2)]
    for done in late:
        done.result(5)
    release.set()
    assert pool.wait_idle(5)
    pool.shutdown()

    assert samples(metrics)["carebot_listener_late_turns_total", frozenset()] == 2
