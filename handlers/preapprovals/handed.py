"""What a new owner of a pre-approval reads: who made it theirs, and how to see it."""

from __future__ import annotations

from bot.preapprovals.handed import OPENED, Handed
from bot.shared.commands import Reply


def handed_dm(told: Handed) -> Reply:
    if told.how == OPENED:
        return Reply(
            text=f"<@{told.by}> opened *{told.ref}* and made you its owner. "
            f"`/preauth show {told.ref}` shows it; reminders come on business-day mornings."
        )
    return Reply(text=f"<@{told.by}> handed you *{told.ref}*. `/preauth show {told.ref}` shows it.")
