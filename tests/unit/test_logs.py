"""Log lines: text by default, JSON with LOG_FORMAT=json, stamped with the current request."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.runtime.config import ConfigError, load_settings
from bot.runtime.logs import handler
from bot.shared import request_context
from bot.shared.request_context import SlackRequest


def written(log_format: str, emit: Any) -> str:
    stream = io.StringIO()
    logger = logging.getLogger("carebot.test_logs")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler(log_format, stream))
    try:
        emit(logger)
    finally:
        logger.handlers.clear()
    return stream.getvalue()


def appt_request() -> SlackRequest:
    return SlackRequest(
        id="abc123def456", kind="slash_command", workspace="T0CAREBOT", command="/appt"
    )


def test_log_format_is_text_unless_json_is_asked_for(tmp_path: Path) -> None:
    none = tmp_path / "none.env"
    assert load_settings({}, dotenv=none).log_format == "text"
    assert load_settings({"LOG_FORMAT": "JSON"}, dotenv=none).log_format == "json"
    with pytest.raises(ConfigError) as raised:
        load_settings({"LOG_FORMAT": "logfmt"}, dotenv=none)
    assert str(raised.value) == "LOG_FORMAT 'logfmt' should be text (the default) or json"


def test_text_lines_stay_as_they_were() -> None:
    with request_context.handling(appt_request()):
        line = written("text", lambda log: log.info("booked %s", "A-1"))

    assert line.endswith(" INFO carebot.test_logs: booked A-1\n")
    assert "abc123def456" not in line


def test_a_json_line_carries_the_current_request_and_extra_fields_win() -> None:
    def emit(log: logging.Logger) -> None:
        log.info("outside any request")
        with request_context.handling(appt_request()):
            log.warning("refused %s", "A-1", extra={"outcome": "refused"})
            request_context.settle(request_context.OK)
            log.debug("done")

    outside, refused, done = (json.loads(line) for line in written("json", emit).splitlines())

    assert set(outside) == {"time", "level", "logger", "message"}
    assert refused == {
        "time": refused["time"],
        "level": "WARNING",
        "logger": "carebot.test_logs",
        "message": "refused A-1",
        "request_id": "abc123def456",
        "workspace": "T0CAREBOT",
        "kind": "slash_command",
        "command": "/appt",
        "outcome": "refused",
    }
    assert refused["time"].endswith("+00:00")
    assert done["outcome"] == "ok"


def test_an_exception_is_logged_as_its_type_and_frames_never_its_message() -> None:
    def emit(log: logging.Logger) -> None:
        try:
            raise ValueError("could not book Jane Doe MRN 88123")
        except ValueError:
            log.exception("booking failed")

    [line] = written("json", emit).splitlines()
    logged = json.loads(line)

    assert logged["message"] == "booking failed"
    assert logged["error"].startswith("ValueError\n  ")
    assert "test_logs.py" in logged["error"]
    assert "Jane Doe" not in line and "88123" not in line
