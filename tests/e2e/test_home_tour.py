"""The README's Home tab tour, typed at the sandbox prompt."""

from __future__ import annotations

from bot.sandbox.world import Sandbox
from tests.e2e.test_sandbox_tour import tour

HOME_TOUR = """\
/handoff Jane Doe to @sam.nurse: stable overnight, recheck K+ at 6am
as @sam.nurse
home
home click Acknowledge
fill Your read-back = Recheck K+ at 6am, call if it drops
submit
"""


def test_open_my_day_and_acknowledge_from_it(sandbox: Sandbox) -> None:
    shown = tour(sandbox, HOME_TOUR)

    assert "!" not in [line[:1] for line in shown.splitlines()], shown  # no shell errors
    opened, acknowledged = shown.split("sam.nurse@#cardiology-team> submit")
    assert "home for @sam.nurse:" in opened and "== My day ==" in opened
    assert "Welcome to carebot" in opened and "`/handoff`" in opened
    assert "*H-1* 🟢 Stable · J.D. (P-1)" in opened and "[1 Acknowledge]" in opened
    assert "Jane Doe" not in opened.split("home for @sam.nurse:")[1]  # initials on the tab
    assert "[modal] Acknowledge H-1" in opened
    # The read-back redraws the card and, without opening it again, the Home tab.
    assert "✅ *Acknowledged* by @sam.nurse" in acknowledged
    assert "home for @sam.nurse:" in acknowledged and "No handoffs waiting for you." in acknowledged
