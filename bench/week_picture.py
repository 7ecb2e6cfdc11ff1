"""How long one week's picture takes to draw: 200 visits by default, against a 300 ms goal.

Builds a busy clinic week (visits spread over 12 clinicians and 10 rooms, Monday to
Saturday, a few cancelled and no-show, some double-booked so collisions are outlined),
draws it once cold (fonts not yet loaded) and then --runs times, and prints the median
and worst time, the picture's size, and what Pillow adds to the install.

    .venv/bin/python bench/week_picture.py [--visits 200] [--runs 20] [--out week.png]

The script prints numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.appointments import week_picture
from bot.appointments.rules.appointment import KINDS, Status
from bot.appointments.rules.week import Holding, WeekGrid, WeekVisit, collisions, open_spans
from bot.shared.rules.clinic_hours import ClinicHours

ZONE = ZoneInfo("America/New_York")
MONDAY = date(2027, 3, 1)
GOAL_MS = 300.0


def busy_week(count: int, seed: int = 14) -> WeekGrid:
    """`count` visits in one week, in clinic hours mostly, as a large clinic books them."""
    pick = random.Random(seed)
    kinds = [k for k in KINDS if k != "other"]
    raw = []
    for n in range(count):
        day = MONDAY + timedelta(days=pick.randrange(6))
        start = datetime.combine(day, datetime.min.time(), ZONE) + timedelta(
            minutes=pick.randrange(7 * 4, 19 * 4) * 15
        )
        kind = pick.choice(kinds)
        end = start + KINDS[kind]
        status = pick.choices(
            [Status.BOOKED, Status.CANCELLED, Status.NOSHOW, Status.FULFILLED], [85, 7, 3, 5]
        )[0]
        raw.append((f"A-{n + 1}", start, end, kind, status, f"U0DOC{n % 12:04d}", f"room {n % 10}"))
    held = [
        Holding(ref, start, end, patient=f"P-{n}", clinician=doc, room=room)
        for n, (ref, start, end, _, status, doc, room) in enumerate(raw)
        if status is Status.BOOKED
    ]
    clashes = collisions(held)
    visits = tuple(
        WeekVisit(
            ref,
            start,
            end,
            kind,
            f"{chr(65 + n % 26)}.{chr(65 + n * 7 % 26)}. (P-{n + 1})",
            status,
            doc,
            room,
            clashes.get(ref, ()),
        )
        for n, (ref, start, end, kind, status, doc, room) in enumerate(raw)
    )
    return WeekGrid(
        title=f"Everyone · week of Mon {MONDAY:%-d %b %Y}",
        first_day=MONDAY,
        zone=ZONE,
        visits=visits,
        open_hours=open_spans(ClinicHours(tz=ZONE), MONDAY),
        now=datetime(2027, 3, 3, 19, 0, tzinfo=UTC),
    )


def installed_size(distribution: str) -> int:
    """Bytes the distribution's files take once installed, from its RECORD."""
    files = metadata.files(distribution) or []
    return sum(f.size or 0 for f in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", type=Path, help="also write the picture here")
    args = parser.parse_args()

    grid = busy_week(args.visits)
    began = time.perf_counter()
    png = week_picture.draw(grid)
    cold = (time.perf_counter() - began) * 1000
    timings = []
    for _ in range(args.runs):
        began = time.perf_counter()
        week_picture.draw(grid)
        timings.append((time.perf_counter() - began) * 1000)
    if args.out:
        args.out.write_bytes(png)
    outlined = sum(1 for v in grid.visits if v.collisions)
    median, worst = statistics.median(timings), max(timings)
    print(f"week picture, {args.visits} visits ({outlined} outlined as collisions):")
    print(f"  first draw (fonts loaded) {cold:.1f} ms")
    print(f"  median of {args.runs} runs {median:.1f} ms, worst {worst:.1f} ms")
    print(f"  goal <= {GOAL_MS:.0f} ms: {'met' if worst <= GOAL_MS else 'NOT met'}")
    print(f"  PNG {week_picture.WIDTH}x{week_picture.height(11)}-ish, {len(png) / 1024:.0f} KiB")
    pillow = metadata.version("pillow")
    print(f"  Pillow {pillow} installed: {installed_size('pillow') / 1e6:.1f} MB on disk")


if __name__ == "__main__":
    main()
