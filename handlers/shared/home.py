"""The Home tab, "My day": drawn when opened, redrawn after a change, one section paged at a time.

Slack allows 100 blocks in a Home tab: each section shows a few rows and a "Show more"
button; the section opened shows a page, and rows are left off (still behind "Show more")
until the whole tab fits.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.shared.access import HOW_TO_JOIN, Actor, NotInCareTeam
from bot.shared.commands import Block
from bot.shared.directory import group_members
from bot.shared.home import HomeSection, HomeVisits, Page, Viewer
from handlers.kit import refusals, values
from handlers.kit.blocks import button, context, plain, section

if TYPE_CHECKING:
    from collections.abc import Sequence

    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.shared.access import Access
    from bot.shared.commands import CommandRegistry
    from bot.shared.directory import Directory
    from bot.shared.home import HomeTab
    from bot.shared.rules.clock import Clock

log = logging.getLogger(__name__)

# What app.yaml must subscribe to for these listeners to hear anything.
BOT_EVENTS = ("app_home_opened",)
SHOW_MORE = "show_home_more"  # show_: only redraws, so it may be clicked again
SHOW_LESS = "show_home_less"
MAX_BLOCKS = 100
FEW = 5  # rows a section shows until "Show more"
PAGE = 20  # rows an opened section shows at a time
# The commands a newcomer is shown, in the words a care team uses; only those registered.
WELCOME = (
    ("appt", "book and manage appointments, surgeries and procedures"),
    ("handoff", "hand a patient over to a care team, I-PASS or SBAR"),
    ("preauth", "pre-approvals: what is pending with the payers, and who chases it"),
)


def register(app: App, screen: HomeScreen) -> None:
    def on_home_opened(event: dict[str, Any], context: Any) -> None:
        screen.on_opened(context.team_id or "", event)

    def on_show(ack: Ack, body: dict[str, Any], context: Any) -> None:
        ack()
        screen.on_show(context.team_id or "", body)

    app.event("app_home_opened")(on_home_opened)
    app.action(SHOW_MORE)(on_show)
    app.action(SHOW_LESS)(on_show)
    screen.tab.attach(screen.republish)


@dataclass(frozen=True)
class Layout:
    """Which section is opened at which row, and whether the welcome shows; kept in the view."""

    opened: str = ""
    offset: int = 0
    welcome: bool = False

    def dump(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def load(cls, text: str | None) -> Layout:
        try:
            data = json.loads(text or "{}")
            return cls(str(data["opened"]), max(int(data["offset"]), 0), bool(data["welcome"]))
        except (ValueError, KeyError, TypeError, OverflowError):
            return cls()  # only how the tab was laid out: drawn afresh


@dataclass(frozen=True)
class _Who:
    """The team and user a refusal's log line names, as Bolt's context would."""

    team_id: str
    user_id: str


def in_home(body: dict[str, Any]) -> bool:
    """True when the click came from the Home tab, where there is no response_url."""
    return (body.get("view") or {}).get("type") == "home"


class HomeScreen:
    """Drawing people's Home tabs: on opening, on a click in them, and after a change."""

    def __init__(
        self,
        *,
        clock: Clock,
        visits: HomeVisits,
        slack: WebClient,
        people: Directory,
        access: Access,
        tab: HomeTab,
        commands: CommandRegistry,
    ) -> None:
        self.visits, self.clock, self.slack = visits, clock, slack
        self.people, self.access, self.tab, self.commands = people, access, tab, commands

    def on_opened(self, team: str, event: dict[str, Any]) -> None:
        if event.get("tab") != "home" or not event.get("user"):
            return
        user = str(event["user"])
        self.visits.opened(team, user)
        # Slack sends the published view along once there is one: without it, a first visit.
        self.publish(team, user, Layout(welcome=not event.get("view")), asked=True)

    def on_show(self, team: str, body: dict[str, Any]) -> None:
        kept = Layout.load((body.get("view") or {}).get("private_metadata"))
        user = body["user"]["id"]
        try:
            chosen = values.json_object(body["actions"][0].get("value"))
            opened = values.text(chosen, "s", values.BUTTON_DAMAGED)
            layout = Layout(opened, values.whole_number(chosen.get("o")), kept.welcome)
        except values.BadValue as refused:  # said on the tab, which is drawn afresh
            refusals.note(refused, body, _Who(team, user))
            self.publish(team, user, Layout(welcome=kept.welcome), refusals.text_of(refused))
            return
        self.publish(team, user, layout, asked=True)

    def notice(self, team: str, body: dict[str, Any], text: str) -> None:
        """Answer a click in the Home tab on the tab itself: redrawn with `text` on top."""
        layout = Layout.load((body.get("view") or {}).get("private_metadata"))
        self.publish(team, body["user"]["id"], layout, notice=text)

    def publish(
        self,
        team: str,
        user: str,
        layout: Layout,
        notice: str | None = None,
        *,
        asked: bool = False,
    ) -> None:
        """Draw this person's Home tab; Slack refusing it (e.g. user_not_found) is only logged.

        Someone in no care team sees the welcome and how to join, no patients; that is audited
        as a refusal when they `asked` (opened the tab, clicked in it), not on a redraw.
        """
        viewer = Viewer(team, user, self.people.timezone(team, user), self.clock.now())
        actor = Actor(team, user)
        if self.access.in_care_team(actor):
            view = home_view(self.tab.sections, self.commands, viewer, layout, notice)
        else:
            if asked:
                self.access.refused(actor, NotInCareTeam("see patients on the Home tab"))
            view = outsider_view(self.commands, viewer, notice)
        try:
            self.slack.views_publish(user_id=user, view=view)
        except SlackApiError as error:
            log.warning("could not publish a Home tab: %s", error.response.get("error"))

    def republish(self, team: str, users: frozenset[str], groups: frozenset[str]) -> None:
        """Redraw the Home tabs of these people and groups' members who have opened theirs."""
        everyone = set(users)
        for group in groups:
            everyone |= group_members(self.slack, group)
        looking = self.visits.looking(team, everyone)
        for user in sorted(looking):
            self.publish(team, user, Layout())


