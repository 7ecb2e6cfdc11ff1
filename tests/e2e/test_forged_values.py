"""Forged values inside well-formed, signed payloads: each is refused politely, changes nothing.

Dana, a care-team member and admin in #cardiology-team, sends requests Slack would deliver
but whose values carebot never made: a button's JSON that isn't JSON, refs of nothing or of
another workspace, options no menu offered, impossible dates and times, user and channel ids
no picker sends, private_metadata edited on the way. Each row names what she must be told.
Every row also checks that no record changed, nothing was posted outside her own view, no
broadcast mention went out unescaped, and no ERROR was logged.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from bot.sandbox.driver import Ack
from bot.sandbox.standin import Message
from bot.sandbox.world import Sandbox, start_sandbox
from bot.shared.rules.timeparse import TimeParser
from storage import channels
from tests.conftest import DIALECTS, WorkerDatabase
from tests.e2e.conftest import START
from tests.e2e.nonmember import CARDIOLOGY, Forger, Outcome, a_day_of_work

DANA, NURSE = "U0COORD01", "U0NURSE01"
OTHER_TEAM = "T0OTHER01"  # another workspace, where dana is in a care team too
APOLOGY = "Sorry, something went wrong"
BROADCAST = re.compile(r"<!(?:channel|here|everyone)>")
FORM_DAMAGED = r"This form's saved details don't read right"
BUTTON_DAMAGED = r"That button's details don't read right"
NOT_A_CHANNEL = r"That isn't a channel I can find"
CANT_SEE = r"I can't see that channel"

Act = Callable[[Forger], Ack]


@dataclass(frozen=True)
class Row:
    """One forged value, how dana sends it, and what she must be told."""

    id: str
    act: Act
    told: str  # a regex over what she sees (a reply, a modal, a form's field errors)


def _value(text: str) -> dict[str, str]:
    return {"type": "plain_text_input", "value": text}


def _option(value: str, kind: str = "static_select") -> dict[str, Any]:
    return {"type": kind, "selected_option": {"text": _plain(value), "value": value}}


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def _user(user: str) -> dict[str, str]:
    return {"type": "users_select", "selected_user": user}


def _date(day: str) -> dict[str, str]:
    return {"type": "datepicker", "selected_date": day}


def _time(at: str) -> dict[str, str]:
    return {"type": "timepicker", "selected_time": at}


def _submit(callback_id: str, meta: Any, values: Mapping[str, Any]) -> Act:
    return lambda f: f.submit(callback_id, meta, values)


def _click(action_id: str, value: str | Callable[[Forger], str] | None, **how: Any) -> Act:
    def act(forger: Forger) -> Ack:
        return forger.click(action_id, value(forger) if callable(value) else value, **how)

    return act


def _pick(action_id: str, picked: Mapping[str, Any], **how: Any) -> Act:
    element = {"type": picked["type"]}
    return lambda f: f.click(action_id, None, element=element, picked=picked, **how)


def _elsewhere(act: Act) -> Act:
    """The same request, sent as from another workspace."""

    def run(forger: Forger) -> Ack:
        send = forger._send

        def from_other_team(body: Mapping[str, Any]) -> Ack:
            moved = json.loads(json.dumps(body).replace(forger.space.team.id, OTHER_TEAM))
            return send(moved)

        forger._send = from_other_team  # type: ignore[method-assign]
        try:
            return act(forger)
        finally:
            del forger._send

    return run


SETTINGS = {
    "care_team": {
        "type": "checkboxes",
        "selected_options": [{"text": _plain("This is a care-team channel"), "value": "yes"}],
    },
    "patient_display": _option("full"),
}
BOOKING = {
    "patient": _value("P-1"),
    "kind": _option("imaging"),
    "date": _date("2027-03-05"),
    "time": _time("15:00"),
}
HANDOFF = {
    "patient": _value("P-1"),
    "channel": {"type": "conversations_select", "selected_conversation": CARDIOLOGY},
    "receiver": _user(NURSE),
    "summary": _value("Stable overnight"),
}
NEW_PREAPPROVAL = {
    "patient": _value("P-1"),
    "payer": _value("Cigna"),
    "service": _value("CT"),
    "owner": _user(DANA),
    "urgency": _option("standard"),
}
APPROVAL = {"auth_number": _value("AUTH-9"), "decision": _option("approve")}
IPASS = {"c": CARDIOLOGY, "t": "ipass"}
APPROVE = {"r": "PA-1", "c": CARDIOLOGY, "a": "approve"}
SYNTHESIS = {"synthesis": _value("Taking over: recheck K+ at 6am, call cardiology if off.")}


def _field(name: str, text: str) -> str:
    """The form's answer: `text` under field `name`, the form left open."""
    return rf'"response_action": "errors", "errors": \{{"{name}": "{text}'


