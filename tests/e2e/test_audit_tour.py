"""The README's audit tour, typed at the sandbox prompt: dana is an admin, sam is not."""

from __future__ import annotations

from bot.sandbox.world import Sandbox
from tests.e2e.test_sandbox_tour import tour

AUDIT_TOUR = """\
/handoff Jane Doe to @sam.nurse: stable overnight, recheck K+ at 6am
/carebot audit H-1
as @sam.nurse
/carebot audit H-1
"""


def test_dana_reads_a_handoffs_trail_and_sam_is_refused(sandbox: Sandbox) -> None:
    shown = tour(sandbox, AUDIT_TOUR)

    assert "!" not in [line[:1] for line in shown.splitlines()], shown  # no shell errors
    dana, sam = shown.split("sam.nurse@#cardiology-team> /carebot audit H-1")
    assert "*Audit trail of handoff H-1*, newest first" in dana
    assert "@dana · `handoff.post` · in #cardiology-team" in dana
    assert "Sorry, only carebot admins can read the audit trail." in sam
    assert "handoff.post" not in sam
