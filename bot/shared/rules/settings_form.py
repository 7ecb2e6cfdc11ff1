"""The channel settings form as typed: checked field by field, kept only where it differs.

A field left empty, or holding the workspace default, is stored as "follow the workspace",
so a channel keeps following env changes for everything it did not set itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time

from bot.shared.rules.channel_settings import (
    ChannelSettings,
    Overrides,
    SettingError,
    days_text,
    ladders_text,
    read_clock,
    read_days,
    read_digest,
    read_display,
    read_holidays,
    read_ladders,
    read_timezone,
)

TIMEZONE, HOURS, DAYS, HOLIDAYS = "timezone", "clinic_hours", "clinic_days", "holidays"
DIGEST, ESCALATION, ROUND, DISPLAY = (
    "digest_time", "handoff_escalation", "preauth_round", "patient_display",
)  # fmt: skip
FIELDS = (TIMEZONE, HOURS, DAYS, HOLIDAYS, DIGEST, ESCALATION, ROUND, DISPLAY)
HOURS_EXAMPLE = "08:00-18:00"


def shown(settings: ChannelSettings) -> dict[str, str]:
    """The settings as the form shows them, each written so it reads back the same."""
    return {
        TIMEZONE: settings.timezone.key,
        HOURS: f"{_clock(settings.opens)}-{_clock(settings.closes)}",
        DAYS: days_text(settings.days),
        HOLIDAYS: ", ".join(day.isoformat() for day in sorted(settings.holidays)),
        DIGEST: _clock(settings.digest_time) if settings.digest_time else "off",
        ESCALATION: ladders_text(settings.handoff_ladders),
        ROUND: _clock(settings.preauth_round),
        DISPLAY: settings.patient_display.value,
    }


def read_hours(typed: str) -> tuple[time, time]:
    """ "08:00-18:00" -> (08:00, 18:00); they must end after they start."""
    parts = re.split(r"\s*(?:-|\u2013|to)\s*", typed.strip())
    if len(parts) != 2:
        raise SettingError(f"Write opening and closing times like {HOURS_EXAMPLE}.")
    try:
        opens, closes = read_clock(parts[0]), read_clock(parts[1])
    except SettingError:
        raise SettingError(f"Write opening and closing times like {HOURS_EXAMPLE}.") from None
    if not opens < closes:
        raise SettingError(f"Clinic hours must end after they start, e.g. {HOURS_EXAMPLE}.")
    return opens, closes


def check(typed: Mapping[str, str], defaults: ChannelSettings) -> Overrides | dict[str, str]:
    """What to store for the channel, or the errors to show under the fields."""
    errors: dict[str, str] = {}
    stored: dict[str, str | None] = {}
    base = shown(defaults)

    def keep(field: str, read: object) -> None:
        text = " ".join(typed.get(field, "").split())
        if not text:
            return
        try:
            value = read(text)  # type: ignore[operator]
        except SettingError as problem:
            errors[field] = str(problem)[:150]
            return
        if value != base[field]:
            for column, part in _columns(field, value):
                stored[column] = part

    keep(TIMEZONE, lambda t: read_timezone(t).key)
    keep(HOURS, lambda t: "-".join(_clock(c) for c in read_hours(t)))
    keep(DAYS, lambda t: days_text(read_days(t)))
    keep(HOLIDAYS, lambda t: ", ".join(d.isoformat() for d in sorted(read_holidays(t))))
    keep(DIGEST, lambda t: _clock(d) if (d := read_digest(t)) else "off")
    keep(ESCALATION, lambda t: ladders_text(read_ladders(t, defaults.handoff_ladders)))
    keep(ROUND, lambda t: _clock(read_clock(t)))
    keep(DISPLAY, lambda t: read_display(t).value)
    if errors:
        return errors
    return Overrides(**stored)


def _columns(field: str, value: str) -> list[tuple[str, str]]:
    if field == HOURS:
        opens, _, closes = value.partition("-")
        return [("clinic_opens", opens), ("clinic_closes", closes)]
    return [(field, value)]


def _clock(at: time) -> str:
    return at.strftime("%H:%M")
