"""The runtime around every feature: signatures, health, repeats, failures and Slack's faults."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from slack_bolt.listener import thread_runner
from slack_bolt.listener.listener_start_handler import DefaultListenerStartHandler

import handlers.shared.help
from bot.runtime.logs import quiet_libraries
from bot.runtime.server import HttpServer, wsgi_app
from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import SIGNING_SECRET, Sandbox
from storage import Database
from tests.e2e.features import PATIENT, Counter, install_broken_command


def get(url: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_unsigned_and_stale_requests_are_refused(slack: SlackDriver) -> None:
    with slack.sign_with(unsigned=True):
        unsigned = slack.command("/carebot", "help")
    with slack.sign_with(timestamp_offset=-6 * 60):
        stale = slack.command("/carebot", "help")
    with slack.sign_with(secret="not-the-signing-secret"):
        forged = slack.command("/carebot", "help")

    assert (unsigned.status, stale.status, forged.status) == (401, 401, 401)
    assert slack.ephemerals() == []
    assert slack.command("/carebot", "help").ok


def test_health_check_reports_the_database(sandbox: Sandbox) -> None:
    status, body = get(sandbox.server.url + "/healthz")
    assert (status, body) == (200, {"status": "ok", "database": "ok"})


def test_health_check_is_503_when_the_database_is_down(sandbox: Sandbox) -> None:
    down = Database("postgresql+psycopg://carebot@127.0.0.1:1/carebot")
    server = HttpServer(wsgi_app(sandbox.runtime.app, down, SIGNING_SECRET), "127.0.0.1", 0).start()
    try:
        status, body = get(server.url + "/healthz")
    finally:
        server.close()
    assert status == 503
    assert body == {"status": "unavailable", "database": "unavailable"}


def test_unknown_paths_are_404(sandbox: Sandbox) -> None:
    assert get(sandbox.server.url + "/admin")[0] == 404


def test_a_double_clicked_button_acts_once(sandbox: Sandbox, slack: SlackDriver) -> None:
    counter = Counter()
    counter.install(sandbox.runtime)
    slack.in_dm().message("bump")

    first = slack.click("Count me")
    second = slack.click("Count me")

    assert first.ok and second.ok
    assert counter.clicks == ["U0COORD01"]
    assert [m.text for m in slack.dms()].count("Counted 1") == 1


def test_the_same_button_on_another_message_counts_again(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    counter = Counter()
    counter.install(sandbox.runtime)
    slack.in_dm().message("bump")
    slack.click("Count me")
    slack.message("bump")
    slack.click("Count me")

    assert len(counter.clicks) == 2


def test_a_failure_gives_an_apology_with_a_reference_and_logs_no_patient_data(
    sandbox: Sandbox, slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    install_broken_command(sandbox.runtime)
    caplog.set_level(logging.DEBUG)
    quiet_libraries("DEBUG")  # as `carebot run` does at LOG_LEVEL=DEBUG

    slack.in_dm().message(f"boom {PATIENT}")

    reply = slack.last_reply()
    assert "Sorry, something went wrong" in reply.text
    reference = reply.text.split("`")[-2]
    assert reference.startswith("E-")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert reference in logged
    assert "ValueError" in logged
    assert PATIENT not in logged and "88123" not in logged


def test_a_failed_slash_command_answers_through_its_response_url(
    slack: SlackDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(menu: object, ask: object) -> None:
        raise RuntimeError("help is broken")

    monkeypatch.setattr(handlers.shared.help, "overview", broken)

    assert slack.command("/carebot", "help").ok
    assert "Sorry, something went wrong" in slack.last_reply().text


class _LateLooker:
    """Bolt's request thread looking for the ack only every 0.3 s, as under heavy load."""

    @staticmethod
    def time() -> float:
        return time.time()

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(max(seconds, 0.3))


def _starting_late(self: object, request: object, response: object) -> None:
    time.sleep(0.05)