def _slot(start: str) -> Callable[[Forger], str]:
    return lambda f: json.dumps({"d": f.refs.draft, "s": start})


FORMS: list[Row] = [
    # /carebot settings: the channel an admin sets up, and the form's own options.
    Row("settings-meta-a-list", _submit("channel_settings", [], SETTINGS), FORM_DAMAGED),
    Row("settings-meta-c-nope", _submit("channel_settings", {"c": "C0NOPE"}, SETTINGS), CANT_SEE),
    Row(
        "settings-meta-c-broadcast",
        _submit("channel_settings", {"c": "<!channel>"}, SETTINGS),
        NOT_A_CHANNEL,
    ),
    Row("settings-meta-c-number", _submit("channel_settings", {"c": 123}, SETTINGS), NOT_A_CHANNEL),
    Row(
        "settings-meta-c-archived",
        _submit("channel_settings", {"c": "C0ARCHIVE"}, SETTINGS),
        r"That channel is archived",
    ),
    Row(
        "settings-meta-c-a-dm",
        _submit("channel_settings", {"c": "D0COORD01"}, SETTINGS),
        r"Run `/carebot settings` in the channel you want to set up",
    ),
    Row(
        "settings-checkbox-unknown",
        _submit(
            "channel_settings",
            {"c": CARDIOLOGY},
            {**SETTINGS, "care_team": {"type": "checkboxes", "selected_options": [{"value": "x"}]}},
        ),
        _field("care_team", "Tick only the boxes the form shows"),
    ),
    Row(
        "settings-checkbox-not-a-list",
        _submit(
            "channel_settings",
            {"c": CARDIOLOGY},
            {**SETTINGS, "care_team": {"type": "checkboxes", "selected_options": "yes"}},
        ),
        _field("care_team", "Tick only the boxes the form shows"),
    ),
    Row(
        "settings-display-unknown",
        _submit(
            "channel_settings", {"c": CARDIOLOGY}, {**SETTINGS, "patient_display": _option("x")}
        ),
        _field("patient_display", "Unknown patient display"),
    ),
    # The booking form.
    Row("booking-meta-a-list", _submit("appt_book_form", [1], BOOKING), FORM_DAMAGED),
    Row("booking-meta-c-nope", _submit("appt_book_form", {"c": "C0NOPE"}, BOOKING), CANT_SEE),
    Row(
        "booking-meta-c-someone-elses-dm",
        _submit("appt_book_form", {"c": "D0NURSE01"}, BOOKING),
        r"I can only answer in a channel I'm in or in your DM with me",
    ),
    Row(
        "booking-meta-kind-unknown",
        _submit("appt_book_form", {"c": CARDIOLOGY, "k": "x", "l": "X-ray"}, BOOKING),
        FORM_DAMAGED,
    ),
    Row(
        "booking-meta-kind-without-label",
        _submit("appt_book_form", {"c": CARDIOLOGY, "k": "imaging"}, BOOKING),
        FORM_DAMAGED,
    ),
    Row(
        "booking-meta-draft-junk",
        _submit("appt_book_form", {"c": CARDIOLOGY, "d": "nope"}, BOOKING),
        FORM_DAMAGED,
    ),
    Row(
        "booking-meta-draft-of-nothing",
        _submit("appt_book_form", {"c": CARDIOLOGY, "d": "0" * 32}, BOOKING),
        r"That preview has expired or was already used",
    ),
    Row(
        "booking-date-2026-13-45",
        _submit("appt_book_form", {"c": CARDIOLOGY}, {**BOOKING, "date": _date("2026-13-45")}),
        _field("date", "Pick a date from the calendar"),
    ),
    Row(
        "booking-date-feb-30",
        _submit("appt_book_form", {"c": CARDIOLOGY}, {**BOOKING, "date": _date("2027-02-30")}),
        _field("date", "Pick a date from the calendar"),
    ),
    Row(
        "booking-time-25-99",
        _submit("appt_book_form", {"c": CARDIOLOGY}, {**BOOKING, "time": _time("25:99")}),
        _field("time", "Pick a time from the list"),
    ),
    Row(
        "booking-clinician-broadcast",
        _submit("appt_book_form", {"c": CARDIOLOGY}, {**BOOKING, "clinician": _user("<!channel>")}),
        _field("clinician", "I can't find that clinician"),
    ),
    Row(
        "booking-kind-unknown",
        _submit("appt_book_form", {"c": CARDIOLOGY}, {**BOOKING, "kind": _option("x")}),
        _field("kind", "Pick the kind of visit from the list"),
    ),
    # The handoff form and the read-back form.
    Row("handoff-meta-a-string", _submit("handoff_form", "x", HANDOFF), FORM_DAMAGED),
    Row(
        "handoff-meta-template-unknown",
        _submit("handoff_form", {"c": CARDIOLOGY, "t": "soap"}, HANDOFF),
        FORM_DAMAGED,
    ),
    Row(
        "handoff-meta-editing-a-number",
        _submit("handoff_form", {**IPASS, "e": 5}, HANDOFF),
        FORM_DAMAGED,
    ),
    Row(
        "handoff-meta-editing-nothing",
        _submit("handoff_form", {**IPASS, "e": "H-99999"}, HANDOFF),
        r"There is no handoff H-99999",
    ),
    Row(
        "handoff-receiver-broadcast",
        _submit("handoff_form", IPASS, {**HANDOFF, "receiver": _user("<!channel>")}),
        _field("receiver", "I can't find that receiver"),
    ),
    Row(
        "handoff-receiver-half-a-mention",
        _submit("handoff_form", IPASS, {**HANDOFF, "receiver": _user("U123>")}),
        _field("receiver", "I can't find that receiver"),
    ),
    Row(
        "handoff-role-broadcast",
        _submit(
            "handoff_form",
            IPASS,
            {**{k: v for k, v in HANDOFF.items() if k != "receiver"}, "role": _option("<!here>")},
        ),
        _field("role", "That isn't a user group I can find"),
    ),
    Row(
        "handoff-channel-broadcast",
        _submit(
            "handoff_form",
            IPASS,
            {
                **HANDOFF,
                "channel": {"type": "conversations_select", "selected_conversation": "<!here>"},
            },
        ),
        _field("channel", NOT_A_CHANNEL),
    ),
    Row(
        "handoff-channel-nope",
        _submit(
            "handoff_form",
            IPASS,
            {
                **HANDOFF,
                "channel": {"type": "conversations_select", "selected_conversation": "C0NOPE"},
            },
        ),
        _field("channel", "I can't see that channel"),
    ),
    Row(
        "handoff-severity-unknown",
        _submit("handoff_form", IPASS, {**HANDOFF, "severity": _option("dying", "radio_buttons")}),
        _field("severity", "Pick the illness severity from the list"),
    ),
    Row("read-back-meta-a-list", _submit("handoff_ack_form", [], SYNTHESIS), FORM_DAMAGED),
    Row(
        "read-back-meta-ref-a-number",
        _submit("handoff_ack_form", {"h": 5}, SYNTHESIS),
        FORM_DAMAGED,
    ),
    Row(
        "read-back-meta-ref-junk",
        _submit("handoff_ack_form", {"h": "H-1; drop"}, SYNTHESIS),
        r'"H-1; drop" is not a handoff ref',
    ),
    # The pre-approval forms.
    Row("preapproval-meta-a-list", _submit("preauth_new_form", [], NEW_PREAPPROVAL), FORM_DAMAGED),
    Row(
        "preapproval-meta-c-nope",
        _submit("preauth_new_form", {"c": "C0NOPE"}, NEW_PREAPPROVAL),
        CANT_SEE,
    ),
    Row(
        "preapproval-meta-c-broadcast",
        _submit("preauth_new_form", {"c": "<!here>"}, NEW_PREAPPROVAL),
        NOT_A_CHANNEL,
    ),
    Row(
        "preapproval-owner-broadcast",
        _submit(
            "preauth_new_form", {"c": CARDIOLOGY}, {**NEW_PREAPPROVAL, "owner": _user("<!channel>")}
        ),
        _field("owner", "I can't find that owner"),
    ),
    Row(
        "preapproval-owner-empty",
        _submit("preauth_new_form", {"c": CARDIOLOGY}, {**NEW_PREAPPROVAL, "owner": _user("")}),
        _field("owner", "I can't find that owner"),
    ),
    Row(
        "preapproval-urgency-unknown",
        _submit(
            "preauth_new_form", {"c": CARDIOLOGY}, {**NEW_PREAPPROVAL, "urgency": _option("now")}
        ),
        _field("urgency", "Pick the urgency from the list"),
    ),
    Row(
        "decision-meta-action-unknown",
        _submit("preauth_decision_form", {**APPROVE, "a": "appeal"}, APPROVAL),
        FORM_DAMAGED,
    ),
    Row("decision-meta-a-list", _submit("preauth_decision_form", [], APPROVAL), FORM_DAMAGED),
    Row(
        "decision-meta-ref-of-a-visit",
        _submit("preauth_decision_form", {**APPROVE, "r": "A-1"}, APPROVAL),
        r'"A-1" is not a pre-approval ref',
    ),
    Row(
        "decision-meta-ref-of-nothing",
        _submit("preauth_decision_form", {**APPROVE, "r": "PA-99999"}, APPROVAL),
        r"There is no pre-approval PA-99999",
    ),
    Row(
        "decision-meta-c-nope",
        _submit("preauth_decision_form", {**APPROVE, "c": "C0NOPE"}, APPROVAL),
        CANT_SEE,
    ),
    Row(
        "decision-option-unknown",
        _submit("preauth_decision_form", APPROVE, {**APPROVAL, "decision": _option("all")}),
        _field("decision", "Pick one from the list"),
    ),
    Row(
        "decision-valid-from-2026-13-45",
        _submit("preauth_decision_form", APPROVE, {**APPROVAL, "valid_from": _date("2026-13-45")}),
        _field("valid_from", "Pick a date from the calendar"),
    ),
    Row(
        "decision-units-minus-1e309",
        _submit("preauth_decision_form", APPROVE, {**APPROVAL, "units": _value("-1e309")}),
        _field("units", "A whole number of units"),
    ),
]

