"""Access on each of /appt's operations, whichever button reaches it, and the channel's clock.

@visitor is in no care-team channel. A forged or replayed click is a real button of
someone else's message (or Home tab) sent as @visitor: it must change nothing, show no
patient, and leave one access.refused row.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.sandbox.driver import SlackDriver
from bot.sandbox.driver_payloads import action_for
from bot.sandbox.render import choices
from bot.sandbox.standin import Message, View
from bot.sandbox.world import Sandbox
from storage import audit, drafts
from storage.appointments import queries as appointments
from tests.e2e.test_channel_settings import save
from tests.e2e.test_visit_reminders import JANE, SURGERY, TUESDAY_3PM, book, checklists

TEAM = "T0CAREBOT"
DANA, VISITOR = "U0COORD01", "U0VISITOR"
REFUSED = "Sorry, only care-team members can"


def forge(slack: SlackDriver, surface: Message | View, label: str, user: str = "@visitor") -> None:
    """Send a click on `label` in someone else's message or Home tab, as `user`."""
    blocks = surface.view["blocks"] if isinstance(surface, View) else surface.blocks
    [choice] = [c for c in choices(blocks) if c.label == label]
    slack.as_user(user).in_dm()._send_action(surface, action_for(choice))
    slack.settle()


def dm_message(sandbox: Sandbox, user: str, says: str) -> Message:
    dm = sandbox.standin.dm_channel(user).id
    return next(m for m in reversed(sandbox.standin.messages(dm)) if says in m.text)


def refusals(sandbox: Sandbox) -> list[tuple[str, str | None]]:
    with sandbox.db.session(read_only=True) as session:
        rows = audit.recent(session, TEAM)
    return [(r.actor, r.ref) for r in reversed(rows) if r.action == "access.refused"]


def status(sandbox: Sandbox, ref: str = "A-1") -> str:
    with sandbox.db.session(read_only=True) as session:
        row = appointments.get_by_ref(session, TEAM, ref)
        assert row is not None
        return row.status


def seen_by_visitor(sandbox: Sandbox) -> list[str]:
    shown = [m.text for m in sandbox.standin.ephemerals(user=VISITOR)]
    dm = sandbox.standin.dm_channel(VISITOR).id
    return shown + [m.text for m in sandbox.standin.messages(dm)]


def test_a_forged_done_on_the_no_show_flag_is_refused_and_changes_nothing(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(sandbox, slack, JANE)
    sandbox.move_clock(TUESDAY_3PM + timedelta(minutes=45, hours=24))
    flag = dm_message(sandbox, DANA, "Was it a no-show?")

    forge(slack, flag, "Done")

    assert status(sandbox) == "booked"
    assert refusals(sandbox) == [(VISITOR, "A-1")]
    shown = seen_by_visitor(sandbox)
    assert any(text.startswith(f"{REFUSED} mark visits done") for text in shown)
    assert all("Jane" not in text and "J.D." not in text for text in shown)
    assert not dm_message(sandbox, DANA, "Was it a no-show?").edited  # dana's DM is as it was


def test_a_forged_check_in_from_the_home_tab_is_refused(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(sandbox, slack, "Jane Doe, MRI, today 5pm, with @dr.patel")
    slack.open_home()
    home = sandbox.standin.home(DANA)
    assert home is not None

    forge(slack, home, "Check in")

    assert status(sandbox) == "booked"
    assert refusals(sandbox) == [(VISITOR, "A-1")]
    shown = seen_by_visitor(sandbox)
    assert any(REFUSED in text for text in shown)
    assert all("Jane" not in text and "J.D." not in text for text in shown)


def test_the_preview_buttons_act_only_for_who_previewed(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Ann Bell, MRI, tomorrow 3pm")  # refusals' examples name Jane
    preview = replace(sandbox.standin.ephemerals(user=DANA)[-1])  # as it was shown, kept
    draft = next(c.element["value"] for c in choices(preview.blocks) if c.label == "Confirm")

    for label in ("Cancel", "Confirm"):
        forge(slack, replace(preview, blocks=list(preview.blocks)), label)

    with sandbox.db.session(read_only=True) as session:
        assert appointments.get_by_ref(session, TEAM, "A-1") is None
        assert drafts.get(session, TEAM, draft) is not None  # still dana's to confirm
    assert refusals(sandbox) == [(VISITOR, None), (VISITOR, None)]
    assert all("Ann" not in text and "A.B." not in text for text in seen_by_visitor(sandbox))


def test_the_clinician_may_tick_the_checklist_outside_any_care_team(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(sandbox, slack, "Omar Haddad, surgery, wednesday 7:30am, 3h, with @visitor, at OR 4")
    sandbox.move_clock(datetime(2027, 3, 2, 14, 5, tzinfo=UTC))
    checklist = dm_message(sandbox, DANA, "Pre-procedure checklist")

    forge(slack, checklist, "Signed")  # @visitor is the surgery's clinician

    with sandbox.db.session(read_only=True) as session:
        ticks = [(r.actor, r.ref) for r in audit.recent(session, TEAM) if "checklist" in r.action]
    assert ticks == [(VISITOR, "A-1")]
    assert refusals(sandbox) == []


def test_someone_not_named_on_the_visit_and_in_no_care_team_may_not_tick(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(sandbox, slack, SURGERY)
    sandbox.move_clock(datetime(2027, 3, 2, 14, 5, tzinfo=UTC))
    checklist = dm_message(sandbox, DANA, "Pre-procedure checklist")

    forge(slack, checklist, "Signed")

    with sandbox.db.session(read_only=True) as session:
        ticks = [r for r in audit.recent(session, TEAM) if "checklist" in r.action]
    assert ticks == [] and refusals(sandbox) == [(VISITOR, "A-1")]
    assert any(f"{REFUSED} tick pre-procedure checklists" in t for t in seen_by_visitor(sandbox))
    [dm] = checklists(slack)
    assert "Consent signed —" not in dm.text


def test_the_checklist_follows_the_clock_of_the_channel_the_visit_was_booked_in(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    # Dana reads New York time, as does the workspace; #cardiology-team keeps Los Angeles time.
    save(slack, {"Time zone": "America/Los_Angeles"})
    book(sandbox, slack, SURGERY)  # Wed 3 Mar, 7:30 AM New York

    sandbox.move_clock(datetime(2027, 3, 2, 14, 5, tzinfo=UTC))  # 09:05 in New York
    assert checklists(slack) == []
    sandbox.move_clock(datetime(2027, 3, 2, 17, 0, tzinfo=UTC))  # 09:00 in Los Angeles
    assert len(checklists(slack)) == 1


def test_the_booker_answers_their_own_no_show_flag_outside_any_care_team(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    visitor = slack.as_user("@visitor").in_channel("#general")
    book(sandbox, visitor, JANE)  # a new patient: anyone may book one
    sandbox.move_clock(TUESDAY_3PM + timedelta(minutes=45, hours=24))
    flag = dm_message(sandbox, VISITOR, "Was it a no-show?")

    forge(slack, flag, "No-show")  # their own DM's button, clicked by them

    assert status(sandbox) == "noshow"
    assert refusals(sandbox) == []
