"""Requests nobody verified never reach a listener, and signed nonsense is a 400.

Sent over real HTTP to the sandbox's carebot, with bodies that name a real user, channel
and response_url, as an attacker would: nothing may be posted anywhere for them.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from bot.runtime.server import EVENTS_PATH
from bot.sandbox.driver_payloads import sign
from bot.sandbox.world import SIGNING_SECRET, Sandbox

FORM = "application/x-www-form-urlencoded"
DANA, CARDIOLOGY = "U0COORD01", "C0CARDIO1"


def post(sandbox: Sandbox, body: bytes, content_type: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(
        sandbox.server.url + EVENTS_PATH,
        data=body,
        headers={"Content-Type": content_type, **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def slash_command(sandbox: Sandbox) -> bytes:
    """/appt list, as Slack would send it for Dana, with a real response_url."""
    url = sandbox.standin.issue_response_url(CARDIOLOGY, DANA)
    fields = {
        "team_id": "T0CAREBOT",
        "user_id": DANA,
        "channel_id": CARDIOLOGY,
        "command": "/appt",
        "text": "list",
        "response_url": url,
        "trigger_id": "1.2.3",
    }
    return urlencode(fields).encode()


def now() -> str:
    return str(int(time.time()))


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=abc"},
        {"X-Slack-Request-Timestamp": "-1", "X-Slack-Signature": ""},
        {"X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "1700000000"},
        {},
        {"X-Slack-Request-Timestamp": "99999999999999999999", "X-Slack-Signature": "v0=x"},
    ],
    ids=["abc", "empty", "exponent", "negative", "no-timestamp", "no-signature", "none", "huge"],
)
def test_an_unverifiable_request_gets_401_and_carebot_calls_nobody(
    sandbox: Sandbox, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    body = slash_command(sandbox)
    before = len(sandbox.standin.calls())

    status = post(sandbox, body, FORM, headers)
    sandbox.runtime.wait_idle()

    assert status == 401
    assert len(sandbox.standin.calls()) == before  # no Web API call, no response_url post
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_signed_event_with_a_bad_timestamp_is_401_not_500(sandbox: Sandbox) -> None:
    body = json.dumps({"type": "event_callback", "team_id": "T0CAREBOT", "event": {}}).encode()
    headers = {
        "X-Slack-Request-Timestamp": "abc",
        "X-Slack-Signature": sign(SIGNING_SECRET, "abc", body),
    }

    assert post(sandbox, body, "application/json", headers) == 401


@pytest.mark.parametrize(
    "payload",
    [
        "{not json",
        "",
        json.dumps([{"type": "block_actions"}]),
        json.dumps({"type": "block_actions", "user": {"id": DANA}, "actions": []}),
        json.dumps({"type": "view_submission", "user": {"id": DANA}, "view": {"id": "V1"}}),
    ],
    ids=["not-json", "empty", "a-list", "no-actions", "view-without-type"],
)
def test_a_signed_payload_carebot_cannot_read_is_400_with_one_log_line(
    sandbox: Sandbox, payload: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = urlencode({"payload": payload}).encode()
    stamp = now()
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign(SIGNING_SECRET, stamp, body),
    }
    before = len(sandbox.standin.calls())
    caplog.set_level(logging.INFO)

    status = post(sandbox, body, FORM, headers)

    assert status == 400
    assert len(sandbox.standin.calls()) == before
    refused = [r for r in caplog.records if "cannot read" in r.getMessage()]
    assert len(refused) == 1 and refused[0].exc_info is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_properly_signed_command_still_gets_through(sandbox: Sandbox) -> None:
    body = slash_command(sandbox)
    stamp = now()
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign(SIGNING_SECRET, stamp, body),
    }

    assert post(sandbox, body, FORM, headers) == 200
    sandbox.runtime.wait_idle()
    assert sandbox.standin.calls("response_url")  # the answer went to its response_url
