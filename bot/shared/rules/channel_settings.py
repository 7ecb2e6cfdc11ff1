"""Per-channel settings: what a care-team channel overrides, and the rule that resolves them.

A channel stores each setting as typed (None: use the workspace default from env). The
effective settings are the workspace defaults with every stored value laid over them.
Each `read_*` takes what an admin typed and raises SettingError with a correct example.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, fields, replace
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.shared.rules.clinic_hours import WEEKDAYS, ClinicHours
from bot.shared.rules.display import PatientDisplay
from bot.shared.rules.ladders import SETTING_EXAMPLE, Ladder, LadderError, parse_ladders
from bot.shared.rules.severity import Severity

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_HOLIDAYS = 60


class SettingError(ValueError):
    """A typed setting that could not be read; str() says what was wrong, with an example."""


@dataclass(frozen=True)
class ChannelSettings:
    """The settings in force in one channel (or the workspace defaults)."""

    timezone: ZoneInfo
    opens: time = time(8, 0)
    closes: time = time(18, 0)
    days: frozenset[int] = WEEKDAYS  # date.weekday(): Monday is 0
    holidays: frozenset[date] = frozenset()
    digest_time: time | None = time(7, 30)  # None: no digest
    handoff_ladders: Mapping[Severity, Ladder] = field(default_factory=dict)
    preauth_round: time = time(9, 0)
    patient_display: PatientDisplay = PatientDisplay.INITIALS

    @property
    def clinic_hours(self) -> ClinicHours:
        return ClinicHours(
            tz=self.timezone,
            opens=self.opens,
            closes=self.closes,
            days=self.days,
            holidays=self.holidays,
        )

    def is_day_off(self, day: date) -> bool:
        return day.weekday() not in self.days or day in self.holidays


@dataclass(frozen=True)
class Overrides:
    """A channel's own values as stored, each None when the workspace default applies."""

    timezone: str | None = None
    clinic_opens: str | None = None  # "08:00"
    clinic_closes: str | None = None
    clinic_days: str | None = None  # "mon-fri" or "mon,tue,sat"
    holidays: str | None = None  # "2027-12-24,2027-12-25"
    digest_time: str | None = None  # "07:30" or "off"
    handoff_escalation: str | None = None  # "unstable=5m/10m/30m"
    preauth_round: str | None = None  # "09:00"
    patient_display: str | None = None  # "full", "initials" or "id"

    def as_dict(self) -> dict[str, str | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def effective(defaults: ChannelSettings, overrides: Overrides | None) -> ChannelSettings:
    """The defaults with the channel's stored values laid over them.

    Stored values were checked when saved; one that no longer reads (a time zone dropped
    from the system's database) falls back to the default rather than breaking a sweep.
    """
    if overrides is None:
        return defaults
    changes: dict[str, object] = {}
    for name, (setting, read) in _READERS.items():
        typed = getattr(overrides, name)
        if typed is None:
            continue
        try:
            changes[setting] = read(typed)
        except SettingError:
            continue
    if overrides.handoff_escalation is not None:
        with suppress(SettingError):
            changes["handoff_ladders"] = read_ladders(
                overrides.handoff_escalation, defaults.handoff_ladders
            )
    merged = replace(defaults, **changes)  # type: ignore[arg-type]
    if not merged.opens < merged.closes:
        merged = replace(merged, opens=defaults.opens, closes=defaults.closes)
    return merged


def read_timezone(typed: str) -> ZoneInfo:
    name = typed.strip()
    try:
        if not name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a folder of zones
        raise SettingError(
            f"{name[:40]!r} is not a time zone; use a name like America/New_York."
        ) from None


_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def read_clock(typed: str) -> time:
    found = _CLOCK.match(typed.strip())
    if not found:
        raise SettingError(
            f"{typed.strip()[:20]!r} is not a time of day; use 24-hour time, e.g. 07:30."
        )
    return time(int(found[1]), int(found[2]))


def read_digest(typed: str) -> time | None:
    """ "07:30" -> 07:30; "off" -> no digest."""
    if typed.strip().lower() in ("off", "none"):
        return None
    try:
        return read_clock(typed)
    except SettingError:
        raise SettingError(
            f"{typed.strip()[:20]!r} is not a digest time; use 24-hour time like 07:30, or off."
        ) from None


def read_days(typed: str) -> frozenset[int]:
    """ "mon-fri" or "mon,tue,sat" -> weekday numbers (Monday is 0)."""
    days: set[int] = set()
    for part in (p.strip().lower() for p in typed.split(",") if p.strip()):
        first, _, last = (end.strip()[:3] for end in part.partition("-"))
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise SettingError(f"{typed.strip()[:40]!r}: name days like mon-fri or mon,wed,fri.")
        a = DAY_NAMES.index(first)
        b = DAY_NAMES.index(last) if last else a
        if b < a:
            raise SettingError(f"{part!r} runs backwards; write the days in order, e.g. mon-fri.")
        days.update(range(a, b + 1))
    if not days:
        raise SettingError("Name at least one open day, e.g. mon-fri.")
    return frozenset(days)


def read_holidays(typed: str) -> frozenset[date]:
    """ "2027-12-24, 2027-12-25" -> those days (one per line works too)."""
    days: set[date] = set()
    for part in filter(None, (p.strip() for p in re.split(r"[,\s]+", typed))):
        try:
            days.add(date.fromisoformat(part))
        except ValueError:
            raise SettingError(
                f"{part[:20]!r} is not a date; list dates like 2027-12-24, 2027-12-25."
            ) from None
    if len(days) > MAX_HOLIDAYS:
        raise SettingError(f"List at most {MAX_HOLIDAYS} holidays; drop the past ones.")
    return frozenset(days)


def read_ladders(typed: str, base: Mapping[Severity, Ladder]) -> dict[Severity, Ladder]:
    try:
        return parse_ladders(typed, base)
    except LadderError as problem:
        raise SettingError(f"{problem}; e.g. {SETTING_EXAMPLE}.") from None


def read_display(typed: str) -> PatientDisplay:
    try:
        return PatientDisplay.parse(typed)
    except ValueError as problem:
        raise SettingError(str(problem)) from None


def days_text(days: frozenset[int]) -> str:
    """Weekday numbers as typed back: {0..4} -> "mon-fri", {0, 2} -> "mon,wed"."""
    ordered = sorted(days)
    if ordered and ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{DAY_NAMES[ordered[0]]}-{DAY_NAMES[ordered[-1]]}"
    return ",".join(DAY_NAMES[d] for d in ordered)


def ladders_text(ladders: Mapping[Severity, Ladder]) -> str:
    """Ladders in the CAREBOT_HANDOFF_ESCALATION syntax, every severity spelled out."""
    parts = []
    for severity in Severity:
        ladder = ladders.get(severity, ())
        delays = "/".join(f"{int(d.total_seconds() // 60)}m" for _, d in ladder) or "off"
        parts.append(f"{severity.value}={delays}")
    return ", ".join(parts)


# Each stored override: the setting it replaces and how to read it.
_READERS: dict[str, tuple[str, Callable[[str], object]]] = {
    "timezone": ("timezone", read_timezone),
    "clinic_opens": ("opens", read_clock),
    "clinic_closes": ("closes", read_clock),
    "clinic_days": ("days", read_days),
    "holidays": ("holidays", read_holidays),
    "digest_time": ("digest_time", read_digest),
    "preauth_round": ("preauth_round", read_clock),
    "patient_display": ("patient_display", read_display),
}
