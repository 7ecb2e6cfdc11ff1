"""A booking before it is one: the checked proposal, its preview and clashes, the booked visit."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.appointments.rules.appointment import Status
from bot.shared.rules.clinic_hours import Span
from bot.shared.rules.durations import format_duration
from bot.shared.rules.patients import PatientSpec
from bot.shared.rules.refusals import Refused
from bot.shared.rules.timeparse import format_span


class BookingRefused(Refused):
    """The booking cannot go ahead; the message says why and what to type instead."""


@dataclass(frozen=True)
class RepeatPlan:
    """A series as proposed: its RRULE, the wall clock it keeps, every start, said back."""

    rule: str
    zone: str
    starts: tuple[datetime, ...]
    said: str

    def payload(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "zone": self.zone,
            "starts": [start.isoformat() for start in self.starts],
            "said": self.said,
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> RepeatPlan:
        starts = tuple(datetime.fromisoformat(s) for s in data["starts"])
        return cls(str(data["rule"]), str(data["zone"]), starts, str(data["said"]))


@dataclass(frozen=True)
class Proposal:
    """A visit as the coordinator described it, checked but not yet booked."""

    team_id: str
    booker: str
    channel_id: str
    patient: PatientSpec
    kind: str
    label: str
    start: datetime
    end: datetime
    clinician: str | None = None
    location: str | None = None
    notes: str | None = None
    kind_unsure: bool = False  # the typed words named no kind, or two: asked before booking
    kind_candidates: tuple[str, ...] = ()  # the kinds they named, when two or more
    length_given: bool = True  # the length was typed; else it follows the kind
    repeat: RepeatPlan | None = None  # a series: start/end are its first visit's

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def payload(self) -> dict[str, Any]:
        # Field by field, not asdict(): that deep-copies every value, and a preview is hot.
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["patient"] = asdict(self.patient)
        data["start"], data["end"] = self.start.isoformat(), self.end.isoformat()
        data["repeat"] = self.repeat.payload() if self.repeat else None
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Proposal:
        values = dict(data)
        values["patient"] = PatientSpec(**values["patient"])
        values["start"] = datetime.fromisoformat(values["start"])
        values["end"] = datetime.fromisoformat(values["end"])
        values["kind_candidates"] = tuple(values.get("kind_candidates") or ())
        repeat = values.get("repeat")
        values["repeat"] = RepeatPlan.from_payload(repeat) if repeat else None
        return cls(**values)


@dataclass(frozen=True)
class Clash:
    """An existing visit the proposal collides with, and on what."""

    ref: str
    start: datetime
    end: datetime
    on: tuple[str, ...]  # "patient", "clinician", "room"


@dataclass(frozen=True)
class Preview:
    """What the coordinator is shown before anything is booked."""

    draft_id: str
    proposal: Proposal
    patient_ref: str | None  # None: a new patient, created on confirm
    patient_name: str
    clashes: tuple[Clash, ...]
    free: tuple[Span, ...]
    zone: ZoneInfo
    rechecked: bool = False
    outside_hours: bool = False  # booked anyway, but worth a second look
    # When the typed words named no kind (or two): the kinds to pick from, with their lengths.
    kind_options: tuple[tuple[str, timedelta], ...] = ()

    @property
    def when(self) -> str:
        return format_span(self.proposal.start, self.proposal.end, self.zone)

    @property
    def length(self) -> str:
        return format_duration(self.proposal.end - self.proposal.start)


@dataclass(frozen=True)
class Booked:
    ref: str
    proposal: Proposal
    patient_ref: str
    patient_name: str


@dataclass(frozen=True)
class AlreadyBooked:
    """A preview confirmed before (a double click, a retry after a crash): what it booked,
    as the visit stands now, for its booker only."""

    ref: str
    patient_ref: str
    patient_name: str
    kind: str
    label: str
    start: datetime
    end: datetime
    status: Status  # the visit's state now: moved, cancelled or done since, it says so
