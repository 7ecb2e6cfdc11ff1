"""Log lines as text (the default) or as one JSON object per line (LOG_FORMAT=json).

Each record is stamped, as it is written, with the current Slack request's id, workspace,
kind, command or action and outcome (bot.shared.request_context); a field passed with
`extra=` wins. Exceptions are logged as their type and frames, never their message, which
may quote patient data.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.shared import request_context
from bot.shared.rules.failures import describe

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The request's fields, as JSON keys, in the order they are written.
REQUEST_FIELDS = ("request_id", "workspace", "kind", "command", "action", "outcome")


class RequestFields(logging.Filter):
    """Copies the current request's fields onto each record, in the thread that logs it."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = request_context.current()
        if request is not None:
            found = {
                "request_id": request.id,
                "workspace": request.workspace,
                "kind": request.kind,
                "command": request.command,
                "action": request.action,
                "outcome": request.outcome,
            }
            for name, value in found.items():
                if value is not None and getattr(record, name, None) is None:
                    setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info and record.exc_info[1] is not None:
            line["error"] = describe(record.exc_info[1])
        return json.dumps(line, ensure_ascii=False, default=str)


def handler(log_format: str, stream: Any = None) -> logging.Handler:
    """A stream handler (stderr by default) writing `log_format` lines with request fields."""
    written = logging.StreamHandler(stream)
    written.addFilter(RequestFields())
    written.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    return written


def configure_logging(level: str, log_format: str = "text", stream: TextIO | None = None) -> None:
    """Log to stderr; Slack's libraries stay at WARNING because at DEBUG they log message bodies."""
    logging.basicConfig(level=level, handlers=[handler(log_format, stream)], force=True)
    quiet_libraries(level)


def quiet_libraries(level: str) -> None:
    """Keep libraries that log request and message bodies at WARNING or above."""
    noisy_libraries = (
        "slack_bolt",
        "slack_sdk",
        "urllib3",
        "sqlalchemy.engine",
        "waitress.queue",
        "alembic",
    )
    for noisy in noisy_libraries:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
