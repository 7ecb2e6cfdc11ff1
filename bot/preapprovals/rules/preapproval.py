"""Prior authorizations: their states, what may change them, and the payer's decision clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum

from bot.shared.rules.refusals import Refused


class Status(StrEnum):
    NOT_STARTED = "not_started"
    SUBMITTED = "submitted"
    PENDED = "pended"  # the payer asked for more information
    APPROVED = "approved"
    PARTIAL = "partially_approved"
    DENIED = "denied"
    APPEALED = "appealed"
    CANCELLED = "cancelled"
    NOT_REQUIRED = "not_required"
    EXPIRED = "expired"


class Urgency(StrEnum):
    STANDARD = "standard"
    EXPEDITED = "expedited"


class Action(StrEnum):
    SUBMIT = "submitted"
    PEND = "pended"
    APPROVE = "approve"
    PARTIAL = "partial"
    DENY = "deny"
    APPEAL = "appeal"
    CANCEL = "cancel"
    NOT_REQUIRED = "notrequired"
    EXPIRE = "expired"


WORDS = {
    Status.NOT_STARTED: "not started",
    Status.SUBMITTED: "submitted",
    Status.PENDED: "pended: more info requested",
    Status.APPROVED: "approved",
    Status.PARTIAL: "partially approved",
    Status.DENIED: "denied",
    Status.APPEALED: "appealed",
    Status.CANCELLED: "cancelled",
    Status.NOT_REQUIRED: "not required",
    Status.EXPIRED: "expired",
}
# Resolved: nothing more is sent about these. Open ones are chased until resolved.
RESOLVED = frozenset(
    {Status.APPROVED, Status.PARTIAL, Status.DENIED, Status.CANCELLED, Status.NOT_REQUIRED}
)
OPEN = frozenset(Status) - RESOLVED
# Waiting on the payer: the decision clock runs from submission (or appeal).
WITH_PAYER = frozenset({Status.SUBMITTED, Status.APPEALED})
# Under the CMS prior authorization rule, payers decide within these from 2026.
PAYER_CLOCK = {Urgency.EXPEDITED: timedelta(hours=72), Urgency.STANDARD: timedelta(days=7)}

_FROM: dict[Action, frozenset[Status]] = {
    Action.SUBMIT: frozenset({Status.NOT_STARTED, Status.PENDED, Status.EXPIRED}),
    Action.PEND: frozenset({Status.SUBMITTED, Status.APPEALED}),
    Action.APPROVE: frozenset(
        {Status.NOT_STARTED, Status.SUBMITTED, Status.PENDED, Status.APPEALED, Status.EXPIRED}
    ),
    Action.PARTIAL: frozenset({Status.SUBMITTED, Status.PENDED, Status.APPEALED}),
    # Approve and deny from "not started" too: coordinators often record a decision late.
    Action.DENY: frozenset({Status.NOT_STARTED, Status.SUBMITTED, Status.PENDED, Status.APPEALED}),
    Action.APPEAL: frozenset({Status.DENIED, Status.PARTIAL}),
    Action.CANCEL: frozenset(OPEN | {Status.APPROVED, Status.PARTIAL}),
    Action.NOT_REQUIRED: frozenset(
        {Status.NOT_STARTED, Status.SUBMITTED, Status.PENDED, Status.EXPIRED}
    ),
    Action.EXPIRE: frozenset({Status.APPROVED, Status.PARTIAL}),
}
_TO = {
    Action.SUBMIT: Status.SUBMITTED,
    Action.PEND: Status.PENDED,
    Action.APPROVE: Status.APPROVED,
    Action.PARTIAL: Status.PARTIAL,
    Action.DENY: Status.DENIED,
    Action.APPEAL: Status.APPEALED,
    Action.CANCEL: Status.CANCELLED,
    Action.NOT_REQUIRED: Status.NOT_REQUIRED,
    Action.EXPIRE: Status.EXPIRED,
}
# What to suggest when a change is refused, by the state the request is in.
_INSTEAD = {
    Status.DENIED: "To contest it, `/preauth appeal {ref}`; approve it once the appeal succeeds.",
    Status.CANCELLED: "It is closed; start a new one with `/preauth new`.",
    Status.NOT_REQUIRED: "It is closed; start a new one with `/preauth new` if that changes.",
    Status.APPROVED: "If the approval ran out, `/preauth expired {ref}` reopens it.",
    Status.PARTIAL: "To contest the rest, `/preauth appeal {ref}`.",
    Status.NOT_STARTED: "Record the submission first: `/preauth submitted {ref} [payer ref]`.",
}

AUTH_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9./-]{0,39}")
AUTH_EXAMPLE = "Example: /preauth approve PA-3 AUTH-12345 until 2027-06-30"
MAX_SNOOZE = timedelta(days=30)


class TransitionRefused(Refused):
    """The change does not fit the request's state; str() explains and suggests."""


def transition(status: Status, action: Action, ref: str) -> Status:
    """The state after `action`, or TransitionRefused saying why not and what to do instead."""
    if status in _FROM[action]:
        return _TO[action]
    if _TO[action] == status:
        raise TransitionRefused(f"{ref} is already {WORDS[status]}; nothing changed.")
    hint = _INSTEAD.get(status, "`/preauth list all` shows where each request stands.")
    raise TransitionRefused(
        f"{ref} is {WORDS[status]}, so it cannot be marked {WORDS[_TO[action]]}. "
        + hint.format(ref=ref)
    )


def payer_deadline(submitted_at: datetime | None, urgency: Urgency) -> datetime | None:
    """When the payer must have decided: 72 hours (expedited) or 7 days (standard)."""
    return submitted_at + PAYER_CLOCK[urgency] if submitted_at is not None else None


def past_payer_clock(
    status: Status, submitted_at: datetime | None, urgency: Urgency, now: datetime
) -> bool:
    """A request with the payer past its decision clock: time to follow up with the payer."""
    deadline = payer_deadline(submitted_at, urgency)
    return status in WITH_PAYER and deadline is not None and now >= deadline


def check_auth_number(text: str) -> str:
    """An authorization number as payers issue them: letters, digits, - . / and no spaces."""
    number = text.strip()
    if not AUTH_NUMBER.fullmatch(number):
        raise ValueError(
            "An auth number is 1-40 letters or digits (with - . / allowed), "
            f"no spaces or symbols. {AUTH_EXAMPLE}"
        )
    return number
