"""How long a visit lasts, as coordinators type it: "45 min", "1h30", "1.5 hours"."""

from __future__ import annotations

import re
from datetime import timedelta

SHORTEST = timedelta(minutes=5)
LONGEST = timedelta(hours=12)
EXAMPLE = "Example: 45 min or 1h30."

# Longer text is a sentence, not a duration; bounding it keeps the regex cheap.
_MAX_CHARS = 40
_MINUTES = r"(?:m|mins?|minutes?)"
_HOURS = r"(?:h|hrs?|hours?)"
# A colon never appears: "1:30" and "9:30" are clock times, left to the time parser.
_SHAPE = re.compile(
    rf"(?P<sign>-)?\s*(?:"
    rf"(?P<hours>\d+(?:\.\d+)?)\s*{_HOURS}(?:\s*(?:and\s+)?(?P<extra>\d+)\s*{_MINUTES}?)?"
    rf"|(?P<minutes>\d+(?:\.\d+)?)\s*{_MINUTES}"
    rf")",
    re.IGNORECASE,
)


class DurationError(ValueError):
    """A duration the user typed that is shaped right but cannot be a visit's length."""


def parse_duration(text: str) -> timedelta | None:
    """The length text names, None when it is not shaped like one; raise DurationError."""
    words = " ".join(text.split())
    if len(words) > _MAX_CHARS:
        return None
    shape = _SHAPE.fullmatch(words)
    if shape is None:
        return None
    if shape["minutes"] is not None:
        minutes = float(shape["minutes"])
    else:
        hours, extra = shape["hours"], shape["extra"]
        if extra is not None and "." in hours:
            raise DurationError(
                f'I couldn\'t read "{words}": give hours and minutes as whole numbers. {EXAMPLE}'
            )
        if extra is not None and int(extra) > 59:
            raise DurationError(
                f'"{words}" has {int(extra)} minutes after the hours; use at most 59. {EXAMPLE}'
            )
        minutes = float(hours) * 60 + int(extra or 0)
    if shape["sign"]:
        minutes = -minutes
    # Compare before building a timedelta: "99999999999h" would overflow it.
    if not SHORTEST.total_seconds() <= minutes * 60 <= LONGEST.total_seconds():
        raise DurationError(
            f'A visit can last from 5 minutes to 12 hours; "{words}" is outside that. {EXAMPLE}'
        )
    return timedelta(minutes=round(minutes))


def format_duration(length: timedelta) -> str:
    """45 min, 1 h, 1 h 30 min; rounded to the minute."""
    if length < timedelta(0):
        raise ValueError("a duration cannot be negative")
    hours, minutes = divmod(round(length.total_seconds() / 60), 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
