"""The week at a glance as a PNG: days across, hours down, a box per visit (Pillow).

`draw(grid)` is a function of the values in a `WeekGrid`: no database, no Slack, no clock
of its own. Its text uses the font Pillow ships (FreeType, scalable), so no system font
has to be installed. The picture is `WIDTH` pixels wide and `height(hours)` tall, hours
being how many hours the grid spans (bot.appointments.rules.week.hour_range).
"""

from __future__ import annotations

import functools
import io
from datetime import date

from PIL import Image, ImageDraw, ImageFont

from bot.appointments.rules.appointment import STATUS_WORDS, Status
from bot.appointments.rules.week import (
    DAYS,
    WeekGrid,
    WeekVisit,
    clock,
    day_of,
    hour_label,
    hour_range,
    lanes,
    minutes,
    pieces,
)

MARGIN = 16
TITLE = 46  # the title and the line under it
HEAD = 28  # the days' names
GUTTER = 56  # the hours' labels
DAY = 168
HOUR = 60
LEGEND = 32
WIDTH = 2 * MARGIN + GUTTER + DAYS * DAY
LINE = 13  # one line of a box's text
PAD = 2

Colour = tuple[int, int, int]
INK: Colour = (31, 41, 55)
MUTED: Colour = (107, 114, 128)
PAPER: Colour = (255, 255, 255)
OPEN: Colour = (232, 242, 252)  # clinic hours
RULE: Colour = (226, 229, 234)
DAY_RULE: Colour = (196, 201, 209)
TODAY: Colour = (219, 234, 254)
NOW: Colour = (220, 38, 38)
COLLISION: Colour = (220, 38, 38)
CANCELLED: tuple[Colour, Colour] = ((243, 244, 246), (156, 163, 175))
NOSHOW: tuple[Colour, Colour] = ((254, 215, 215), (153, 27, 27))
# Each kind of visit its fill and its ink; a kind added later gets OTHER's.
KINDS: dict[str, tuple[Colour, Colour]] = {
    "consult": ((219, 234, 254), (30, 64, 175)),
    "follow-up": ((220, 252, 231), (22, 101, 52)),
    "imaging": ((224, 231, 255), (55, 48, 163)),
    "lab": ((254, 249, 195), (113, 63, 18)),
    "procedure": ((255, 237, 213), (154, 52, 18)),
    "surgery": ((252, 231, 243), (157, 23, 77)),
    "infusion": ((204, 251, 241), (17, 94, 89)),
    "therapy": ((237, 233, 254), (91, 33, 182)),
}
OTHER: tuple[Colour, Colour] = ((241, 245, 249), (51, 65, 85))


def height(hours: int) -> int:
    """The picture's height in pixels for a grid of this many hours."""
    return 2 * MARGIN + TITLE + HEAD + hours * HOUR + LEGEND


def draw(grid: WeekGrid) -> bytes:
    """The week as PNG bytes."""
    first, last = hour_range(grid)
    image = Image.new("RGB", (WIDTH, height(last - first)), PAPER)
    pen = ImageDraw.Draw(image)
    top = MARGIN + TITLE + HEAD
    _title(pen, grid)
    _open_hours(pen, grid, first, last, top)
    _rules(pen, grid, first, last, top)
    _visits(pen, grid, first, last, top)
    _now(pen, grid, first, last, top)
    _legend(pen, grid, top + (last - first) * HOUR)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)
    return out.getvalue()


@functools.cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's own font at this size: no system font needed."""
    return ImageFont.load_default(size=size)


def _x(day: int) -> int:
    return MARGIN + GUTTER + day * DAY


def _y(minute: int, first: int, top: int) -> int:
    return top + (minute - first * 60) * HOUR // 60


def _title(pen: ImageDraw.ImageDraw, grid: WeekGrid) -> None:
    last_day = grid.days[-1]
    count = len(grid.visits)
    under = (
        f"{count} visit{'' if count == 1 else 's'} · {_day(grid.first_day)} to {_day(last_day)} "
        f"{last_day.year} · times in {grid.zone.key}"
    )
    pen.text((MARGIN, MARGIN), _fit(grid.title, font(18), WIDTH - 2 * MARGIN), INK, font(18))
    pen.text((MARGIN, MARGIN + 24), under, MUTED, font(12))
    today = grid.now.astimezone(grid.zone).date() if grid.now is not None else None
    y = MARGIN + TITLE
    for index, day in enumerate(grid.days):
        x = _x(index)
        if day == today:
            pen.rectangle((x, y, x + DAY - 1, y + HEAD - 2), fill=TODAY)
        pen.text((x + 6, y + 7), _day(day), INK, font(13))


def _open_hours(pen: ImageDraw.ImageDraw, grid: WeekGrid, first: int, last: int, top: int) -> None:
    for span in grid.open_hours:
        for index, start, end in pieces((span.start, span.end), grid):
            low, high = max(start, first * 60), min(end, last * 60)
            if high > low:
                x = _x(index)
                pen.rectangle((x, _y(low, first, top), x + DAY, _y(high, first, top)), fill=OPEN)


