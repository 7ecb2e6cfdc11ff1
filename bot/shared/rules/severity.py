"""I-PASS illness severity: shown on handoffs and digests, and the key of escalation ladders."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """I-PASS illness severity."""

    STABLE = "stable"
    WATCHER = "watcher"
    UNSTABLE = "unstable"

    @property
    def badge(self) -> str:
        """How a card shows it at a glance."""
        return {"stable": "🟢 Stable", "watcher": "🟡 Watcher", "unstable": "🔴 Unstable"}[self]
