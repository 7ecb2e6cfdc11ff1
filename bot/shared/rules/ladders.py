"""Escalation ladders as a channel sets them: for each severity, the rungs and their delays.

bot.handoffs.rules.escalation climbs them; this module only says what a ladder is, the
defaults, and how one is read from a setting such as "stable=30m/60m, unstable=10m/20m/60m".
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum

from bot.shared.rules.severity import Severity


class Rung(StrEnum):
    DM = "dm"  # a DM to the receiver (each member of a receiving role)
    THREAD = "thread"  # a reply in the handoff's thread naming receiver and author
    CHANNEL = "channel"  # a post in the channel itself


ORDER = (Rung.DM, Rung.THREAD, Rung.CHANNEL)
Ladder = tuple[tuple[Rung, timedelta], ...]

# Sicker patients escalate sooner; only unstable ones reach the whole channel.
DEFAULT_LADDERS: Mapping[Severity, Ladder] = {
    Severity.STABLE: ((Rung.DM, timedelta(minutes=30)), (Rung.THREAD, timedelta(minutes=60))),
    Severity.WATCHER: ((Rung.DM, timedelta(minutes=15)), (Rung.THREAD, timedelta(minutes=30))),
    Severity.UNSTABLE: (
        (Rung.DM, timedelta(minutes=10)),
        (Rung.THREAD, timedelta(minutes=20)),
        (Rung.CHANNEL, timedelta(minutes=60)),
    ),
}
SETTING_EXAMPLE = "stable=30m/60m, watcher=15m/30m, unstable=10m/20m/60m"


_DELAY = re.compile(r"^(\d{1,4})\s*(m|min|h)$")


class LadderError(ValueError):
    """A ladder setting that could not be read; str() names the problem and an example."""


def parse_ladders(
    text: str, base: Mapping[Severity, Ladder] = DEFAULT_LADDERS
) -> dict[Severity, Ladder]:
    """ "stable=30m/60m, unstable=10m/20m/60m" -> ladders; unnamed severities keep `base`.

    Each severity lists up to three delays, for the DM, the thread and the channel rungs;
    "off" means no escalation for that severity.
    """
    ladders = dict(base)
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, delays = part.partition("=")
        try:
            severity = Severity(name.strip().lower())
        except ValueError:
            raise LadderError(f"{name.strip()!r} is not stable, watcher or unstable") from None
        if delays.strip().lower() == "off":
            ladders[severity] = ()
            continue
        found = [_DELAY.match(d.strip().lower()) for d in delays.split("/")]
        if not 1 <= len(found) <= len(ORDER) or not all(found):
            raise LadderError(f"{part!r} should be up to three delays like 10m/20m/60m")
        times = [timedelta(minutes=int(m[1]) * (60 if m[2] == "h" else 1)) for m in found if m]
        if any(b <= a for a, b in itertools.pairwise(times)) or times[0] <= timedelta():
            raise LadderError(f"{part!r}: each delay must be longer than the one before")
        ladders[severity] = tuple(zip(ORDER, times, strict=False))
    return ladders
