"""Helpers of the non-member matrix: what the app registers, a forger, and what one request changed.

The forger is @visitor, who is only in #general. Clicks are forged on a bot message in
their own DM (or their Home tab, or a modal of theirs) that carries a real record's ref,
and are signed and sent over HTTP by the sandbox driver, as Slack would send them.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import func, inspect, select, text

from bot.sandbox import driver_payloads as payloads
from bot.sandbox.driver import Ack, SlackDriver
from bot.sandbox.render import render_message, render_view
from bot.sandbox.standin import Message, View
from bot.sandbox.world import Sandbox
from bot.shared.commands import CommandRegistry
from storage import AuditRow
from storage.handoffs import queries as handoffs

TEAM = "T0CAREBOT"
VISITOR, BOT = "U0VISITOR", "U0CAREBOT"
GENERAL, CARDIOLOGY = "C0GENERAL", "C0CARDIO1"
# Not "Jane Doe": help's examples name her, and must not count as showing a patient.
PATIENT_WORDS = ("Rosa", "Quintero", "R.Q.", "R. Q.")
# Tables that hold no patient record, each with why it may change on a refused request.
UNTRACKED = {
    "alembic_version": "the schema's version",
    "audit_log": "checked on its own: only access.refused rows for the visitor",
    "processed_keys": "request de-duplication (a click or a form claimed once), no record",
    "people": "Slack profiles cached when someone is first seen, the visitor's included",
}


# -- what the app registers ----------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One registered listener: its kind and the id (or pattern) it answers."""

    kind: str  # action, view_submission, view_closed, shortcut, command, event ...
    key: str | re.Pattern[str]

    def matches(self, kind: str, concrete: str) -> bool:
        if kind != self.kind and not (self.kind == "shortcut" and kind.endswith("shortcut")):
            return False
        if isinstance(self.key, re.Pattern):
            return self.key.search(concrete) is not None
        return self.key == concrete

    @property
    def label(self) -> str:
        key = self.key.pattern if isinstance(self.key, re.Pattern) else self.key
        return f"{self.kind} {key}"


# Bolt's builtin matchers close over their constraint under these names.
_CONSTRAINTS = ("constraints", "callback_id", "command", "event_type", "action_id")


def registered(app: App) -> list[Entry]:
    """Every listener's primary matcher, read from Bolt's own closures (it has no public list)."""
    found: list[Entry] = []
    for listener in app._listeners:
        matcher = listener.matchers[0]
        func = matcher.func  # type: ignore[attr-defined]
        kind = func.__qualname__.split(".")[0]
        cells = dict(zip(func.__code__.co_freevars, func.__closure__ or (), strict=True))
        name = next((n for n in _CONSTRAINTS if n in cells), None)
        if name is None:
            raise AssertionError(f"a {kind} listener whose constraint the matrix cannot read")
        constraint = cells[name].cell_contents
        found.extend(_entries(kind, constraint))
    return found


def _entries(kind: str, constraint: Any) -> Iterator[Entry]:
    if kind == "block_action":
        kind = "action"
    if isinstance(constraint, str | re.Pattern):
        yield Entry(kind, constraint)
        return
    if not isinstance(constraint, Mapping):
        raise AssertionError(f"{kind}: unreadable constraint {constraint!r}")
    typed = {"view_submission": "view_submission", "view_closed": "view_closed"}
    typed |= {"shortcut": "global_shortcut", "message_action": "message_shortcut"}
    key = constraint.get("action_id") or constraint.get("callback_id")
    if key is None:
        raise AssertionError(f"{kind}: a constraint without an id: {constraint!r}")
    yield Entry(typed.get(str(constraint.get("type")), kind), key)


_SLASHED = re.compile(r"/(?P<name>[a-z0-9-]+) (?P<word>\S+)")
QUICK = "<patient>"  # the quick form: the verb is the patient ("/handoff Jane Doe to ...")


def verbs(commands: CommandRegistry, subcommands: CommandRegistry) -> set[tuple[str, str]]:
    """(command, verb) for every verb a command's usage lines name, help and the bare one."""
    found = set()
    lines = [(c.slash, line) for c in commands for line in c.usage]
    lines += [("/carebot", line) for c in subcommands for line in c.usage]
    for slash, line in lines:
        for said in _SLASHED.finditer(line):
            if f"/{said['name']}" != slash:
                continue
            word = said["word"].rstrip(":,")
            if word.startswith("("):
                word = ""  # "(on its own)"
            elif not word.islower() or not word.isalpha():
                word = QUICK  # a name or a ref: the quick form
            found.add((slash, word))
    for command in commands:
        found |= {(command.slash, "help"), (command.slash, "")}
    return found


