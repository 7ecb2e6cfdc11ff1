"""`/appt week`: one calendar week of visits (everyone's, yours, a clinician's, a patient's or a
room's) drawn as a picture, in the reader's zone, for a care-team member."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.appointments import week_picture
from bot.appointments.rules.appointment import HOLDS_SLOT, Status
from bot.appointments.rules.week import (
    Collision,
    Holding,
    WeekGrid,
    WeekVisit,
    collisions,
    monday_of,
)
from bot.appointments.rules.week import open_spans as clinic_open_spans
from bot.shared.records import RecordsUseCase
from bot.shared.rules.display import patient_label
from bot.shared.rules.mrkdwn import escape, mention, plain_slack_text
from bot.shared.rules.people import UnknownPerson
from bot.shared.rules.refusals import Refused
from bot.shared.rules.timeparse import TimeParseError, format_date
from storage import SqlAuditLog, patients
from storage.appointments import queries as appointments
from storage.appointments.rooms import rooms as known_rooms

if TYPE_CHECKING:
    from collections.abc import Mapping
    from zoneinfo import ZoneInfo

    from bot.shared.access import Actor
    from bot.shared.rules.display import PatientDisplay

WEEK_USAGE = "/appt week [mine|@clinician|room <room>|P-4] [next|last|<date>]"
MAX_SHOWN = 300  # past this a picture is a smear: narrow it to a clinician, room or patient
REACH = timedelta(days=366 * 10)
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^<>]*))?>$")
_PATIENT_REF = re.compile(r"^[Pp]-?\d{1,9}$")
_ISO_DAY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_SHIFTS = {"this": 0, "this week": 0, "next": 1, "next week": 1, "last": -1, "last week": -1}
_SHIFTS |= {"previous": -1, "previous week": -1}
_REQUEST_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class WeekRefused(Refused):
    """Whose week or which week could not be read; the message shows one that works."""


@dataclass(frozen=True)
class Subject:
    """Whose visits a week shows: everyone's, the asker's, a clinician's, a patient's, a room's."""

    kind: str  # everyone | mine | clinician | patient | room
    key: str | int | None  # the user id, the patient's number or the room's match key
    name: str  # plain text, for the picture: "Dr. Anika Patel", "Room OR 4"
    shown: str  # mrkdwn, for the messages: "<@U0123>", "room OR 4", "J.D. (P-4)"
    typed: str = ""  # how to ask for it again: "mine", "@dr.patel", "room OR 4", "P-4"
    ref: str | None = None  # the patient's ref, for the audit trail

    def covers(self, row: appointments.Listed) -> bool:
        if self.kind == "mine":
            return self.key in (row.clinician_id, row.booked_by)
        if self.kind == "clinician":
            return row.clinician_id == self.key
        if self.kind == "patient":
            return row.patient.number == self.key
        if self.kind == "room":
            return appointments.location_key(row.location) == self.key
        return True


EVERYONE = Subject("everyone", None, "All visits", "everyone")


@dataclass(frozen=True)
class WeekPicture:
    """One week as drawn for a reader: the grid, whose it is, and the PNG (empty: no visits)."""

    grid: WeekGrid
    subject: Subject
    png: bytes

    @property
    def filename(self) -> str:
        return f"carebot-week-{self.grid.first_day.isoformat()}.png"

    @property
    def span(self) -> str:
        """ "Mon 1 Mar to Sun 7 Mar 2027"."""
        first, last = self.grid.first_day, self.grid.days[-1]
        return f"{first:%a %-d %b} to {format_date(last)}"


