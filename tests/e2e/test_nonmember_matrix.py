"""The non-member matrix: every way into carebot, tried by someone in no care team.

For every action id, modal callback, shortcut and command verb the app registers,
@visitor (only in #general) sends a request carrying a real record's ref, forged or
replayed as an attacker would, and it must be refused politely (no patient named),
change no record and leave nothing in the audit trail but their `access.refused`.
Entries a non-member may rightly use are in ALLOWED with the reason, and still change
nothing. The table must cover what the app registers, so a new button without a row
fails `test_the_matrix_covers_every_registered_entry`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.sandbox.driver import Ack
from bot.sandbox.world import Sandbox, start_sandbox
from bot.shared.rules.timeparse import TimeParser
from tests.conftest import DIALECTS, WorkerDatabase
from tests.e2e.conftest import START
from tests.e2e.nonmember import (
    CARDIOLOGY,
    GENERAL,
    QUICK,
    VISITOR,
    Forger,
    Outcome,
    Refs,
    a_day_of_work,
    names_a_patient,
    registered,
    verbs,
)

CARE_TEAM = re.compile(
    r"Sorry, only care-team members can [^.]+, and you're not in any care-team channel\."
)
ADMINS = re.compile(r"Sorry, only carebot admins can [^.]+\.")
HANDOFF_CHANNEL = re.compile(r"Handoffs go only to care-team channels")
# A draft is its booker's: anyone else is told it is gone, which says nothing about it.
DRAFT_GONE = re.compile(r"That preview has expired or was already used\.")
# A question asked back is its asker's: anyone else is told it is gone.
QUESTION_GONE = re.compile(
    r"That question has expired \(they are kept for a day\) or was not yours"
)

Act = Callable[[Forger], Ack]


@dataclass(frozen=True)
class Row:
    """One entry, how @visitor tries it, and the refusals that may answer it."""

    kind: str  # action, view_submission, view_closed, *_shortcut, command or event
    key: str  # the action id, callback id, shortcut, "/appt cancel" or event type
    act: Act
    variant: str = ""
    refusal: tuple[re.Pattern[str], ...] = (CARE_TEAM,)

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.key}" + (f"@{self.variant}" if self.variant else "")


def _click(action_id: str, value: Callable[[Refs], str] | str | None, **how: Any) -> Act:
    def act(forger: Forger) -> Ack:
        given = value(forger.refs) if callable(value) else value
        return forger.click(action_id, given, **how)

    return act


def _command(slash: str, typed: str) -> Act:
    return lambda forger: forger.command(slash, typed)


def _verb(slash: str, verb: str, typed: str, **more: Any) -> Row:
    return Row("command", f"{slash} {verb}".rstrip(), _command(slash, typed), **more)


def _pick_kind(forger: Forger) -> Ack:
    """The preview's kind menu, picked on someone else's draft."""
    picked = _option(json.dumps({"d": forger.refs.draft, "k": "consult"}))
    return forger.click(
        "appt_kind",
        None,
        block_id="appt_kind",
        element={"type": "static_select", "options": [picked["selected_option"]]},
        picked=picked,
    )


def _draft(refs: Refs) -> str:
    return refs.draft


def _item(refs: Refs) -> str:
    return f'{{"h":"H-1","i":{refs.item}}}'


def _slot(refs: Refs) -> str:
    return f'{{"d": "{refs.draft}", "s": "{refs.slot}"}}'


def _value(text: str) -> dict[str, str]:
    return {"type": "plain_text_input", "value": text}


def _option(value: str) -> dict[str, object]:
    return {
        "type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
    }


CHECK_ITEMS = ("equipment", "patient", "consent", "preapproval")
APPOINTMENT_FLAGS = ("checkin", "noshow", "done", "cancel")
PREAPPROVAL_VERBS = {
    "submitted": "PA-1 REF-1",
    "pended": "PA-1 asked for notes",
    "approve": "PA-1 AUTH-9",
    "partial": "PA-1 AUTH-9 units 2",
    "deny": "PA-1 not covered",
    "appeal": "PA-1",
    "cancel": "PA-1",
    "notrequired": "PA-1",
    "expired": "PA-1",
    "assign": "PA-1 @visitor",
    "note": "PA-1 faxed",
    "snooze": "PA-1 1d",
}

ACTIONS: list[Row] = [
    # Appointments: drafts, slots, the list's pages, the forms, reminder DMs, Home.
    Row(
        "action",
        "appt_confirm",
        _click("appt_confirm", _draft, block_id="appt_preview"),
        refusal=(CARE_TEAM, DRAFT_GONE),
    ),
    Row(
        "action",
        "appt_confirm_shift",
        _click("appt_confirm_shift", _draft, block_id="appt_preview"),
        refusal=(CARE_TEAM, DRAFT_GONE),
    ),
    Row(
        "action",
        "appt_discard",
        _click("appt_discard", _draft, block_id="appt_preview"),
        refusal=(CARE_TEAM, DRAFT_GONE),
    ),
    Row(
        "action",
        "appt_slot_0",
        _click("appt_slot_0", _slot, block_id="appt_slots"),
        refusal=(CARE_TEAM, DRAFT_GONE),
    ),
    Row("action", "appt_kind", _pick_kind, refusal=(CARE_TEAM, DRAFT_GONE)),
    Row(
        "action",
        "asked_back_choice",
        _click("asked_back_choice", lambda refs: json.dumps({"q": refs.question, "i": 0})),
        refusal=(QUESTION_GONE,),
    ),
    Row(
        "action",
        "asked_back_choice",
        _click("asked_back_choice", lambda refs: json.dumps({"q": refs.draft, "i": 0})),
        variant="a preview's draft",
        refusal=(QUESTION_GONE,),
    ),
    Row("action", "page_appt_list", _click("page_appt_list", '{"q": "", "o": 5}')),
    Row(
        "action",
        "open_appt_edit",
        _click("open_appt_edit", _draft, block_id="appt_preview"),
        refusal=(CARE_TEAM, DRAFT_GONE),
    ),
    Row("action", "open_appt_form", _click("open_appt_form", CARDIOLOGY)),
    *(
        Row(
            "action",
            f"visit_check_{key}",
            _click(f"visit_check_{key}", f"A-1:{key}", block_id=f"check_{key}", accessory=True),
        )
        for key in CHECK_ITEMS
    ),
    *(
        Row(
            "action",
            f"visit_flag_{flag}",
            _click(f"visit_flag_{flag}", "A-1", block_id="visit_flag"),
        )
        for flag in APPOINTMENT_FLAGS
    ),
    Row(
        "action",
        "visit_flag_checkin",
        _click("visit_flag_checkin", "A-1", block_id="home_appointments", on="home"),
        variant="home",
    ),
    Row(
        "action",
        "appt_my_week",
        _click("appt_my_week", "mine", block_id="home_appointments", on="home"),
    ),
    # Handoffs: the card's buttons, the reminder's Done, the form.
    Row("action", "open_handoff_ack", _click("open_handoff_ack", "H-1")),
    Row(
        "action",
        "open_handoff_ack",
        _click("open_handoff_ack", "H-1", block_id="home_waiting", on="home"),
        variant="home",
    ),
    Row("action", "handoff_done", _click("handoff_done", _item)),
    Row(
        "action",
        "handoff_done",
        _click("handoff_done", _item, block_id="home_items", on="home"),
        variant="home",
    ),
    Row("action", "open_handoff_edit", _click("open_handoff_edit", "H-1")),
    Row("action", "handoff_repost", _click("handoff_repost", "H-1:0a1b2c3d")),
    Row("action", "open_handoff_form", _click("open_handoff_form", CARDIOLOGY)),
    Row(
        "action",
        "handoff_template",
        _click(
            "handoff_template",
            None,
            block_id="template",
            accessory=True,
            element={"type": "static_select", "options": [_option("sbar")["selected_option"]]},
            picked=_option("sbar"),
            on='modal:handoff_form:{"c":"C0CARDIO1","t":"ipass","e":"H-1"}',
        ),
    ),
    # Pre-approvals: the reminder DM's and risk post's buttons and menus, Undo, the form.
    Row(
        "action", "preauth_submitted", _click("preauth_submitted", "PA-1", block_id="preauth:PA-1")
    ),
    Row(
        "action",
        "preauth_submitted",
        _click("preauth_submitted", "PA-1", block_id="preauth:PA-1", on="home"),
        variant="home",
    ),
    Row(
        "action",
        "open_preauth_approve",
        _click("open_preauth_approve", "PA-1", block_id="preauth:PA-1"),
    ),
    Row(
        "action", "open_preauth_deny", _click("open_preauth_deny", "PA-1", block_id="preauth:PA-1")
    ),
    Row(
        "action",
        "preauth_snooze",
        _click(
            "preauth_snooze",
            None,
            block_id="preauth:PA-1",
            element={"type": "static_select", "options": [_option("PA-1|1d")["selected_option"]]},
            picked=_option("PA-1|1d"),
        ),
    ),
    Row(
        "action",
        "preauth_reassign",
        _click(
            "preauth_reassign",
            None,
            block_id="preauth:PA-1",
            element={"type": "users_select"},
            picked={"type": "users_select", "selected_user": VISITOR},
        ),
    ),
    Row("action", "preauth_undo", _click("preauth_undo", "PA-1", block_id="preauth_undo:PA-1")),
    Row("action", "open_preauth_form", _click("open_preauth_form", CARDIOLOGY)),
    # The Home tab's paging only redraws the clicker's own tab.
    Row(
        "action",
        "show_home_more",
        _click(
            "show_home_more",
            '{"s": "appointments", "o": 5}',
            block_id="home_appointments",
            on="home",
        ),
    ),
    Row(
        "action",
        "show_home_less",
        _click("show_home_less", '{"s": "", "o": 0}', block_id="home_appointments", on="home"),
    ),
]

_BOOKING_P1 = {
    "patient": _value("P-1"),
    "kind": _option("imaging"),
    "date": {"type": "datepicker", "selected_date": "2027-03-05"},
    "time": {"type": "timepicker", "selected_time": "15:00"},
}


def _handoff_form(meta: dict[str, str], values: dict[str, Any]) -> Act:
    return lambda f: f.submit("handoff_form", meta, values)


_IN_CARDIOLOGY = {
    "patient": _value("P-1"),
    "channel": {"type": "conversations_select", "selected_conversation": CARDIOLOGY},
}
_FORGED_HANDOFF = {
    "receiver": {"type": "users_select", "selected_user": "U0NURSE01"},
    "summary": _value("Forged summary"),
}

VIEWS: list[Row] = [
    Row(
        "view_submission",
        "appt_book_form",
        lambda f: f.submit(
            "appt_book_form",
            {"c": GENERAL, "d": f.refs.draft},  # dana's draft, as an edit of it would carry
            _BOOKING_P1,
        ),
        variant="edit",
        refusal=(CARE_TEAM, DRAFT_GONE),  # a draft is its booker's: gone to anyone else
    ),
    Row(
        "view_submission",
        "appt_book_form",
        lambda f: f.submit("appt_book_form", {"c": GENERAL}, _BOOKING_P1),
        variant="new",
    ),
    *(
        Row("view_submission", "handoff_form", _handoff_form(meta, values), variant=variant)
        for variant, meta, values in (
            ("new", {"c": GENERAL, "t": "ipass"}, {**_IN_CARDIOLOGY, **_FORGED_HANDOFF}),
            ("edit", {"c": CARDIOLOGY, "t": "ipass", "e": "H-1"}, _FORGED_HANDOFF),  # H-1's
        )
    ),
    Row(
        "view_submission",
        "handoff_ack_form",
        lambda f: f.submit(
            "handoff_ack_form",
            {"h": "H-1"},
            {"synthesis": _value("Taking over: recheck K+ at 6am, call cardiology if off.")},
        ),
    ),
    Row(
        "view_submission",
        "preauth_new_form",
        lambda f: f.submit(
            "preauth_new_form",
            {"c": GENERAL},
            {
                "patient": _value("P-1"),
                "payer": _value("Cigna"),
                "service": _value("CT"),
                "owner": {"type": "users_select", "selected_user": VISITOR},
                "urgency": _option("standard"),
            },
        ),
    ),
    Row(
        "view_submission",
        "preauth_decision_form",
        lambda f: f.submit(
            "preauth_decision_form",
            {"r": "PA-1", "c": GENERAL, "a": "approve"},
            {"auth_number": _value("AUTH-9"), "decision": _option("approve")},
        ),
        variant="approve",
    ),
    Row(
        "view_submission",
        "preauth_decision_form",
        lambda f: f.submit(
            "preauth_decision_form",
            {"r": "PA-1", "c": GENERAL, "a": "deny"},
            {"reason": _value("not covered")},
        ),
        variant="deny",
    ),
    Row(
        "view_submission",
        "channel_settings",
        lambda f: f.submit(
            "channel_settings",
            {"c": GENERAL},  # make #general a care-team channel, and so themselves a member
            {
                "care_team": {
                    "type": "checkboxes",
                    "selected_options": [
                        {"text": {"type": "plain_text", "text": "Yes"}, "value": "yes"}
                    ],
                },
                "patient_display": _option("full"),
            },
        ),
        refusal=(ADMINS,),
    ),
]

SHORTCUTS: list[Row] = [
    Row(
        "message_shortcut",
        "handoff_message",
        lambda f: f.shortcut("handoff_message", "message", "P-1 stable overnight"),
    ),
]

COMMANDS: list[Row] = [
    _verb("/appt", "", ""),
    _verb("/appt", "help", "help"),
    _verb("/appt", "book", "book P-1, MRI, friday 3pm"),
    _verb("/appt", "list", "list"),
    _verb("/appt", "export", "export week"),
    _verb("/appt", "week", "week P-1"),
    _verb("/appt", "move", "move A-1 friday 4pm"),
    _verb("/appt", "cancel", "cancel A-1 not needed"),
    _verb("/appt", "checkin", "checkin A-1"),
    _verb("/appt", "done", "done A-1"),
    _verb("/appt", "noshow", "noshow A-1"),
    _verb("/handoff", "", ""),
    _verb("/handoff", "help", "help"),
    _verb("/handoff", QUICK, "P-1 to @sam.nurse: forged", refusal=(CARE_TEAM, HANDOFF_CHANNEL)),
    _verb("/handoff", "list", "list"),
    _verb("/handoff", "show", "show H-1"),
    _verb("/preauth", "", ""),
    _verb("/preauth", "help", "help"),
    _verb("/preauth", "new", "new", variant="form"),
    _verb("/preauth", "new", "new P-1, Cigna, CT"),
    _verb("/preauth", "new", "new Rosa Quintero, Cigna, CT", variant="by-name"),  # P-1's name
    _verb("/preauth", "new", "new Someone Else, Cigna, CT, for A-1", variant="for-a-visit"),
    *(_verb("/preauth", verb, f"{verb} {rest}") for verb, rest in PREAPPROVAL_VERBS.items()),
    _verb("/preauth", "list", "list all"),
    _verb("/preauth", "show", "show PA-1"),
    _verb("/carebot", "", ""),
    _verb("/carebot", "help", "help"),
    _verb("/carebot", "audit", "audit P-1", refusal=(ADMINS,)),
    _verb("/carebot", "settings", "settings", refusal=(ADMINS,)),
]

EVENTS: list[Row] = [
    Row("event", "app_home_opened", lambda f: f.open_home()),
    Row("event", "message", lambda f: f.dm_message("appt cancel A-1")),
    Row("event", "app_mention", lambda f: f.mention("preauth approve PA-1 AUTH-9")),
    *(
        Row("event", kind, lambda f, kind=kind: f.member_event(kind, "C0CARDIO1"))
        for kind in ("member_joined_channel", "member_left_channel")
    ),
]

ROWS = ACTIONS + VIEWS + SHORTCUTS + COMMANDS + EVENTS

BLANK_FORM = "opens a blank form; what it submits is checked on its own row"
HELP = "help names no patient"
HOME = "redraws the visitor's own Home tab, which shows them no patient"
# Entries open to someone in no care team, and why; they must still change nothing.
ALLOWED = {
    "action:open_appt_form": BLANK_FORM,
    "action:open_handoff_form": BLANK_FORM,
    "action:open_preauth_form": BLANK_FORM,
    "action:handoff_template": "redraws the visitor's own open form from what it holds",
    "action:show_home_more": HOME,
    "action:show_home_less": HOME,
    "message_shortcut:handoff_message": "opens the handoff form with text the person has",
    "command:/appt": BLANK_FORM,
    "command:/handoff": BLANK_FORM,
    "command:/preauth": BLANK_FORM,
    "command:/preauth new@form": BLANK_FORM,
    "command:/appt help": HELP,
    "command:/handoff help": HELP,
    "command:/preauth help": HELP,
    "command:/carebot": HELP,
    "command:/carebot help": HELP,
    "event:app_home_opened": "shows the welcome and how to join, no patient; audited as refused",
    "event:member_joined_channel": "forgets the channel's members; the next command asks Slack",
    "event:member_left_channel": "forgets the channel's members; the next command asks Slack",
}


# -- the world, one per dialect, rebuilt only after a row changed it --------------------------


class Worlds:
    """A sandbox after dana's day of work; a row that changed anything gets the next a new one."""

    def __init__(self, times: TimeParser, worker_db: WorkerDatabase | None) -> None:
        self.times = times
        self.worker_db = worker_db
        self._current: tuple[Sandbox, Forger] | None = None

    def forger(self) -> Forger:
        if self._current is None:
            url = None
            if self.worker_db is not None:
                self.worker_db.empty()
                url = self.worker_db.url
            sandbox = start_sandbox(start=START, times=self.times, database_url=url)
            self._current = (sandbox, Forger(sandbox, a_day_of_work(sandbox)))
        return self._current[1]

    def spoil(self) -> None:
        if self._current is not None:
            self._current[0].close()
            self._current = None