BUTTONS: list[Row] = [
    # /appt previews, lists, reminder DMs.
    Row("slot-not-json", _click("appt_slot_0", "{not json", block_id="appt_slots"), BUTTON_DAMAGED),
    Row("slot-a-list", _click("appt_slot_0", "[1]", block_id="appt_slots"), BUTTON_DAMAGED),
    Row(
        "slot-start-2026-13-45",
        _click("appt_slot_0", _slot("2026-13-45T15:00:00+00:00"), block_id="appt_slots"),
        BUTTON_DAMAGED,
    ),
    Row(
        "slot-start-without-zone",
        _click("appt_slot_0", _slot("2027-03-02T15:00:00"), block_id="appt_slots"),
        BUTTON_DAMAGED,
    ),
    Row("list-page-not-json", _click("page_appt_list", "nope"), BUTTON_DAMAGED),
    Row(
        "list-page-offset-1e309", _click("page_appt_list", '{"q": "", "o": -1e309}'), BUTTON_DAMAGED
    ),
    Row("list-page-query-a-number", _click("page_appt_list", '{"q": 5, "o": 0}'), BUTTON_DAMAGED),
    Row(
        "confirm-a-draft-of-nothing",
        _click("appt_confirm", "", block_id="appt_preview"),
        r"That preview has expired or was already used",
    ),
    Row("open-booking-form-broadcast", _click("open_appt_form", "<!channel>"), NOT_A_CHANNEL),
    Row(
        "checklist-item-unknown",
        _click("visit_check_consent", "A-1:bogus", block_id="check_consent", accessory=True),
        BUTTON_DAMAGED,
    ),
    Row(
        "checklist-item-not-its-button",
        _click("visit_check_consent", "A-1:equipment", block_id="check_consent", accessory=True),
        BUTTON_DAMAGED,
    ),
    Row(
        "checklist-visit-broadcast",
        _click(
            "visit_check_consent", "<!channel>:consent", block_id="check_consent", accessory=True
        ),
        r'"&lt;!channel&gt;" is not a visit ref',
    ),
    Row(
        "visit-flag-unknown",
        _click("visit_flag_bogus", "A-1", block_id="visit_flag"),
        BUTTON_DAMAGED,
    ),
    Row(
        "visit-flag-a-99999",
        _click("visit_flag_done", "A-99999", block_id="visit_flag"),
        r"There is no visit A-99999 in this workspace",
    ),
    # Handoff cards, lists and forms.
    Row("item-done-not-json", _click("handoff_done", "{nope"), BUTTON_DAMAGED),
    Row("item-done-position-a-word", _click("handoff_done", '{"h":"H-1","i":"x"}'), BUTTON_DAMAGED),
    Row("item-done-a-list", _click("handoff_done", "[1]"), BUTTON_DAMAGED),
    Row(
        "item-done-ref-of-a-visit",
        _click("handoff_done", '{"h":"A-1","i":0}'),
        r'"A-1" is not a handoff ref',
    ),
    Row("repost-junk-after-the-ref", _click("handoff_repost", "H-1:<!channel>"), BUTTON_DAMAGED),
    Row("repost-nothing-after-the-ref", _click("handoff_repost", "H-1:"), BUTTON_DAMAGED),
    Row("open-handoff-form-broadcast", _click("open_handoff_form", "<!here>"), NOT_A_CHANNEL),
    Row(
        "acknowledge-h-99999",
        _click("open_handoff_ack", "H-99999"),
        r"There is no handoff H-99999 here",
    ),
    Row(
        "template-unknown",
        _pick(
            "handoff_template",
            _option("soap"),
            block_id="template",
            accessory=True,
            on='modal:handoff_form:{"c":"C0CARDIO1","t":"ipass"}',
        ),
        r"Pick I-PASS or SBAR from the list",
    ),
    Row(
        "template-meta-junk",
        _pick(
            "handoff_template",
            _option("sbar"),
            block_id="template",
            accessory=True,
            on="modal:handoff_form:[junk",
        ),
        FORM_DAMAGED,
    ),
    # Pre-approval reminder buttons and menus.
    Row(
        "snooze-span-unknown",
        _pick("preauth_snooze", _option("PA-1|99y"), block_id="preauth:PA-1"),
        r"Pick how long to snooze from the list",
    ),
    Row(
        "snooze-no-span",
        _pick("preauth_snooze", _option("junk"), block_id="preauth:PA-1"),
        r"Pick how long to snooze from the list",
    ),
    Row(
        "snooze-pa-99999",
        _pick("preauth_snooze", _option("PA-99999|1d"), block_id="preauth:PA-1"),
        r"There is no pre-approval PA-99999 in this workspace",
    ),
    Row(
        "reassign-broadcast",
        _pick("preauth_reassign", _user("<!channel>"), block_id="preauth:PA-1"),
        r"I can't find that new owner",
    ),
    Row(
        "reassign-empty",
        _pick("preauth_reassign", _user(""), block_id="preauth:PA-1"),
        r"I can't find that new owner",
    ),
    Row(
        "submitted-broadcast",
        _click("preauth_submitted", "<!channel>", block_id="preauth:x"),
        r'"&lt;!channel&gt;" is not a pre-approval ref',
    ),
    Row("open-preapproval-form-broadcast", _click("open_preauth_form", "<!here>"), NOT_A_CHANNEL),
    # The Home tab's paging: the tab is drawn afresh with the refusal on top.
    Row(
        "home-more-not-json",
        _click("show_home_more", "{junk", block_id="home_x", on="home"),
        BUTTON_DAMAGED,
    ),
    Row(
        "home-more-offset-1e309",
        _click("show_home_more", '{"s":"appointments","o":1e309}', block_id="home_x", on="home"),
        BUTTON_DAMAGED,
    ),
]

