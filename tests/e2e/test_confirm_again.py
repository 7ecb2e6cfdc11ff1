"""A preview confirmed again answers with the visit it booked (issue 12, item 8).

A double click, a retry after a crash between the booking and its reply, or a click on a
preview that already booked: the booker hears "Already booked: A-1 ..." with the visit as
it stands, nothing is booked twice, and nobody is told the preview expired. Anyone else
pressing that button gets the refusal they always got.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.appointments.booking import AlreadyBooked, Booked, Preview
from bot.appointments.confirming import Confirming
from bot.sandbox.driver import Seen, SlackDriver
from bot.sandbox.world import Sandbox
from bot.shared.access import Actor
from storage import audit
from storage.appointments import queries as appointments
from tests.e2e.nonmember import Forger, Refs

TEAM = "T0CAREBOT"
# START is Mon 1 Mar 2027, 2:00 PM in New York, where dana works.
JANE = "Jane Doe, MRI, tomorrow 3pm, 45 min, with @dr.patel, at Radiology 2"
ALREADY = (
    ":white_check_mark: Already booked: *A-1* for Jane Doe (P-1): MRI (imaging), "
    "Tue 2 Mar 2027, 3:00"
)
EXPIRED = "expired or was already used"


def booked_refs(sandbox: Sandbox) -> list[str]:
    with sandbox.db.session(read_only=True) as session:
        return [
            ref for ref in ("A-1", "A-2") if appointments.get_by_ref(session, TEAM, ref) is not None
        ]


def draft_of(preview: Seen) -> str:
    return next(
        str(e["value"])
        for b in preview.blocks
        for e in b.get("elements", ())
        if e.get("action_id") == "appt_confirm"
    )


def crash_after_the_booking(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next Confirm books and commits, then the process dies before it replies."""
    confirming = sandbox.runtime.services.appointments.confirming
    real = Confirming.confirm.__get__(confirming)

    def dies_after_commit(
        actor: Actor, draft_id: str, *, shift: bool = False
    ) -> Booked | AlreadyBooked | Preview:
        real(actor, draft_id, shift=shift)
        monkeypatch.undo()  # only the first one dies
        raise ConnectionAbortedError("killed after the commit")

    monkeypatch.setattr(confirming, "confirm", dies_after_commit)


def test_confirm_again_after_a_crash_answers_with_the_booking_it_made(
    sandbox: Sandbox, slack: SlackDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack.command("/appt", f"book {JANE}")
    preview = slack.last_reply()
    crash_after_the_booking(sandbox, monkeypatch)

    slack.click("Confirm", in_message=preview)
    assert booked_refs(sandbox) == ["A-1"]
    assert "Booked *A-1*" not in slack.last_reply().text  # the reply never came

    slack.click("Confirm", in_message=preview)

    told = slack.last_reply().text
    assert told.startswith(ALREADY) and "Nothing was booked twice." in told
    assert EXPIRED not in told
    assert booked_refs(sandbox) == ["A-1"]


def test_a_double_click_books_once_and_never_says_expired(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", f"book {JANE}")
    preview = slack.last_reply()

    first, second = slack.double_click("Confirm", in_message=preview)

    assert first.ok and second.ok
    assert booked_refs(sandbox) == ["A-1"]
    assert len(slack.messages("#cardiology-team")) == 1
    told = slack.last_reply().text
    assert "*A-1* for Jane Doe (P-1)" in told and EXPIRED not in told


def test_confirm_again_shows_the_visit_as_it_stands_now(
    sandbox: Sandbox, slack: SlackDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack.command("/appt", f"book {JANE}")
    preview = slack.last_reply()
    crash_after_the_booking(sandbox, monkeypatch)
    slack.click("Confirm", in_message=preview)
    slack.command("/appt", "move A-1 tomorrow 4pm")
    slack.command("/appt", "cancel A-1 patient called")

    slack.click("Confirm", in_message=preview)

    told = slack.last_reply().text
    assert "Already booked: *A-1*" in told and "4:00" in told
    assert "It is cancelled now." in told
    assert booked_refs(sandbox) == ["A-1"]


def test_the_other_buttons_of_a_used_preview_say_what_it_booked(
    sandbox: Sandbox, slack: SlackDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack.command("/appt", f"book {JANE}")
    preview = slack.last_reply()
    crash_after_the_booking(sandbox, monkeypatch)
    slack.click("Confirm", in_message=preview)

    slack.click("Cancel", in_message=preview)

    told = slack.last_reply().text
    assert told.startswith("That preview already booked A-1; nothing more was done.")
    assert "/appt cancel A-1" in told and "Not booked" not in told
    with sandbox.db.session(read_only=True) as session:
        row = appointments.get_by_ref(session, TEAM, "A-1")
        assert row is not None and row.status == "booked"


def test_someone_else_pressing_a_used_preview_gets_the_usual_refusal(
    sandbox: Sandbox, slack: SlackDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack.command("/appt", f"book {JANE}")
    preview = slack.last_reply()
    crash_after_the_booking(sandbox, monkeypatch)
    slack.click("Confirm", in_message=preview)
    forger = Forger(sandbox, Refs(draft=draft_of(preview), item=0, slot=""))

    forger._mark()
    seen: Any = forger.outcome(
        forger.click("appt_confirm", draft_of(preview), block_id="appt_preview")
    )

    assert any(EXPIRED in text for text in seen.seen)
    assert not any("A-1" in text for text in seen.seen + seen.elsewhere)
    with sandbox.db.session(read_only=True) as session:
        assert "access.refused" in [r.action for r in audit.recent(session, TEAM)]
    assert booked_refs(sandbox) == ["A-1"]
