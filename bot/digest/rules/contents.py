"""What goes in a channel's digest: today's visits, pre-approvals at risk, handoffs unread."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from bot.digest.rules.day import Today
from bot.preapprovals.rules.timing import Risk
from bot.shared.rules.display import PatientDisplay, patient_label
from bot.shared.rules.severity import Severity


class Timed(Protocol):
    """A visit as the digest needs it: when it starts."""

    @property
    def start(self) -> datetime: ...


class Flagged(Protocol):
    """A pre-approval as the digest needs it: its channel and how much it is at risk."""

    @property
    def channel_id(self) -> str | None: ...

    @property
    def risk(self) -> Risk: ...


AppointmentT = TypeVar("AppointmentT", bound=Timed)
ItemT = TypeVar("ItemT", bound=Flagged)


@dataclass(frozen=True)
class Unacknowledged:
    """A handoff posted in a channel that nobody has read back yet, as stored."""

    channel_id: str
    ref: str
    patient_ref: str
    patient_name: str
    severity: Severity
    receiver_user: str | None
    receiver_group: str | None
    posted_at: datetime | None


@dataclass(frozen=True)
class Waiting:
    """A handoff nobody has acknowledged yet, as the digest shows it."""

    ref: str
    patient: str  # escaped mrkdwn, per the display policy
    severity: Severity
    receiver_user: str | None
    receiver_group: str | None
    posted_at: datetime


@dataclass(frozen=True)
class Digest(Generic[AppointmentT, ItemT]):
    """One channel's digest for one day."""

    channel: str
    day: date
    zone: ZoneInfo
    visits: tuple[AppointmentT, ...]
    at_risk: tuple[ItemT, ...]
    policy: PatientDisplay
    handoffs: tuple[Waiting, ...] = ()
    late: bool = False  # a catch-up after downtime, said as such

    @property
    def empty(self) -> bool:
        return not self.visits and not self.at_risk and not self.handoffs


def todays_appointments(
    visits: Iterable[tuple[str, AppointmentT]], days: Mapping[str, Today]
) -> dict[str, list[AppointmentT]]:
    """Each channel's visits starting on its own today, by start (ties keep their order)."""
    found: dict[str, list[AppointmentT]] = defaultdict(list)
    for channel, visit in sorted(visits, key=lambda pair: pair[1].start):
        if channel in days and days[channel].holds(visit.start):
            found[channel].append(visit)
    return found


def at_risk(items: Iterable[ItemT], channels: Iterable[str]) -> dict[str, list[ItemT]]:
    """Each channel's pre-approvals whose procedure date is at risk, in the order given."""
    wanted = set(channels)
    found: dict[str, list[ItemT]] = defaultdict(list)
    for item in items:
        channel = item.channel_id or ""
        if channel in wanted and item.risk is not Risk.NONE:
            found[channel].append(item)
    return found


def awaiting(
    handoffs: Iterable[Unacknowledged], policies: Mapping[str, PatientDisplay], now: datetime
) -> dict[str, list[Waiting]]:
    """Each channel's handoffs awaiting a read-back, patients shown by the channel's policy."""
    found: dict[str, list[Waiting]] = defaultdict(list)
    for handoff in handoffs:
        policy = policies.get(handoff.channel_id)
        if policy is None:
            continue
        found[handoff.channel_id].append(
            Waiting(
                ref=handoff.ref,
                patient=patient_label(policy, handoff.patient_ref, handoff.patient_name),
                severity=handoff.severity,
                receiver_user=handoff.receiver_user,
                receiver_group=handoff.receiver_group,
                posted_at=handoff.posted_at or now,
            )
        )
    return found