# A well-formed ref of another workspace's record reads exactly as a missing one.
ELSEWHERE: list[Row] = [
    Row(
        "other-workspace-visit",
        _elsewhere(_click("visit_flag_done", "A-1", block_id="visit_flag")),
        r"There is no visit A-1 in this workspace",
    ),
    Row(
        "other-workspace-handoff",
        _elsewhere(_click("open_handoff_ack", "H-1")),
        r"There is no handoff H-1 here",
    ),
    Row(
        "other-workspace-preapproval",
        _elsewhere(_click("preauth_submitted", "PA-1", block_id="preauth:PA-1")),
        r"There is no pre-approval PA-1 in this workspace",
    ),
]

ROWS = FORMS + BUTTONS + ELSEWHERE


# -- the world, one per dialect, rebuilt only after a row changed it --------------------------


class Worlds:
    """A sandbox after dana's day of work; a row that changed anything gets the next a new one."""

    def __init__(self, times: TimeParser, worker_db: WorkerDatabase | None) -> None:
        self.times, self.worker_db = times, worker_db
        self._current: tuple[Sandbox, Forger] | None = None

    def forger(self) -> Forger:
        if self._current is None:
            url = None
            if self.worker_db is not None:
                self.worker_db.empty()
                url = self.worker_db.url
            sandbox = start_sandbox(start=START, times=self.times, database_url=url)
            refs = a_day_of_work(sandbox)
            with sandbox.db.session() as session:  # dana's team has a care-team channel there
                channels.upsert(session, OTHER_TEAM, CARDIOLOGY, "cardiology-team")
            forger = Forger(sandbox, refs, user=DANA, channel="#cardiology-team")
            self._current = (sandbox, forger)
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


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_a_forged_value_is_refused_politely_and_changes_nothing(
    worlds: Worlds, row: Row, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    forger = worlds.forger()
    posted, outcome = _run(forger, row)
    if outcome.dirty or outcome.errors:
        worlds.spoil()

    why = f"{row.id}\n{outcome.describe()}"
    assert not outcome.errors, why
    assert outcome.ack is not None and outcome.ack.ok, why
    told = [seen.replace('\\"', '"') for seen in outcome.seen]  # a form's answer is JSON
    assert any(re.search(row.told, seen) for seen in told), f"not told: {why}"
    assert not any(APOLOGY in seen for seen in outcome.seen), why
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR], why
    assert not outcome.changed, f"records changed: {why}"
    assert not outcome.elsewhere, f"posted outside dana's view: {why}"
    assert all(action == "access.refused" for _, action, _ in outcome.audit), why
    assert not [p for p in posted if BROADCAST.search(p)], f"a broadcast went out: {why}"


