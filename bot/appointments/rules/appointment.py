"""Appointment kinds, FHIR R4 statuses, and which actions a visit's status allows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from types import MappingProxyType

from bot.shared.rules.refusals import Refused

KINDS: Mapping[str, timedelta] = MappingProxyType(
    {
        "consult": timedelta(minutes=30),
        "follow-up": timedelta(minutes=20),
        "imaging": timedelta(minutes=45),
        "lab": timedelta(minutes=15),
        "procedure": timedelta(minutes=60),
        "surgery": timedelta(minutes=120),
        "infusion": timedelta(minutes=120),
        "therapy": timedelta(minutes=50),
        "other": timedelta(minutes=30),
    }
)
# These get a pre-procedure checklist the day before.
PROCEDURAL = frozenset({"procedure", "surgery"})
OTHER = "other"
MAX_LABEL_CHARS = 60
KIND_EXAMPLE = "Example: MRI, follow-up, lab or surgery."


@dataclass(frozen=True)
class KindChoice:
    """The kind a visit is booked as and its title as typed ("imaging", "MRI brain").

    `unsure`: the words named no kind, or several (`candidates`); the visit would be "other"
    and the preview asks which kind it is before anything is booked
    (bot.appointments.rules.kinds reads them).
    """

    kind: str
    label: str
    unsure: bool = False
    candidates: tuple[str, ...] = ()


def default_length(kind: str, kinds: Mapping[str, timedelta] = KINDS) -> timedelta:
    """How long a visit of this kind lasts when nobody says."""
    return kinds.get(kind) or kinds.get(OTHER) or KINDS[OTHER]


class Status(StrEnum):
    """Where a visit stands, as FHIR R4 Appointment.status codes."""

    PROPOSED = "proposed"
    PENDING = "pending"
    BOOKED = "booked"
    ARRIVED = "arrived"
    CHECKED_IN = "checked-in"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"
    ENTERED_IN_ERROR = "entered-in-error"
    WAITLIST = "waitlist"


# Still on the schedule: listed, reminded, movable or cancellable.
ACTIVE = frozenset(
    {
        Status.PROPOSED,
        Status.PENDING,
        Status.BOOKED,
        Status.ARRIVED,
        Status.CHECKED_IN,
        Status.WAITLIST,
    }
)
# Only a booked or attended visit takes the time: a proposal or a waitlist entry can
# share its slot with a real booking, so conflicts are checked against these alone.
HOLDS_SLOT = frozenset({Status.BOOKED, Status.ARRIVED, Status.CHECKED_IN})
FINAL = frozenset(Status) - ACTIVE
NOT_YET_BOOKED = frozenset({Status.PROPOSED, Status.PENDING, Status.WAITLIST})

STATUS_WORDS: Mapping[Status, str] = MappingProxyType(
    {
        Status.PROPOSED: "proposed",
        Status.PENDING: "pending",
        Status.BOOKED: "booked",
        Status.ARRIVED: "arrived",
        Status.CHECKED_IN: "checked in",
        Status.FULFILLED: "done",
        Status.CANCELLED: "cancelled",
        Status.NOSHOW: "no-show",
        Status.ENTERED_IN_ERROR: "entered in error",
        Status.WAITLIST: "on the waitlist",
    }
)
# Short labels for lists and buttons, capitalised, no emoji.
STATUS_LABELS: Mapping[Status, str] = MappingProxyType(
    {status: words[0].upper() + words[1:] for status, words in STATUS_WORDS.items()}
    | {Status.WAITLIST: "Waitlist"}
)


class Action(StrEnum):
    """What a coordinator does to a visit with /appt <action> A-n."""

    CHECKIN = "checkin"
    DONE = "done"
    NOSHOW = "noshow"
    CANCEL = "cancel"
    MOVE = "move"

    @property
    def doing(self) -> str:
        """The action in words, as a refusal says what was not allowed."""
        return {
            "checkin": "check visits in",
            "done": "mark visits done",
            "noshow": "mark visits as no-shows",
            "cancel": "cancel visits",
            "move": "move visits",
        }[self.value]


_ALLOWED: Mapping[Action, frozenset[Status]] = {
    Action.CHECKIN: frozenset({Status.BOOKED, Status.ARRIVED}),
    Action.DONE: frozenset({Status.BOOKED, Status.ARRIVED, Status.CHECKED_IN}),
    Action.NOSHOW: frozenset({Status.BOOKED, Status.ARRIVED}),
    Action.CANCEL: frozenset({Status.BOOKED, Status.ARRIVED} | NOT_YET_BOOKED),
    Action.MOVE: frozenset({Status.BOOKED} | NOT_YET_BOOKED),
}
_RESULT: Mapping[Action, Status | None] = {
    Action.CHECKIN: Status.CHECKED_IN,
    Action.DONE: Status.FULFILLED,
    Action.NOSHOW: Status.NOSHOW,
    Action.CANCEL: Status.CANCELLED,
    Action.MOVE: None,  # a move changes the time, not the status
}
_DONE_TO = {
    Action.CHECKIN: "checked in",
    Action.DONE: "marked done",
    Action.NOSHOW: "marked a no-show",
    Action.CANCEL: "cancelled",
    Action.MOVE: "moved",
}
_ALREADY = {
    Action.CHECKIN: "checked in",
    Action.DONE: "done",
    Action.NOSHOW: "marked a no-show",
    Action.CANCEL: "cancelled",
}
_STANDING = {
    Status.PROPOSED: "is only proposed, not booked",
    Status.PENDING: "is still pending, not booked",
    Status.WAITLIST: "is on the waitlist, not booked",
    Status.ARRIVED: "is marked arrived: the patient is here",
    Status.CHECKED_IN: "is checked in: the patient is here",
    Status.FULFILLED: "is done",
    Status.CANCELLED: "was cancelled",
    Status.NOSHOW: "was marked a no-show",
    Status.ENTERED_IN_ERROR: "was entered in error",
}


class TransitionRefused(Refused):
    """An action the visit's status does not allow; str() is the reply, with what to do."""