def _rules(pen: ImageDraw.ImageDraw, grid: WeekGrid, first: int, last: int, top: int) -> None:
    right, bottom = _x(DAYS), _y(last * 60, first, top)
    for hour in range(first, last + 1):
        y = _y(hour * 60, first, top)
        pen.line((MARGIN + GUTTER - 4, y, right, y), fill=RULE)
        if hour < last:
            pen.text((MARGIN, y + 2), hour_label(hour), MUTED, font(11))
    for index in range(DAYS + 1):
        x = _x(index)
        pen.line((x, top - HEAD, x, bottom), fill=DAY_RULE)


def _visits(pen: ImageDraw.ImageDraw, grid: WeekGrid, first: int, last: int, top: int) -> None:
    by_day: dict[int, list[WeekVisit]] = {}
    for visit in grid.visits:
        index = day_of(visit, grid)
        if index is not None:
            by_day.setdefault(index, []).append(visit)
    for index, visits in by_day.items():
        day = grid.days[index]
        spans = [_minutes(v, day, grid) for v in visits]
        for visit, span, (lane, width) in zip(visits, spans, lanes(spans), strict=True):
            left = _x(index) + 2 + lane * (DAY - 4) // width
            right = _x(index) + 2 + (lane + 1) * (DAY - 4) // width - 1
            low = _y(max(span[0], first * 60), first, top)
            high = max(_y(min(span[1], last * 60), first, top), low + LINE + 2)
            _box(pen, visit, grid, (left, low + 1, right, high - 1))


def _minutes(visit: WeekVisit, day: date, grid: WeekGrid) -> tuple[int, int]:
    start = minutes(visit.start, day, grid.zone)
    return start, max(minutes(visit.end, day, grid.zone), start + 1)


def _box(
    pen: ImageDraw.ImageDraw, visit: WeekVisit, grid: WeekGrid, box: tuple[int, int, int, int]
) -> None:
    fill, ink = _colours(visit)
    left, top, right, bottom = box
    pen.rectangle(box, fill=fill, outline=ink)
    if visit.collisions:
        pen.rectangle(box, outline=COLLISION, width=3)
    width = right - left - 2 * PAD
    if width < 8:
        return
    status = "" if visit.status is Status.BOOKED else f" · {STATUS_WORDS[visit.status]}"
    starts = clock(visit.start, grid.zone)
    room = max(1, (bottom - top - PAD) // LINE)
    if room == 1:  # a short visit: its time (the grid tells morning from afternoon), kind, patient
        lines = [f"{starts.rsplit(' ', 1)[0]} {visit.kind} {visit.patient}"]
    else:
        lines = [f"{starts} {visit.kind}", visit.patient, visit.ref + status]
    small = font(11)
    for number, text in enumerate(lines[:room]):
        shown = _fit(text, small, width)
        y = top + PAD + number * LINE - 1
        pen.text((left + PAD, y), shown, ink, small)
        if number == 0 and visit.status is Status.CANCELLED:
            middle = y + LINE // 2 + 1
            pen.line((left + PAD, middle, left + PAD + int(small.getlength(shown)), middle), ink)


def _colours(visit: WeekVisit) -> tuple[Colour, Colour]:
    if visit.status is Status.CANCELLED:
        return CANCELLED
    if visit.status is Status.NOSHOW:
        return NOSHOW
    return KINDS.get(visit.kind, OTHER)


def _now(pen: ImageDraw.ImageDraw, grid: WeekGrid, first: int, last: int, top: int) -> None:
    if grid.now is None:
        return
    local = grid.now.astimezone(grid.zone)
    index = (local.date() - grid.first_day).days
    minute = local.hour * 60 + local.minute
    if 0 <= index < DAYS and first * 60 <= minute <= last * 60:
        y = _y(minute, first, top)
        pen.line((_x(index), y, _x(index + 1), y), fill=NOW, width=2)


def _legend(pen: ImageDraw.ImageDraw, grid: WeekGrid, top: int) -> None:
    y, x, small = top + 10, MARGIN + GUTTER, font(11)
    keys = (
        ("clinic hours", OPEN, None, 1),
        ("cancelled", CANCELLED[0], CANCELLED[1], 1),
        ("no-show", NOSHOW[0], NOSHOW[1], 1),
        ("collision: same patient, clinician or room", PAPER, COLLISION, 3),
    )
    for words, fill, outline, width in keys:
        pen.rectangle((x, y, x + 14, y + 12), fill=fill, outline=outline or RULE, width=width)
        pen.text((x + 20, y), words, MUTED, small)
        x += 20 + int(small.getlength(words)) + 18
    if grid.now is not None:
        pen.line((x, y + 6, x + 14, y + 6), fill=NOW, width=2)
        pen.text((x + 20, y), "now", MUTED, small)


def _fit(text: str, face: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> str:
    """The text, cut with "…" to fit `width` pixels."""
    full = face.getlength(text)
    if full <= width:
        return text
    cut = int(len(text) * width / full)  # near the answer: a few steps from here at most
    while cut > 0 and face.getlength(text[:cut] + "…") > width:
        cut -= 1
    return text[:cut].rstrip() + "…" if cut > 0 else ""


def _day(day: date) -> str:
    return day.strftime("%a %-d %b")