def test_another_workspaces_ref_reads_exactly_as_a_missing_one(worlds: Worlds) -> None:
    forger = worlds.forger()
    _, missing = _run(forger, Row("", _click("open_handoff_ack", "H-99999"), ""))
    _, elsewhere = _run(forger, ELSEWHERE[1])

    assert [s.replace("H-99999", "H-1") for s in missing.seen] == elsewhere.seen


def test_the_table_tries_at_least_forty_forged_values_over_every_feature() -> None:
    ids = [row.id for row in ROWS]
    assert len(ids) == len(set(ids)) and len(ids) >= 40
    features = ("settings", "booking", "handoff", "preapproval", "decision", "slot", "home")
    assert all(any(i.startswith(f) for i in ids) for f in features)


def _run(forger: Forger, row: Row) -> tuple[list[str], Outcome]:
    """What dana's request posted anywhere (raw, before rendering), and what it did."""
    ack = row.act(forger)
    forger.sandbox.runtime.wait_idle()
    seq = forger._marks[0] if forger._marks else 0
    posted = [
        json.dumps([item.text, item.blocks])
        for item in forger.standin.changes_since(seq)
        if isinstance(item, Message) and item.user != forger.user
    ]
    if ack is not None and ack.body:
        posted.append(json.dumps(ack.body))
    return posted, forger.outcome(ack)