def home_view(
    sections: Sequence[HomeSection],
    commands: CommandRegistry,
    viewer: Viewer,
    layout: Layout,
    notice: str | None = None,
) -> Block:
    head: list[Block] = [{"type": "header", "text": plain("My day")}]
    if notice:
        head.append(section(notice))
    if layout.welcome:
        head.append(section(welcome(commands)))
    parts = [_part(viewer, s, layout) for s in sections]
    tail = [{"type": "divider"}, context(_footer(commands, viewer))]
    room = MAX_BLOCKS - len(head) - len(tail)
    _fit(parts, room)
    body = [block for part in parts for block in part.blocks()]
    return {
        "type": "home",
        "private_metadata": layout.dump(),
        "blocks": head + body + tail,
    }


def outsider_view(commands: CommandRegistry, viewer: Viewer, notice: str | None = None) -> Block:
    """My day for someone in no care team: the welcome and how to join, no patients; a
    `notice` (why a click was refused) on top."""
    note = (
        ":lock: Your appointments, handoffs and pre-approvals show here once you're in a "
        f"care team, that is a member of a care-team channel. {HOW_TO_JOIN}"
    )
    blocks: list[Block] = [{"type": "header", "text": plain("My day")}]
    if notice:
        blocks.append(section(notice))
    blocks += [section(welcome(commands)), section(note)]
    blocks += [{"type": "divider"}, context(_footer(commands, viewer))]
    return {"type": "home", "private_metadata": Layout(welcome=True).dump(), "blocks": blocks}


def welcome(commands: CommandRegistry) -> str:
    lines = [f"• `/{name}`: {words}" for name, words in WELCOME if commands.get(name) is not None]
    return (
        ":wave: *Welcome to carebot.* This tab is your day: your appointments, the handoffs "
        "waiting for you and your open action items. Start with:\n"
        + "\n".join(lines)
        + "\n`/carebot help` shows everything; in a DM with me, type commands without the slash."
    )


def _footer(commands: CommandRegistry, viewer: Viewer) -> str:
    names = " · ".join(f"`/{n}`" for n, _ in WELCOME if commands.get(n) is not None)
    return f"Times in {viewer.zone.key}. {names} · `/carebot help`"


@dataclass
class _Part:
    """One section as drawn: its title, the rows that fit, and its buttons."""

    section: HomeSection
    page: Page
    offset: int
    opened: bool
    rows: list[list[Block]]

    def blocks(self) -> list[Block]:
        s, total = self.section, self.page.total
        title = f"*{s.title}*" + (f" ({total})" if total else "")
        out: list[Block] = [{"type": "divider"}, section(title)]
        if not total:
            out.append(context(s.empty))
            if s.buttons:
                out.append(
                    {"type": "actions", "block_id": f"home_{s.key}", "elements": [*s.buttons]}
                )
            return out
        out += [block for row in self.rows for block in row]
        shown_to = self.offset + len(self.rows)
        buttons: list[Block] = []
        if shown_to < total:
            value = {"s": s.key, "o": shown_to if self.opened else 0}
            buttons.append(button("Show more", SHOW_MORE, json.dumps(value)))
        if self.opened:
            buttons.append(button("Show less", SHOW_LESS, json.dumps({"s": "", "o": 0})))
            out.append(context(f"Showing {self.offset + 1}-{shown_to} of {total}."))
        buttons += s.buttons
        if buttons:
            out.append({"type": "actions", "block_id": f"home_{s.key}", "elements": buttons})
        return out


def _part(viewer: Viewer, s: HomeSection, layout: Layout) -> _Part:
    opened = layout.opened == s.key
    offset = layout.offset if opened else 0
    page = s.load(viewer, offset, PAGE if opened else FEW)
    if opened and offset and not page.rows and page.total:  # the list got shorter: start over
        offset, page = 0, s.load(viewer, 0, PAGE)
    return _Part(s, page, offset, opened, [list(row) for row in page.rows])


def _fit(parts: list[_Part], room: int) -> None:
    """Leave rows off, longest section first, until every section fits in `room` blocks."""
    while sum(len(p.blocks()) for p in parts) > room:
        longest = max((p for p in parts if p.rows), key=lambda p: len(p.rows), default=None)
        if longest is None:
            return
        longest.rows.pop()
