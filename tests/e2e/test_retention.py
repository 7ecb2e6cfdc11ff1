"""Retention in the whole world: closed records go, open ones stay, the audit trail remains."""

from __future__ import annotations

from datetime import timedelta

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from bot.shared.retention import purge
from tests.e2e.conftest import START


def test_closed_records_go_and_their_audit_trail_stays(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jane Doe, MRI, tomorrow 3pm")
    slack.click("Confirm")
    slack.command("/appt", "cancel A-1 not needed")
    slack.command("/appt", "book Omar Haddad, MRI, friday 3pm")
    slack.click("Confirm")  # A-2 stays booked: open, however old
    slack.command("/handoff", "Jane Doe to @sam.nurse: stable overnight, recheck K+ at 6am")
    slack.as_user("@sam.nurse").click("Acknowledge")
    slack.submit({"Your read-back (synthesis)": "Recheck K+ at 6am, call if low"})
    later = START + timedelta(days=400)

    dry = purge(sandbox.db, later - timedelta(days=365), dry_run=True, now=later)
    real = purge(sandbox.db, later - timedelta(days=365), dry_run=False, now=later)

    assert dry.removed == real.removed
    assert real.removed["T0CAREBOT"] == {
        "appointments": 1,
        "handoffs": 1,
        "pre-approvals": 0,
        "patients": 1,
    }
    dana = slack.as_user("@dana")
    dana.command("/handoff", "show H-1")
    assert "There is no handoff H-1 here" in dana.last_reply().text
    dana.command("/appt", "list 2027-03-05")
    assert "A-2" in dana.last_reply().text
    dana.command("/carebot", "audit H-1")  # the trail outlives the record
    trail = dana.last_reply().text
    for action in ("handoff.create", "handoff.post", "handoff.acknowledge"):
        assert f"`{action}`" in trail