def transition(status: Status, action: Action, ref: str, *, patient: str) -> Status:
    """The status after action; raise TransitionRefused explaining why not and what to do."""
    if status in _ALLOWED[action]:
        return _RESULT[action] or status
    raise TransitionRefused(_refusal(status, action, ref, patient))


def _refusal(status: Status, action: Action, ref: str, patient: str) -> str:
    """Why action cannot happen to a visit in status, and the command to use instead."""
    day = "today" if action == Action.CHECKIN else "tomorrow"
    rebook = f"book a new visit: /appt book {patient}, follow-up, {day} 3pm"
    finish = f"When the visit is over: /appt done {ref}"
    if _RESULT[action] == status:
        already = f"{ref} is already {_ALREADY[action]}."
        if status == Status.CHECKED_IN:
            return f"{already} {finish}"
        return f"{already} To see the patient again, {rebook}"
    problem = f"{ref} {_STANDING[status]}, so it can't be {_DONE_TO[action]}"
    if status in (Status.ARRIVED, Status.CHECKED_IN):
        if action == Action.MOVE:
            return (
                f"{problem}. To see them another day, mark it done (/appt done {ref}) and {rebook}"
            )
        return f"{problem}. {finish}"
    if status in NOT_YET_BOOKED:
        if action == Action.NOSHOW:
            return f"{problem} yet. To drop it: /appt cancel {ref}"
        return f"{problem} yet. To see the patient, {rebook}"
    if action == Action.CANCEL:
        return (
            f"{problem}: it stays on record. To find a visit to cancel: /appt list week {patient}"
        )
    if status == Status.FULFILLED and action == Action.NOSHOW:
        return f"{problem}: the patient came. To see them again, {rebook}"
    return f"{problem}. To see the patient, {rebook}"