# -- the world: what a care-team member did first ----------------------------------------


@dataclass(frozen=True)
class Refs:
    """Real records made by dana in #cardiology-team, and her draft still waiting to be booked."""

    draft: str
    item: int  # the position of H-1's action item
    slot: str  # the first free slot offered with the draft
    question: str = ""  # dana's question "which patient?", still unanswered


def a_day_of_work(sandbox: Sandbox) -> Refs:
    """P-1 and A-1 booked, H-1 with an action item, PA-1 opened, and a pending draft."""
    dana = sandbox.driver
    dana.command("/appt", "book Rosa Quintero, MRI, tomorrow 3pm, 45 min, with @dr.patel")
    dana.click("Confirm")
    dana.command("/handoff")
    dana.submit(
        {
            "Patient": "P-1",
            "Receiver": "@sam.nurse",
            "Patient summary": "Stable overnight",
            "Action list": "Recheck K+ @sam.nurse by tomorrow 6am",
        }
    )
    dana.command("/preauth", "new P-1, Aetna, MRI")
    dana.command("/appt", "book P-1, CT, tomorrow 3pm, 45 min, with @dr.patel")  # it collides
    preview = dana.last_reply()
    slot = next(
        json.loads(e["value"])
        for b in preview.blocks
        if b.get("block_id") == "appt_slots"
        for e in b["elements"]
    )
    dana.command("/handoff", "Rosa Quintro: stable")  # nearly P-1's name: asked which
    question = next(
        json.loads(b["accessory"]["value"])["q"]
        for b in dana.last_reply().blocks
        if b.get("accessory", {}).get("action_id") == "asked_back_choice"
    )
    with sandbox.db.session(read_only=True) as session:
        handoff = handoffs.get_by_ref(session, TEAM, "H-1")
        assert handoff is not None and handoff.actions, "the setup made no action item"
        position = handoff.actions[0].position
    # The bot is in #general, so a mention there reaches it.
    sandbox.standin.workspace.channels[GENERAL].members.add(BOT)
    return Refs(draft=str(slot["d"]), item=position, slot=str(slot["s"]), question=str(question))


# -- what one request changed -----------------------------------------------------------


def records(sandbox: Sandbox) -> dict[str, list[str]]:
    """Every row of every tracked table, as text, in a stable order."""
    with sandbox.db.session(read_only=True) as session:
        connection = session.connection()
        names = sorted(set(inspect(connection).get_table_names()) - set(UNTRACKED))
        return {
            name: sorted(
                repr(tuple(row)) for row in connection.execute(text(f'SELECT * FROM "{name}"'))
            )
            for name in names
        }


def audit_rows(sandbox: Sandbox, after: int) -> list[tuple[str, str, str | None]]:
    """(actor, action, ref) of the audit rows written after row id `after`."""
    query = select(AuditRow).where(AuditRow.id > after).order_by(AuditRow.id)
    with sandbox.db.session(read_only=True) as session:
        return [(r.actor, r.action, r.ref) for r in session.scalars(query)]


def last_audit_id(sandbox: Sandbox) -> int:
    with sandbox.db.session(read_only=True) as session:
        return int(session.scalar(select(func.max(AuditRow.id))) or 0)


