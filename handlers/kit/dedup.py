"""Recognise a retried event or a double-clicked button and do nothing the second time.

Keys live in the database under a unique constraint, so replicas and restarts agree.
Modal submissions are not keyed here: a submission answered with field errors is
legitimately sent again, so a feature claims `view:<id>` once its input is valid.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse

from bot.shared import request_context

if TYPE_CHECKING:
    from slack_bolt import App

log = logging.getLogger(__name__)

# Buttons that only show something (open a modal, turn a page) may be clicked again.
REPEATABLE_PREFIXES = ("open_", "page_", "show_")
# Buttons whose listener answers a repeat itself: Confirm again after a crash must hear
# "Already booked", not silence.
ANSWERS_REPEATS = frozenset({"appt_confirm"})


# True only the first time a workspace's request key is seen (storage's unique constraint).
FirstTime = Callable[[str, str], bool]


def register(app: App, first_time: FirstTime) -> None:
    def skip(body: dict[str, Any], context: Any, next: Callable[[], None]) -> BoltResponse | None:
        return skip_repeats(first_time, body, context, next)

    app.middleware(skip)


def request_key(body: dict[str, Any]) -> str | None:
    """The key that makes this request a repeat of an earlier one, if it can repeat."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("type") != "block_actions" or not body.get("actions"):
        return None
    action = body["actions"][0]
    action_id = action.get("action_id", "")
    if (
        action.get("type") != "button"
        or action_id.startswith(REPEATABLE_PREFIXES)
        or action_id in ANSWERS_REPEATS
    ):
        return None
    container = body.get("container") or {}
    # In a modal the same button may be clicked again once the view has changed (new hash).
    view = body.get("view") or {}
    where = container.get("message_ts") or f"{container.get('view_id', '')}@{view.get('hash', '')}"
    block, value = action.get("block_id", ""), action.get("value", "")
    # A double click is one person's; two people pressing the same button are two requests.
    user = (body.get("user") or {}).get("id", "")
    return f"click:{where}:{block}:{action['action_id']}:{value}:{user}"


def skip_repeats(
    first_time: FirstTime, body: dict[str, Any], context: Any, next: Callable[[], None]
) -> BoltResponse | None:
    key = request_key(body)
    if key is not None and not first_time(context.team_id or "", key):
        request_context.settle(request_context.REPEAT)
        log.info("ignored a repeat: %s", key.split(":", 1)[0])
        return BoltResponse(status=200, body="")
    next()
    return None
