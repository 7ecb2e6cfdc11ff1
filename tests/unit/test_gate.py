"""The gate before Bolt: a signature that does not hold, in any shape, is refused; a signed
body carebot cannot read is named for the log."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from bot.runtime.gate import unreadable, verified
from bot.sandbox.driver_payloads import sign

SECRET = "s3cret"
NOW = 1_800_000_000.0
BODY = b"token=x&command=%2Fappt&text=list"
GOOD_TS = str(int(NOW))
FULL_WIDTH = "\uff19" * 10  # full-width nines: str.isdigit() says yes, int() reads them


def test_a_body_signed_now_with_the_secret_passes() -> None:
    assert verified(BODY, GOOD_TS, sign(SECRET, GOOD_TS, BODY), SECRET, NOW)


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        (None, sign(SECRET, GOOD_TS, BODY)),  # no timestamp
        (GOOD_TS, None),  # no signature
        (None, None),
        ("abc", sign(SECRET, "abc", BODY)),  # not a number, though "signed"
        ("", sign(SECRET, "", BODY)),
        (" " + GOOD_TS, sign(SECRET, " " + GOOD_TS, BODY)),
        (GOOD_TS + ".0", sign(SECRET, GOOD_TS + ".0", BODY)),
        ("-" + GOOD_TS, sign(SECRET, "-" + GOOD_TS, BODY)),
        ("1e9", sign(SECRET, "1e9", BODY)),
        (FULL_WIDTH, sign(SECRET, FULL_WIDTH, BODY)),  # digits, but not ASCII ones
        ("9" * 40, sign(SECRET, "9" * 40, BODY)),  # a number no clock reaches
        (str(int(NOW) - 301), sign(SECRET, str(int(NOW) - 301), BODY)),  # stale
        (str(int(NOW) + 301), sign(SECRET, str(int(NOW) + 301), BODY)),  # from the future
        (GOOD_TS, sign("another-secret", GOOD_TS, BODY)),
        (GOOD_TS, sign(SECRET, GOOD_TS, BODY + b"&x=1")),  # the body was changed
        (GOOD_TS, sign(SECRET, GOOD_TS, BODY).upper()),
        (GOOD_TS, "v1=" + sign(SECRET, GOOD_TS, BODY)[3:]),
        (GOOD_TS, sign(SECRET, GOOD_TS, BODY)[:-1]),
        (GOOD_TS, ""),
        (GOOD_TS, "v0="),
        (GOOD_TS, "garbage"),
    ],
)
def test_anything_else_does_not(timestamp: str | None, signature: str | None) -> None:
    assert not verified(BODY, timestamp, signature, SECRET, NOW)


def test_without_a_secret_nothing_is_verified() -> None:
    assert not verified(BODY, GOOD_TS, sign("", GOOD_TS, BODY), "", NOW)


def form(payload: object) -> bytes:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return urlencode({"payload": text}).encode()


CLICK = {
    "type": "block_actions",
    "user": {"id": "U1"},
    "actions": [{"action_id": "appt_confirm", "value": "d1"}],
}
FORM_SENT = {"type": "view_submission", "user": {"id": "U1"}, "view": {"type": "modal"}}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (BODY, "application/x-www-form-urlencoded"),
        (form(CLICK), "application/x-www-form-urlencoded"),
        (form(FORM_SENT), "application/x-www-form-urlencoded"),
        (b'{"type": "event_callback", "event": {}}', "application/json"),
        (b'{"type": "url_verification", "challenge": "c"}', "application/json; charset=utf-8"),
    ],
)
def test_what_slack_sends_is_readable(body: bytes, content_type: str) -> None:
    assert unreadable(body, content_type) is None


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (form("{not json"), "application/x-www-form-urlencoded"),
        (form(""), "application/x-www-form-urlencoded"),
        (form([CLICK]), "application/x-www-form-urlencoded"),  # a JSON list
        (form({"user": {"id": "U1"}}), "application/x-www-form-urlencoded"),  # no type
        (form({**CLICK, "actions": []}), "application/x-www-form-urlencoded"),
        (form({**CLICK, "actions": ["appt_confirm"]}), "application/x-www-form-urlencoded"),
        (form({**CLICK, "actions": [{"value": "d1"}]}), "application/x-www-form-urlencoded"),
        (form({**FORM_SENT, "view": {"id": "V1"}}), "application/x-www-form-urlencoded"),
        (form({**FORM_SENT, "view": None}), "application/x-www-form-urlencoded"),
        (
            form({"type": "block_actions", "actions": CLICK["actions"]}),
            "application/x-www-form-urlencoded",
        ),
        (b"", "application/x-www-form-urlencoded"),
        (b"\xff\xfe", "application/x-www-form-urlencoded"),
        (b"not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"event": {}}', "application/json"),
        (b'{"type": "event_callback", "event": {"type": "x", "channel": 42}}', "application/json"),
        (b'{"type": "event_callback", "channel": true, "event": {}}', "application/json"),
        (form({**CLICK, "channel": 7}), "application/x-www-form-urlencoded"),
    ],
)
def test_a_signed_body_carebot_cannot_read_is_named(body: bytes, content_type: str) -> None:
    assert unreadable(body, content_type)
