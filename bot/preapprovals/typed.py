"""What people type about a change: approval details, a payer ref, how long to snooze."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.preapprovals.items import PreapprovalRefused
from bot.preapprovals.rules.preapproval import MAX_SNOOZE
from bot.preapprovals.rules.quickform import check_payer_ref
from bot.preapprovals.rules.timing import Rounds
from bot.shared.rules.business_days import at_local
from bot.shared.rules.patients import QuickFormError
from bot.shared.rules.timeparse import TimeParseError, TimeParser, format_when

SNOOZE_USAGE = "/preauth snooze PA-3 1d  (or 3d, 2w, 4h, until friday, until tuesday 2pm)"
_SPAN = re.compile(r"^(\d{1,3})\s*(h|hours?|d|days?|w|weeks?)$", re.IGNORECASE)
_UNIT = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
# approve PA-3 AUTH-1 units 12 from 2027-03-01 until 2027-06-30: the auth number runs to a keyword.
_APPROVAL = re.compile(
    r"^(?P<auth>.*?)(?:\s+units?\s+(?P<units>\S+))?(?:\s+from\s+(?P<start>.+?))?"
    r"(?:\s+(?:until|to|valid to)\s+(?P<end>.+?))?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Details:
    """What comes with a status change: the payer's numbers, dates and reasons."""

    payer_ref: str | None = None
    auth_number: str | None = None
    approved_units: int | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    reason: str | None = None


def payer_ref(text: str) -> str | None:
    try:
        return check_payer_ref(text)
    except QuickFormError as error:
        raise PreapprovalRefused(str(error)) from None


def approval_details(times: TimeParser, text: str, now: datetime, zone: ZoneInfo) -> Details:
    """ "AUTH-1 units 12 from 2027-03-01 until 2027-06-30" as the approval's details."""
    found = _APPROVAL.match(text.strip())
    if found is None or not found["auth"]:
        raise PreapprovalRefused(
            "Give the auth number. Example: /preauth approve PA-3 AUTH-12345 until 2027-06-30"
        )
    units = None
    if found["units"]:
        if not found["units"].isdigit() or not 0 < int(found["units"]) < 100000:
            raise PreapprovalRefused(
                f'"{found["units"]}" is not a number of units. Example: units 12'
            )
        units = int(found["units"])
    return Details(
        auth_number=found["auth"].strip(),
        approved_units=units,
        valid_from=_day(times, found["start"], now, zone),
        valid_to=_day(times, found["end"], now, zone),
    )


def _day(times: TimeParser, text: str | None, now: datetime, zone: ZoneInfo) -> date | None:
    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise PreapprovalRefused(f'"{text}" is not a date. Example: until 2027-06-30') from None
    try:
        return times.parse(text, now, zone).at.astimezone(zone).date()
    except TimeParseError as error:
        raise PreapprovalRefused(str(error)) from None


def snooze_until(
    times: TimeParser, text: str, now: datetime, zone: ZoneInfo, rounds: Rounds
) -> tuple[datetime, bool]:
    """Until when "1d", "until friday" or "tuesday 2pm" quiets a request, and whether capped.

    A span of days (or a day) ends at the request's round, on a business day.
    """
    words = " ".join(text.split())
    if not words:
        raise PreapprovalRefused(f"For how long? Example: {SNOOZE_USAGE}")
    span = _SPAN.match(words)
    if span is not None:
        unit = span[2][0].lower()
        until = now + int(span[1]) * _UNIT[unit]
        if unit != "h" and not rounds.calendar.is_business_day(until.astimezone(zone).date()):
            until = rounds.on_or_after(until, zone)  # "3 days" from Thursday: Monday's round
    else:
        when = words[len("until") :].strip() if words.lower().startswith("until") else words
        try:
            parsed = times.parse(when, now, zone)
        except TimeParseError as error:
            raise PreapprovalRefused(f"{error} Example: {SNOOZE_USAGE}") from None
        until = parsed.at
        if not parsed.has_time:  # a day: its round, or the next business day's
            day = parsed.at.astimezone(zone).date()
            until = at_local(day, rounds.round_time, zone)
            if until > now and not rounds.calendar.is_business_day(day):
                until = rounds.on_or_after(until, zone)
    if until <= now:
        raise PreapprovalRefused(
            f"{format_when(until, zone)} has already passed; snooze until a time ahead. "
            f"Example: {SNOOZE_USAGE}"
        )
    if until - now > MAX_SNOOZE:
        return now + MAX_SNOOZE, True
    return until.replace(second=0, microsecond=0), False
