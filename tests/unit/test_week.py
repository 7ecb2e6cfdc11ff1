"""The week at a glance: which visits collide, how overlapping visits share a day, which hours
the grid spans in the reader's zone, and the picture those make."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PIL import Image

from bot.appointments import week_picture
from bot.appointments.rules.appointment import Status
from bot.appointments.rules.week import (
    Collision,
    Holding,
    WeekGrid,
    WeekVisit,
    collisions,
    hour_range,
    lanes,
    monday_of,
    open_spans,
)
from bot.shared.rules.clinic_hours import ClinicHours

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
MONDAY = date(2027, 3, 1)


def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = NEW_YORK) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day), time(hour, minute), zone)


def held(ref: str, start: datetime, minutes: int, **holds: str) -> Holding:
    return Holding(
        ref, start, start + timedelta(minutes=minutes), holds.pop("patient", ref), **holds
    )


def visit(ref: str, start: datetime, minutes: int, status: Status = Status.BOOKED) -> WeekVisit:
    return WeekVisit(
        ref, start, start + timedelta(minutes=minutes), "consult", "J.D. (P-1)", status
    )


def grid(*visits: WeekVisit, zone: ZoneInfo = NEW_YORK, hours: bool = True) -> WeekGrid:
    spans = open_spans(ClinicHours(tz=NEW_YORK), MONDAY) if hours else ()
    return WeekGrid("All visits", MONDAY, zone, visits, spans)


def test_visits_sharing_a_clinician_room_or_patient_at_once_collide() -> None:
    found = collisions(
        [
            held("A-1", at(1, 9), 60, clinician="U1", room="or 4"),
            held("A-2", at(1, 9, 30), 60, clinician="U1", room="or 4"),
            held("A-3", at(1, 10, 30), 30, clinician="U1"),  # touches A-2's end: no collision
            held("A-4", at(1, 9, 15), 30, patient="A-1", clinician="U2"),  # A-1's patient
            held("A-5", at(1, 9), 60, clinician="U3", room="or 5"),  # nothing shared
        ]
    )
    assert found == {
        "A-1": (Collision("A-2", ("clinician", "room")), Collision("A-4", ("patient",))),
        "A-2": (Collision("A-1", ("clinician", "room")),),
        "A-4": (Collision("A-1", ("patient",)),),
    }


def test_overlapping_visits_share_the_day_side_by_side() -> None:
    spans = [(540, 600), (560, 620), (600, 630), (700, 720), (545, 555)]
    # 9:05-9:15 fits beside 9:00-10:00, and 9:20 reuses its lane: two lanes, not three.
    assert lanes(spans) == [(0, 2), (1, 2), (0, 2), (0, 1), (1, 2)]


def test_the_grid_spans_clinic_hours_and_every_visit() -> None:
    assert hour_range(grid()) == (8, 18)
    assert hour_range(grid(visit("A-1", at(2, 6, 30), 30), visit("A-2", at(4, 19), 45))) == (6, 20)
    assert hour_range(grid(hours=False)) == (8, 18)  # nothing at all: a working day's hours
    # A reader in London sees New York's clinic open from 1 PM to 11 PM their time.
    assert hour_range(grid(zone=LONDON)) == (13, 23)


def test_a_week_across_the_dst_change_keeps_wall_clock_hours() -> None:
    march = date(2027, 3, 8)  # clocks go forward on Sunday 14 March in New York
    spans = open_spans(ClinicHours(tz=NEW_YORK), march)
    week = WeekGrid("All visits", march, NEW_YORK, (), spans)
    assert hour_range(week) == (8, 18)
    assert monday_of(date(2027, 3, 14)) == march


def test_the_picture_is_a_png_of_the_grid_s_size() -> None:
    png = week_picture.draw(
        grid(
            visit("A-1", at(0, 9), 45),
            visit("A-2", at(0, 9, 15), 15, Status.CANCELLED),
            visit("A-3", at(6, 20), 90, Status.NOSHOW),  # Sunday night, clinic closed
        )
    )
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size) == ("PNG", (week_picture.WIDTH, week_picture.height(14)))


def test_a_long_title_and_a_narrow_box_are_cut_not_overflowing() -> None:
    face = week_picture.font(11)
    assert week_picture._fit("short", face, 200) == "short"
    cut = week_picture._fit("9:30 AM follow-up with a very long patient label", face, 60)
    assert cut.endswith("…") and face.getlength(cut) <= 60
    assert week_picture._fit("anything", face, 2) == ""
