"""GET /metrics as Prometheus scrapes it: what carebot counts, with bounded labels only."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.runtime.server import HttpServer, ops_app
from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import SlackStandIn
from bot.sandbox.world import Sandbox, start_sandbox
from bot.shared.rules.timeparse import TimeParser
from tests.e2e.conftest import START
from tests.e2e.test_cli import (
    SECRET,
    carebot,
    env,
    free_port,
    one_line,
    standin,
    wait_for_health,
)

__all__ = ["env", "standin"]  # fixtures, shared with the CLI tests

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(base_url: str) -> Samples:
    with urllib.request.urlopen(base_url + "/metrics", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, metric: str, /, **labels: str) -> float:
    return samples.get((metric, frozenset(labels.items())), 0.0)


def label_values(samples: Samples) -> set[str]:
    return {v for _, labels in samples for _, v in labels}


def test_requests_acks_and_slack_calls_are_counted_by_kind_command_method_and_outcome(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jane Doe MRN 88123, MRI, tomorrow 3pm")
    # Slack asks for a minute's pause: too long to wait out, so the card waits for the sweep.
    sandbox.standin.fail_next("chat.postMessage", status=429, retry_after=60)
    slack.click("Confirm")
    # The DM's answer is refused: the listener fails, and the person is told why.
    sandbox.standin.fail_next("chat.postMessage", error="not_in_channel")
    slack.in_dm().message("appt list")
    with slack.sign_with(secret="not-the-signing-secret"):
        assert slack.command("/appt", "list").status == 401

    samples = scrape(sandbox.server.url)

    requests, acks = "carebot_slack_requests_total", "carebot_slack_acks_total"
    assert value(samples, requests, kind="slash_command", name="/appt") == 1
    assert value(samples, acks, kind="slash_command", name="/appt") == 1
    assert value(samples, requests, kind="block_actions", name="appt_confirm") == 1
    assert value(samples, acks, kind="block_actions", name="appt_confirm") == 1
    assert value(samples, requests, kind="event", name="message") == 1
    assert value(samples, "carebot_slack_ack_seconds_count", kind="slash_command") == 1
    assert value(samples, "carebot_slack_refused_requests_total", reason="signature") == 1
    calls = "carebot_slack_api_calls_total"
    assert value(samples, calls, method="chat.postMessage", outcome="ratelimited") == 1
    assert value(samples, calls, method="chat.postMessage", outcome="not_in_channel") == 1
    assert value(samples, calls, method="auth.test", outcome="ok") == 1
    assert value(samples, calls, method="chat.postEphemeral", outcome="ok") == 1  # the apology
    assert value(samples, "carebot_reminders_due_total", kind="appt-card", via="outbox") == 1
    assert value(samples, "carebot_reminders_failed_total", kind="appt-card", via="outbox") == 1
    errors = "carebot_listener_errors_total"
    assert value(samples, errors, kind="event", name="/appt", cause="slack_api") == 1
    # Ids, refs and typed text never become label values.
    for shown in label_values(samples):
        assert not any(part in shown for part in ("Jane", "88123", "U0", "T0", "C0", "A-1"))


def test_the_sweep_its_reminders_and_the_oldest_overdue_one_are_measured(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jane Doe, MRI, tomorrow 3pm with @dr.patel")
    slack.click("Confirm")  # dr.patel's reminder is due 24 h before: today at 3pm
    sandbox.clock.set(START + timedelta(hours=2))  # an hour late, and no sweep has run

    late = scrape(sandbox.server.url)
    sandbox.standin.fail_next("chat.postMessage", error="fatal_error")
    sandbox.move_clock(START + timedelta(hours=2))  # fails, and is retried a minute later
    sandbox.move_clock(START + timedelta(hours=2, minutes=2))
    swept = scrape(sandbox.server.url)

    assert value(late, "carebot_reminder_oldest_overdue_seconds") == 3600
    assert value(late, "carebot_sweep_runs_total", outcome="ok") == 0
    assert value(swept, "carebot_reminder_oldest_overdue_seconds") == 0
    assert value(swept, "carebot_sweep_runs_total", outcome="ok") == 2
    assert value(swept, "carebot_sweep_last_success_timestamp_seconds") > 0
    clinician = {"kind": "appt-clinician", "via": "sweep"}
    assert value(swept, "carebot_reminders_due_total", **clinician) == 2
    assert value(swept, "carebot_reminders_failed_total", **clinician) == 1
    assert value(swept, "carebot_reminders_retried_total", **clinician) == 1
    assert value(swept, "carebot_reminders_sent_total", **clinician) == 1
    assert value(swept, "carebot_reminders_sent_total", kind="appt-copy", via="outbox") == 1


def test_the_metrics_listener_answers_metrics_and_health_and_nothing_else(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/carebot", "help")
    listener = HttpServer(ops_app(sandbox.db, sandbox.runtime.metrics), "127.0.0.1", 0, threads=2)
    listener.start()
    try:
        samples = scrape(listener.url)
        with urllib.request.urlopen(listener.url + "/healthz", timeout=10) as response:
            health = json.loads(response.read())
        with pytest.raises(urllib.error.HTTPError) as events:
            urllib.request.urlopen(listener.url + "/slack/events", data=b"{}", timeout=10)
    finally:
        listener.close()

    requests = "carebot_slack_requests_total"
    assert value(samples, requests, kind="slash_command", name="/carebot") == 1
    assert health == {"status": "ok", "database": "ok"}
    assert events.value.code == 404


def test_over_socket_mode_the_metrics_listener_counts_envelopes_and_their_acks(
    times: TimeParser,
) -> None:
    world = start_sandbox(start=START, times=times, socket_mode=True)
    listener = HttpServer(ops_app(world.db, world.runtime.metrics), "127.0.0.1", 0, threads=2)
    listener.start()
    try:
        world.driver.command("/appt", "book Jane Doe, MRI, tomorrow 3pm")
        world.driver.click("Confirm")
        samples = scrape(listener.url)
    finally:
        listener.close()
        world.close()

    assert world.standin.socket_mode.deliveries()  # it came over the WebSocket
    for kind, name in (("slash_command", "/appt"), ("block_actions", "appt_confirm")):
        assert value(samples, "carebot_slack_requests_total", kind=kind, name=name) == 1
        assert value(samples, "carebot_slack_acks_total", kind=kind, name=name) == 1


def test_run_serves_metrics_on_the_metrics_port_only_with_json_logs(
    env: dict[str, str], tmp_path: Path, standin: SlackStandIn
) -> None:
    port, metrics_port = free_port(), free_port()
    env |= {
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.api_url,
        "LOG_FORMAT": "json",
    }
    argv = ["run", "--http", "--host", "127.0.0.1", "--port", str(port), "--no-scheduler"]
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", *argv, "--metrics-port", str(metrics_port)],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base, ops = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}"
        health = wait_for_health(base + "/healthz", server)  # the metrics port opens first
        assert scrape(ops) and json.loads(urllib.request.urlopen(ops + "/healthz").read()) == health
        assert SlackDriver(standin, base + "/slack/events", SECRET).command("/carebot").ok
        on_metrics_port = scrape(ops)
        with pytest.raises(urllib.error.HTTPError) as hidden:  # off the port the proxy publishes
            urllib.request.urlopen(base + "/metrics", timeout=5)
    finally:
        server.terminate()
        _, logged = server.communicate(timeout=10)

    assert health == {"status": "ok", "database": "ok"}
    assert hidden.value.code == 404
    requests = "carebot_slack_requests_total"
    assert value(on_metrics_port, requests, kind="slash_command", name="/carebot") == 1
    lines = [json.loads(line) for line in logged.splitlines()]
    assert any(line["message"].startswith("carebot is listening on") for line in lines)
    [asked] = [line for line in lines if line["message"].startswith("/carebot via=slash")]
    assert (asked["level"], asked["command"], asked["workspace"]) == (
        "INFO",
        "/carebot",
        "T0CAREBOT",
    )


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_a_metrics_port_that_is_not_a_port_is_one_clear_line(
    env: dict[str, str], tmp_path: Path, port: str
) -> None:
    result = carebot("run", "--metrics-port", port, env=env, cwd=tmp_path)

    assert result.returncode == 2
    assert one_line(result.stderr) == (
        f"carebot: --metrics-port '{port}' is not a port number (1-65535); example: 3000"
    )