@pytest.fixture(scope="module", params=DIALECTS)
def worlds(request: pytest.FixtureRequest, times: TimeParser) -> Iterator[Worlds]:
    worker_db = None
    if request.param == "postgres":
        worker_db = request.getfixturevalue("postgres_worker_db")
    kept = Worlds(times, worker_db)
    try:
        yield kept
    finally:
        kept.spoil()


# -- the checks ---------------------------------------------------------------------------


def test_the_matrix_covers_every_registered_entry(worlds: Worlds) -> None:
    runtime = worlds.forger().sandbox.runtime
    entries = registered(runtime.app)
    rows = {(row.kind, row.key) for row in ROWS}

    uncovered = [
        entry.label
        for entry in entries
        if entry.kind not in ("command",) and not any(entry.matches(k, key) for k, key in rows)
    ]
    assert uncovered == [], f"registered without a row in the matrix: {uncovered}"
    unknown = sorted(
        f"{kind} {key}"
        for kind, key in rows
        if kind != "command" and not any(entry.matches(kind, key) for entry in entries)
    )
    assert unknown == [], f"rows for nothing registered: {unknown}"

    shared = runtime.shared
    registered_verbs = verbs(shared.commands, shared.carebot_commands)
    covered = {
        tuple(key.split(" ", 1)) if " " in key else (key, "")
        for kind, key in rows
        if kind == "command"
    }
    assert sorted(registered_verbs - covered) == [], "command verbs without a row"
    assert sorted(covered - registered_verbs) == [], "rows for verbs no usage line names"


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_someone_in_no_care_team_is_refused_and_changes_nothing(worlds: Worlds, row: Row) -> None:
    forger = worlds.forger()
    outcome = _run(forger, row)
    if outcome.dirty or outcome.errors:
        worlds.spoil()  # the next row starts from dana's day of work again

    why = f"{row.id}\n{outcome.describe()}"
    # Plain truths with the description as message: pytest's diffs of these are slow and long.
    assert not outcome.errors, why
    assert outcome.ack is not None and outcome.ack.ok, why
    assert not outcome.changed, f"records changed: {why}"
    assert not outcome.elsewhere, f"Slack changed outside the visitor's view: {why}"
    assert not names_a_patient(outcome.seen), f"the visitor was shown the patient: {why}"
    refused_only = all(
        actor == VISITOR and action == "access.refused" for actor, action, _ in outcome.audit
    )
    assert refused_only, f"audited more than a refusal: {why}"
    assert len(outcome.audit) <= 1, f"more than one refusal audited: {why}"
    if row.id not in ALLOWED:
        shown = any(p.search(s) for p in row.refusal for s in outcome.seen)
        assert shown, f"no refusal shown: {why}"


def _run(forger: Forger, row: Row) -> Outcome:
    ack = row.act(forger)
    forger.sandbox.runtime.wait_idle()
    return forger.outcome(ack)


def test_every_allowed_entry_is_a_row_and_says_why() -> None:
    ids = [row.id for row in ROWS]
    assert len(ids) == len(set(ids)), "two rows with one id"
    assert sorted(set(ALLOWED) - set(ids)) == [], "ALLOWED names rows that do not exist"
    assert all(len(reason) > 10 for reason in ALLOWED.values())