@dataclass
class Outcome:
    """What one forged request did: what the visitor saw, and what changed anywhere else."""

    ack: Ack | None
    seen: list[str] = field(default_factory=list)  # texts shown to the visitor
    elsewhere: list[str] = field(default_factory=list)  # Slack changes not the visitor's
    changed: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    audit: list[tuple[str, str, str | None]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the stand-in's own complaints

    @property
    def dirty(self) -> bool:
        """Whether the world is no longer the one the next row expects."""
        return bool(self.changed or self.elsewhere)

    def describe(self) -> str:
        lines = [f"visitor saw: {[s[:300] for s in self.seen]!r}"]
        if self.ack is not None and self.ack.body:
            lines.append(f"ack: {self.ack.body!r}"[:400])
        lines += [f"table {t}: -{b!r} +{a!r}"[:600] for t, (b, a) in self.changed.items()]
        lines += [f"elsewhere in Slack: {e!r}"[:300] for e in self.elsewhere]
        lines.append(f"audit: {self.audit!r}")
        return "\n".join(lines)


class Forger:
    """@visitor (or `user` in `channel`) sending forged or replayed requests, and what each
    one changed."""

    def __init__(
        self, sandbox: Sandbox, refs: Refs, user: str = VISITOR, channel: str = GENERAL
    ) -> None:
        self.sandbox = sandbox
        self.refs = refs
        self.user, self.channel = user, channel
        self.standin = sandbox.standin
        self.space = sandbox.standin.workspace
        self.bot = WebClient(token=self.standin.bot_token, base_url=self.standin.api_url)
        self._marks: tuple[int, dict[str, list[str]], int, int] | None = None

    @property
    def driver(self) -> SlackDriver:
        return self.sandbox.driver.as_user(self.user).in_channel(self.channel)

    @property
    def dm(self) -> str:
        return self.standin.dm_channel(self.user).id

    # -- observing ------------------------------------------------------------------

    def _mark(self) -> None:
        """Remember the world just before the request goes out."""
        self._marks = (
            self.standin.seq,
            records(self.sandbox),
            last_audit_id(self.sandbox),
            len(self.standin.internal_errors),
        )

    def outcome(self, ack: Ack | None) -> Outcome:
        assert self._marks is not None, "the row sent nothing"
        seq, before, audited, errors = self._marks
        found = Outcome(ack)
        if ack is not None and isinstance(ack.body, dict) and ack.body:
            found.seen.append(json.dumps(ack.body))
        for item in self.standin.changes_since(seq):
            if isinstance(item, Message) and item.user == self.user:
                continue  # what the visitor typed themselves
            shown, whose = self._shown(item)
            (found.seen if whose == self.user else found.elsewhere).append(shown)
        after = records(self.sandbox)
        found.changed = {
            name: (sorted(set(rows) - set(after[name])), sorted(set(after[name]) - set(rows)))
            for name, rows in before.items()
            if rows != after.get(name)
        }
        found.audit = audit_rows(self.sandbox, audited)
        found.errors = [str(e) for e in self.standin.internal_errors[errors:]]
        self.standin.close_views(self.user, everything=True)
        return found

    def _shown(self, item: Message | View) -> tuple[str, str | None]:
        if isinstance(item, View):
            return render_view(item.view, names=self.space), item.user
        shown = render_message(item.text, item.blocks, names=self.space, files=item.files)
        whose = item.ephemeral_to or (self.user if item.channel == self.dm else None)
        return f"{item.text}\n{shown}", whose

    # -- slash commands, messages, events -----------------------------------------------

    def command(self, name: str, typed: str) -> Ack:
        driver = self.driver
        self._mark()
        return driver.command(name, typed)

    def dm_message(self, typed: str) -> Ack:
        driver = self.driver.in_dm()
        self._mark()
        return driver.message(typed)

    def mention(self, typed: str) -> Ack:
        driver = self.driver
        self._mark()
        return driver.message(f"@carebot {typed}")

    def open_home(self) -> Ack:
        driver = self.driver
        self._mark()
        return driver.open_home()

    def member_event(self, kind: str, channel: str) -> Ack:
        """A member_joined_channel or member_left_channel naming the visitor, whatever the
        channel's members really are."""
        driver = self.driver
        self._mark()
        event = {"type": kind, "user": self.user, "channel": channel, "channel_type": "C"}
        return driver.event({**event, "team": self.space.team.id})

    # -- clicks ---------------------------------------------------------------------

    def click(
        self,
        action_id: str,
        value: str | None = None,
        *,
        block_id: str = "forged",
        element: Mapping[str, Any] | None = None,
        picked: Mapping[str, Any] | None = None,
        accessory: bool = False,
        on: str = "dm",
    ) -> Ack:
        """Click `action_id` with `value` (or pick `picked`) in the visitor's DM, Home or modal."""
        shown: dict[str, Any] = {"type": "button", "text": _plain("Go"), "action_id": action_id}
        if value is not None:
            shown["value"] = value
        shown |= dict(element or {})
        block: dict[str, Any] = (
            {"type": "section", "block_id": block_id, "text": _mrkdwn("Forged"), "accessory": shown}
            if accessory
            else {"type": "actions", "block_id": block_id, "elements": [shown]}
        )
        surface = self._surface(on, block)
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "type": shown["type"],
            "action_ts": f"{time.time():.6f}",
        }
        action |= dict(picked) if picked is not None else {"text": shown["text"], "value": value}
        trigger = self.standin.issue_trigger(self.user)
        response_url = None
        if isinstance(surface, Message):
            response_url = self.standin.issue_response_url(
                surface.channel, self.user, message_ts=surface.ts
            )
        user = self.space.users[self.user]
        body = payloads.block_actions(
            self.space, user, surface, action, trigger_id=trigger, response_url=response_url
        )
        return self._send(body)

    def _surface(self, on: str, block: dict[str, Any]) -> Message | View:
        """`block` in a bot message in the visitor's DM, on their Home tab or in their modal."""
        found: Message | View | None
        if on == "home":
            layout = json.dumps({"opened": "", "offset": 0, "welcome": False})
            home = {"type": "home", "blocks": [block], "private_metadata": layout}
            self.bot.views_publish(user_id=self.user, view=home)
            found = self.standin.home(self.user)
        elif on.startswith("modal:"):
            callback_id, _, metadata = on.removeprefix("modal:").partition(":")
            modal: dict[str, Any] = {"type": "modal", "callback_id": callback_id}
            modal |= {"title": _plain("Forged"), "private_metadata": metadata, "blocks": [block]}
            self.bot.views_open(trigger_id=self.standin.issue_trigger(self.user), view=modal)
            found = self.standin.top_view(self.user)
        else:
            posted = self.bot.chat_postMessage(channel=self.user, text="Forged", blocks=[block])
            found = self.standin.find_message(str(posted["channel"]), str(posted["ts"]))
        assert found is not None, f"the stand-in kept no forged surface on {on}"
        return found

    # -- modals and shortcuts -----------------------------------------------------------

    def submit(
        self, callback_id: str, metadata: Mapping[str, Any], values: Mapping[str, Any]
    ) -> Ack:
        """Submit a modal `callback_id` with forged private_metadata and state."""
        return self._send(
            payloads.view_submission(
                self.space,
                self.space.users[self.user],
                self._view(callback_id, metadata, values),
                self.standin.issue_trigger(self.user),
            )
        )

    def close(self, callback_id: str, metadata: Mapping[str, Any]) -> Ack:
        """Close a modal `callback_id` whose private_metadata names a real record."""
        view = self._view(callback_id, metadata, {})
        body = {
            "type": "view_closed",
            "team": payloads.team_api(self.space),
            "user": payloads.user_api(self.space, self.space.users[self.user]),
            "api_app_id": self.space.app_id,
            "token": payloads.LEGACY_TOKEN,
            "view": view,
            "is_cleared": False,
            "is_enterprise_install": False,
        }
        return self._send(body)

    def _view(
        self, callback_id: str, metadata: Mapping[str, Any], values: Mapping[str, Any]
    ) -> dict[str, Any]:
        view_id = "V" + uuid.uuid4().hex[:10].upper()
        return {
            "id": view_id,
            "team_id": TEAM,
            "type": "modal",
            "blocks": [],
            "private_metadata": json.dumps(metadata),
            "callback_id": callback_id,
            "state": {"values": {block: {block: entry} for block, entry in values.items()}},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "title": _plain("Forged"),
            "clear_on_close": False,
            "notify_on_close": True,
            "close": _plain("Cancel"),
            "submit": _plain("Save"),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.space.app_id,
            "external_id": "",
            "app_installed_team_id": TEAM,
            "bot_id": self.space.bot_id,
        }

    def shortcut(self, callback_id: str, kind: str, message: str = "") -> Ack:
        """A shortcut; a message shortcut on a message in #cardiology-team the visitor saw."""
        user = self.space.users[self.user]
        body = payloads.shortcut(
            self.space, user, kind, callback_id, self.standin.issue_trigger(self.user)
        )
        if kind == "message":
            ts = f"{time.time():.6f}"
            body["message_ts"] = ts
            body["message"] = {"type": "message", "user": "U0COORD01", "text": message, "ts": ts}
            body["channel"] = {"id": CARDIOLOGY, "name": "cardiology-team"}
            body["response_url"] = self.standin.issue_response_url(self.channel, self.user)
        return self._send(body)

    def _send(self, body: Mapping[str, Any]) -> Ack:
        self._mark()
        # Signed with the app's secret and posted over HTTP, as Slack delivers it.
        return self.sandbox.driver._send_payload(body)


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def names_a_patient(texts: Iterable[str]) -> bool:
    return any(word in shown for shown in texts for word in PATIENT_WORDS)