def test_a_listener_failing_right_after_its_ack_still_answers_slack(
    slack: SlackDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(menu: object, ask: object) -> None:
        raise RuntimeError("help is broken")

    monkeypatch.setattr(handlers.shared.help, "overview", broken)
    # Bolt looks for the ack before the listener starts, then not again until after it
    # failed: a failure after the ack once lost the ack that way (a 404 after 3 s).
    monkeypatch.setattr(thread_runner, "time", _LateLooker)
    monkeypatch.setattr(DefaultListenerStartHandler, "handle", _starting_late)

    answered = slack.command("/carebot", "help")

    assert answered.ok and answered.status == 200
    assert "Sorry, something went wrong" in slack.last_reply().text


def test_a_429_from_slack_is_waited_out_and_the_reply_arrives(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    sandbox.standin.fail_next("chat.postMessage", status=429, retry_after=1)

    slack.in_dm().message("carebot help")

    [reply] = slack.dms()
    assert "What carebot can do" in reply.text
    assert [c.status for c in sandbox.standin.calls("chat.postMessage")] == [429, 200]


def test_a_500_from_slack_is_retried(sandbox: Sandbox, slack: SlackDriver) -> None:
    sandbox.standin.fail_next("chat.postMessage", status=500, times=2)

    slack.in_dm().message("carebot help")

    assert len(slack.dms()) == 1


def test_slack_down_for_good_is_logged_not_crashed(
    sandbox: Sandbox, slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.standin.fail_next("chat.postMessage", status=500, times=10)
    sandbox.standin.fail_next("chat.postEphemeral", status=500, times=10)

    ack = slack.in_dm().message("carebot help")

    assert ack.status == 200
    assert slack.dms() == []
    assert any("request failed ref=E-" in r.getMessage() for r in caplog.records)


def test_an_oversized_body_is_refused_before_it_is_read(sandbox: Sandbox) -> None:
    request = urllib.request.Request(
        sandbox.server.url + "/slack/events", data=b"x" * (2 * 1024 * 1024), method="POST"
    )
    try:
        urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as refused:
        assert refused.code == 413
    except (ConnectionResetError, BrokenPipeError, urllib.error.URLError):
        pass  # refused while the client was still sending: also not read
    else:
        pytest.fail("a 2 MB body was accepted")
    assert get(sandbox.server.url + "/healthz")[0] == 200


def test_slack_stopping_a_request_is_said_as_slack_said_it_not_as_our_failure(
    sandbox: Sandbox, slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.standin.fail_next("chat.postMessage", status=429, retry_after=60)  # too long to wait

    slack.in_dm().message("carebot help")

    told = slack.last_reply().text
    assert told.startswith("Slack is asking me to slow down right now (rate limited)")
    assert "Sorry, something went wrong" not in told and "invite" not in told
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert any("request failed ref=E-" in r.getMessage() for r in caplog.records)


def test_the_start_waits_for_its_warm_ups_and_a_failed_one_only_logs(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.runtime import app
    from storage import DatabaseUnavailable

    def down(_: object) -> None:
        raise DatabaseUnavailable("the database did not answer")

    monkeypatch.setattr(app, "compile_hot_reads", down)
    with caplog.at_level(logging.WARNING, logger="bot.runtime.app"):
        sandbox.runtime.warm_up(timeout=10)

    assert not any(warming.is_alive() for warming in sandbox.runtime.warming)
    assert "could not compile the database statements at start" in caplog.text
    assert sandbox.driver.command("/carebot", "help").status == 200  # it runs all the same


def test_the_booking_warm_up_reads_its_sample_without_the_database_or_slack(
    sandbox: Sandbox,
) -> None:
    """What the start runs of a booking is the rules alone: no one is read, nothing kept."""
    from sqlalchemy import event

    statements: list[str] = []
    event.listen(sandbox.db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    calls = len(sandbox.standin.calls())
    sandbox.runtime.services.appointments.booking.warm()
    assert statements == []
    assert len(sandbox.standin.calls()) == calls


def test_no_ack_and_no_slack_call_waits_while_a_listener_holds_its_turn(
    sandbox: Sandbox, slack: SlackDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Turns pace the work after an ack. A form's checks before its ack take none, and
    every Web API call, through carebot's client or the one Bolt makes per request,
    gives the turn back first: Slack waits on nobody's turn."""
    from slack_sdk.web.base_client import BaseClient

    from bot.runtime import turns as paced

    turns = sandbox.runtime.executor.turns
    assert turns is not None
    seen: list[tuple[str, bool]] = []
    calling, acking = BaseClient.api_call, paced.TurnAck.__call__

    def call(client: BaseClient, api_method: str, **kwargs: Any) -> Any:
        seen.append((api_method, turns.holding()))
        return calling(client, api_method, **kwargs)

    def ack(self: paced.TurnAck, *args: Any, **kwargs: Any) -> Any:
        seen.append(("ack", turns.holding()))
        return acking(self, *args, **kwargs)

    monkeypatch.setattr(BaseClient, "api_call", call)
    monkeypatch.setattr(paced.TurnAck, "__call__", ack)
    slack.command("/appt")  # the form: views.open
    slack.submit(
        {
            "Patient": "Jane Doe MRN 88123",
            "Kind": "Imaging",
            "Date": "2027-03-02",
            "Time": "15:00",
            "Clinician": "@dr.patel",
        }
    )  # checked before its ack, then the preview
    slack.click("Confirm")  # the card, the clinician's copy
    slack.in_dm().message("appt")
    slack.click("Open the booking form")

    called = {method for method, _ in seen}
    assert {"ack", "views.open", "chat.postMessage"} <= called
    assert [what for what, holding in seen if holding] == [], seen