class AppointmentWeek(RecordsUseCase):
    """A week of visits as a picture; the same care-team rule as `/appt list`."""

    def picture(self, actor: Actor, text: str) -> WeekPicture:
        """`mine`, `@clinician`, `room OR 4` or `P-4` (or everyone), then `next`, `last` or
        a date in the week wanted (this week when nothing is said)."""
        self.access.require_care_team(actor, doing="see a week of visits")
        zone = self.people.timezone(actor.team_id, actor.user_id)
        subject, when = self._subject(actor, text.split())
        monday = self._monday(when, zone, subject)
        start = datetime.combine(monday, time(0), zone)
        end = datetime.combine(monday + timedelta(days=7), time(0), zone)
        with self.db.session(read_only=True) as session:
            policy = self.in_force.patient_display_in(session, actor.team_id)
            # From a day before: a visit late on Sunday can still hold Monday's first hour.
            rows = appointments.between(session, actor.team_id, start - timedelta(days=1), end)
        clashes = collisions(_holding(row) for row in rows if Status(row.status) in HOLDS_SLOT)
        shown = [
            _visit(row, policy, clashes)
            for row in rows
            if row.start_at >= start
            and row.status != Status.ENTERED_IN_ERROR
            and subject.covers(row)
        ]
        if len(shown) > MAX_SHOWN:
            raise WeekRefused(
                f"That week has {len(shown)} visits; one picture shows at most {MAX_SHOWN}. "
                "Narrow it to a clinician, a room or a patient, e.g. /appt week @dr.patel next"
            )
        # The hours of the channel it was asked in (a DM or the Home tab: the workspace's).
        hours = self.in_force.for_channel(actor.team_id, actor.channel_id).clinic_hours
        grid = WeekGrid(
            title=f"{subject.name} · week of {format_date(monday)}",
            first_day=monday,
            zone=zone,
            visits=tuple(shown),
            open_hours=clinic_open_spans(hours, monday),
            now=self.clock.now(),
        )
        return WeekPicture(grid, subject, week_picture.draw(grid) if shown else b"")

    def record(self, actor: Actor, channel_id: str, sent: WeekPicture) -> None:
        """Audit that a week of visits left carebot as a picture, and where it went."""
        request_id = actor.request_id or ""
        with self.db.session() as session:
            SqlAuditLog(session).record(
                actor.team_id,
                actor.user_id,
                "appointment.week",
                sent.subject.ref,
                channel_id=channel_id,
                request_id=request_id if _REQUEST_ID.fullmatch(request_id) else None,
                at=self.clock.now(),
            )

    # -- reading what was typed --------------------------------------------------------

    def _subject(self, actor: Actor, words: list[str]) -> tuple[Subject, list[str]]:
        """Whose week the first words name, and the words left for which week."""
        if not words:
            return EVERYONE, []
        head, rest = words[0], words[1:]
        if head.lower() == "mine":
            me = self._name(actor.team_id, actor.user_id, None)
            mine = Subject("mine", actor.user_id, f"{me} (clinician or booker)", "yours", "mine")
            return mine, rest
        typed = _MENTION.match(head)
        if typed:
            return self._clinician(actor.team_id, typed.group(1), typed.group(2)), rest
        if head.startswith("@") and len(head) > 1:
            # A name that is no one for sure is asked back (NobodyByThatName), with buttons.
            known = self.people.named(
                actor.team_id, head, what="clinician", example="`/appt week {mention} next`"
            )
            return self._clinician(actor.team_id, known.id, known.handle), rest
        if _PATIENT_REF.match(head):
            return self._patient(actor, head), rest
        return self._room(actor, words)

    def _clinician(self, team_id: str, user_id: str, handle: str | None) -> Subject:
        name = self._name(team_id, user_id, handle)
        typed = f"@{handle}" if handle else "@dr.patel"
        return Subject("clinician", user_id, name, mention(user_id), typed)

    def _name(self, team_id: str, user_id: str, handle: str | None) -> str:
        try:
            person = self.people.person(team_id, user_id)
        except UnknownPerson:
            return f"@{handle or user_id}"
        return person.real_name or person.name

    def _patient(self, actor: Actor, typed: str) -> Subject:
        with self.db.session(read_only=True) as session:
            found = patients.get_by_ref(session, actor.team_id, typed)
            policy = self.in_force.patient_display_in(session, actor.team_id)
        if found is None:
            raise WeekRefused(
                f"There is no patient {typed.upper()} in this workspace. `/appt list <name>` "
                "shows a patient's ref; then e.g. /appt week P-4 next"
            )
        label = patient_label(policy, found.ref, found.display_name)
        name = plain_slack_text(label)
        return Subject("patient", found.number, name, label, found.ref, ref=found.ref)

    def _room(self, actor: Actor, words: list[str]) -> tuple[Subject, list[str]]:
        """A room named by the longest run of leading words that is one on file; nobody's in
        particular when the words name none (they may say which week), unless `room` said so."""
        with self.db.session(read_only=True) as session:
            rooms = known_rooms(session, actor.team_id)
        said = words[0].lower() == "room"
        named = words[1:] if said else words
        for cut in range(len(named), 0, -1):
            key = appointments.location_key(" ".join(named[:cut]))
            if key in rooms:
                spelled = rooms[key]
                shown = f"room {escape(spelled)}"
                room = Subject("room", key, f"Room {spelled}", shown, f"room {spelled}")
                return room, named[cut:]
        if not said:
            return EVERYONE, words
        typed = plain_slack_text(" ".join(named))
        close = difflib.get_close_matches(appointments.location_key(typed) or "", rooms, n=3)
        listed = ", ".join(rooms[key] for key in close) or ", ".join(sorted(rooms.values())[:5])
        example = rooms[close[0]] if close else (sorted(rooms.values()) or ["OR 4"])[0]
        problem = f'No visit has been booked in a room "{typed}".' if typed else "Which room?"
        on_file = f" Rooms on file: {listed}." if listed else ""
        raise WeekRefused(f"{problem}{on_file} Example: /appt week room {example} next")

    def _monday(self, words: list[str], zone: ZoneInfo, subject: Subject) -> date:
        """The Monday of the week the words ask for: this week when they say nothing."""
        now = self.clock.now()
        today = now.astimezone(zone).date()
        typed = " ".join(words)
        said = typed.lower()
        if not said or said in _SHIFTS:
            return monday_of(today) + timedelta(weeks=_SHIFTS.get(said, 0))
        example = _example(subject, monday_of(today) + timedelta(weeks=1))
        if _ISO_DAY.match(said):  # a past week too: reviewing last month's no-shows
            try:
                day = date.fromisoformat(said)
            except ValueError:
                raise WeekRefused(f'"{typed}" is not a date. {example}') from None
        else:
            try:
                day = self.times.parse(typed, now, zone).at.astimezone(zone).date()
            except TimeParseError:
                raise WeekRefused(
                    f'I couldn\'t read "{plain_slack_text(typed)}" as a week, a person, a room '
                    f"or a patient. Try {WEEK_USAGE}. {example}"
                ) from None
        if abs(day - today) > REACH:
            raise WeekRefused(f"{day.isoformat()} is more than 10 years from today. {example}")
        return monday_of(day)


def _example(subject: Subject, monday: date) -> str:
    who = f"{subject.typed} " if subject.typed else ""
    return f"Example: /appt week {who}next, or /appt week {who}{monday.isoformat()}"


def _holding(row: appointments.Listed) -> Holding:
    return Holding(
        row.ref,
        row.start_at,
        row.end_at,
        patient=row.patient.ref,
        clinician=row.clinician_id,
        room=appointments.location_key(row.location),
    )


def _visit(
    row: appointments.Listed,
    policy: PatientDisplay,
    clashes: Mapping[str, tuple[Collision, ...]],
) -> WeekVisit:
    # patient_label is where the policy lives; its mrkdwn escaping has no place in a picture.
    patient = plain_slack_text(patient_label(policy, row.patient.ref, row.patient.display_name))
    return WeekVisit(
        ref=row.ref,
        start=row.start_at,
        end=row.end_at,
        kind=row.kind,  # the kind, never the label ("MRI knee"): as the export does
        patient=patient,
        status=Status(row.status),
        clinician=row.clinician_id,
        room=row.location,
        collisions=clashes.get(row.ref, ()),
    )
