"""A newcomer's tours of the sandbox, as the README shows them, typed at its prompt."""

from __future__ import annotations

import io

from bot.sandbox.shell import SandboxShell
from bot.sandbox.world import Sandbox

HANDOFF_TOUR = """\
/handoff Jane Doe unstable to @sam.nurse: BP 82/50, new since 14:00
time +10m
as @sam.nurse
in dm
click Acknowledge
fill Your read-back = BP soft, will reassess in 15 min and call if < 80
submit
time +2h
"""


def tour(sandbox: Sandbox, script: str) -> str:
    out = io.StringIO()
    shell = SandboxShell(sandbox.driver, on_time=sandbox.move_clock, now=sandbox.clock.now, out=out)
    shell.run(script.splitlines())
    return out.getvalue()


def test_post_a_handoff_watch_it_escalate_and_acknowledge_it(sandbox: Sandbox) -> None:
    shown = tour(sandbox, HANDOFF_TOUR)

    assert "!" not in [line[:1] for line in shown.splitlines()], shown  # no shell errors
    assert "🔴 Unstable · Handoff H-1" in shown
    assert "handoff-escalation:" not in shown  # the sweep's bookkeeping is not shown
    assert "DM to @sam.nurse" in shown and "is waiting for your acknowledgement" in shown
    assert "✅ *Acknowledged* by @sam.nurse" in shown
    assert ">BP soft, will reassess in 15 min and call if &lt; 80" not in shown
    assert ">BP soft, will reassess in 15 min and call if < 80" in shown
    # Once acknowledged, nothing more: the last clock move shows nothing after it.
    assert shown.rstrip().splitlines()[-1].startswith("time is now")
