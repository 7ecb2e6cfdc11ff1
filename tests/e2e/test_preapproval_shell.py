"""A newcomer at the sandbox prompt: open a pre-approval, watch the nag, snooze it, approve it."""

from __future__ import annotations

import io

from bot.sandbox.shell import SandboxShell
from bot.sandbox.world import Sandbox
from storage.preapprovals import queries as preapprovals

# The script the README shows; START is Mon 1 Mar 2027, 2:00 PM in New York, where dana is.
SCRIPT = """\
/preauth new Jane Doe, Aetna, MRI lumbar spine 72148, needed by friday
time +3d
in dm
click Snooze 1 day
time +3d
click Approved...
fill Auth number = AUTH-12345
submit
/preauth list all
"""


def test_a_newcomer_opens_one_sees_the_nag_snoozes_and_approves(sandbox: Sandbox) -> None:
    out = io.StringIO()
    shell = SandboxShell(sandbox.driver, on_time=sandbox.move_clock, now=sandbox.clock.now, out=out)

    shell.run(SCRIPT.splitlines())

    printed = out.getvalue()
    assert "!" not in "".join(line[:1] for line in printed.splitlines())  # no refusals
    assert "Opened *PA-1*" in printed
    assert "*Needed by:* Fri 5 Mar 2027\n" in printed  # a day typed without a time stays a day
    assert "preauth-round:" not in printed  # the sweep's bookkeeping is not shown; its DMs are
    nags = "DM to @dana · carebot\n  :clipboard: *1 pre-approval needs your attention*"
    assert printed.count(nags) == 2  # before the snooze and after it
    assert "Snoozed until" in printed
    assert "modal for @dana:" in printed and "Approve PA-1" in printed
    assert "is approved by @dana · auth AUTH-12345" in printed
    with sandbox.db.session(read_only=True) as session:
        row = preapprovals.get_by_ref(session, "T0CAREBOT", "PA-1")
        assert row is not None and (row.status, row.auth_number) == ("approved", "AUTH-12345")
