"""carebot's Prometheus metrics, in a registry per runtime, served on GET /metrics.

Label values are bounded: request kinds, registered commands, action ids and event types,
Slack method names and error codes, reminder kinds. Never a user, a channel, a ref or text.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from slack_sdk.errors import SlackApiError

from bot.shared import request_context
from bot.shared.rules.reminders import KindReport
from storage.errors import DatabaseBusy, DatabaseUnavailable

log = logging.getLogger(__name__)

# Slack waits 3 s for an ack; the buckets around it say how close carebot comes.
ACK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_METHOD = re.compile(r"[a-zA-Z][a-zA-Z0-9.]{0,63}")
UNKNOWN = "unknown"


class Metrics:
    """Counters and gauges for one runtime; `exposition()` is what GET /metrics answers."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.requests = Counter(
            "carebot_slack_requests",
            "Requests from Slack handed to carebot's listeners, by kind and registered name",
            ["kind", "name"],
            registry=registry,
        )
        self.acks = Counter(
            "carebot_slack_acks",
            "Requests acknowledged to Slack (HTTP 200 or a Socket Mode ack)",
            ["kind", "name"],
            registry=registry,
        )
        self.ack_seconds = Histogram(
            "carebot_slack_ack_seconds",
            "Time from a request's arrival to its acknowledgement; Slack gives up at 3 s",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=registry,
        )
        self.refused = Counter(
            "carebot_slack_refused_requests",
            "HTTP requests refused before any listener: bad signature (401), unreadable (400)",
            ["reason"],
            registry=registry,
        )
        self.listener_errors = Counter(
            "carebot_listener_errors",
            "Listeners that failed (an apology with a reference was shown), by cause",
            ["kind", "name", "cause"],
            registry=registry,
        )
        self.api_calls = Counter(
            "carebot_slack_api_calls",
            "HTTP requests to Slack's Web API, retries included, by method and outcome",
            ["method", "outcome"],
            registry=registry,
        )
        self.sweeps = Counter(
            "carebot_sweep_runs",
            "Reminder sweeps run, by outcome (ok or failed)",
            ["outcome"],
            registry=registry,
        )
        self.last_sweep = Gauge(
            "carebot_sweep_last_success_timestamp_seconds",
            "When the last sweep finished without failing (Unix time)",
            registry=registry,
        )
        reminder_labels = ["kind", "via"]
        self.due = Counter(
            "carebot_reminders_due",
            "Reminder items claimed for sending, by the sweep or at once after a write (outbox)",
            reminder_labels,
            registry=registry,
        )
        self.sent = Counter(
            "carebot_reminders_sent",
            "Reminder items handled without error",
            reminder_labels,
            registry=registry,
        )
        self.failed = Counter(
            "carebot_reminders_failed",
            "Reminder items whose send failed; each is retried later unless no retry can help",
            reminder_labels,
            registry=registry,
        )
        self.deferred = Counter(
            "carebot_reminders_deferred",
            "Reminder items put off because Slack refused a DM to someone still in the workspace",
            reminder_labels,
            registry=registry,
        )
        self.retried = Counter(
            "carebot_reminders_retried",
            "Reminder items due again after a failed or interrupted send",
            reminder_labels,
            registry=registry,
        )
        self.oldest_overdue = Gauge(
            "carebot_reminder_oldest_overdue_seconds",
            "How long the oldest due reminder has waited past its time (0: none waiting)",
            registry=registry,
        )
        self.late_turns = Counter(
            "carebot_listener_late_turns",
            "Listeners that went on without a turn, none having come free within a second:"
            " more work in flight than carebot keeps up with",
            registry=registry,
        )
        self.database_errors = Counter(
            "carebot_database_errors",
            "Units of work the database refused: busy (a wait given up) or unavailable",
            ["error"],
            registry=registry,
        )

    def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """The registry and its content type, in the format the scraper's Accept header asks
        for: Prometheus' text format unless it asks for OpenMetrics."""
        encode, content_type = choose_encoder(accept)
        return bytes(encode(self.registry)), content_type

    # -- requests from Slack -----------------------------------------------------------

    def request_answered(self, kind: str, name: str, status: int, seconds: float) -> None:
        self.requests.labels(kind, name).inc()
        if 200 <= status < 300:
            self.acks.labels(kind, name).inc()
            self.ack_seconds.labels(kind).observe(seconds)

    def request_refused(self, reason: str) -> None:
        self.refused.labels(reason).inc()

    def listener_failed(self, error: BaseException) -> None:
        """A listener raised; the current request says which one."""
        request = request_context.current()
        kind = request.kind if request else UNKNOWN
        name = (request.command or request.action or "") if request else ""
        self.listener_errors.labels(kind, name, _cause(error)).inc()

    # -- Slack's Web API ---------------------------------------------------------------

    def api_call(self, method: str, outcome: str) -> None:
        method = method if _METHOD.fullmatch(method) else "other"
        self.api_calls.labels(method, outcome if _CODE.fullmatch(outcome) else "other").inc()

    # -- the sweep and the outbox ------------------------------------------------------

    def sweep_ran(self, succeeded: bool) -> None:
        self.sweeps.labels("ok" if succeeded else "failed").inc()
        if succeeded:
            self.last_sweep.set(time.time())

    def reminders_handled(self, via: str, kind: str, tally: KindReport) -> None:
        for counter, count in (
            (self.due, tally.reminders),
            (self.sent, tally.succeeded),
            (self.failed, tally.failed),
            (self.deferred, tally.deferred),
            (self.retried, tally.retried),
        ):
            if count:
                counter.labels(kind, via).inc(count)

    def watch_overdue(self, seconds: Callable[[], float]) -> None:
        """Compute the oldest overdue reminder's age at each scrape (one indexed query)."""

        def age() -> float:
            try:
                return seconds()
            except (DatabaseBusy, DatabaseUnavailable):
                return math.nan

        self.oldest_overdue.set_function(age)

    def turn_late(self) -> None:
        self.late_turns.inc()

    # -- the database ------------------------------------------------------------------

    def database_failed(self, error: BaseException) -> None:
        self.database_errors.labels(
            "busy" if isinstance(error, DatabaseBusy) else "unavailable"
        ).inc()


def _cause(error: BaseException) -> str:
    if isinstance(error, SlackApiError):
        return "slack_api"
    if isinstance(error, DatabaseBusy | DatabaseUnavailable):
        return "database"
    return "internal"
