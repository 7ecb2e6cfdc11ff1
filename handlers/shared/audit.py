"""/carebot audit H-7: who did what and when to one record, for admins, just to them."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

from bot.shared.access import Actor
from bot.shared.audit_trail import AuditTrail, Entry, Trail, parse_ref
from bot.shared.commands import Ask, Command, CommandRegistry, Reply
from bot.shared.rules.mrkdwn import date_token, escape, quoted
from handlers.kit.blocks import Block, context, section

if TYPE_CHECKING:
    pass

USAGE = "/carebot audit H-7"
SECTION_CHARS = 2900  # Slack's limit is 3,000 per section; keep a margin
EXAMPLE = (
    f"Name one record, like `{USAGE}` (patients P-12, appointments A-12, handoffs H-7, "
    "pre-approvals PA-31)."
)


def register(verbs: CommandRegistry, trail: AuditTrail) -> None:
    verbs.add(
        Command(
            name="audit",
            summary="Who did what and when to a record (admins only)",
            usage=(
                "/carebot audit P-12|A-12|H-7|PA-31: who did what to a record, and when (admins)",
            ),
            run=lambda ask: on_audit(trail, ask),
        )
    )


def on_audit(audit_trail: AuditTrail, ask: Ask) -> Reply:
    ref = parse_ref(ask.text)
    trail = audit_trail.read(Actor.of(ask), ref)
    if trail is None:
        typed = quoted(ask.text)
        said = f"`{typed}` is not a record ref. " if typed else ""
        return Reply(text=f"{said}{EXAMPLE}")
    if not trail.entries:
        return Reply(text=f"There is no record of {ref} in this workspace's audit trail.")
    return render(trail)


def render(trail: Trail) -> Reply:
    """Newest first, one line per entry, packed into sections under Slack's size limits."""
    title = f"*Audit trail of {trail.kind} {trail.ref}*, newest first"
    lines = [line(entry, trail.ref) for entry in trail.entries]
    blocks: list[Block] = [section(title)]
    chunk: list[str] = []
    for text in lines:
        if chunk and len("\n".join([*chunk, text])) > SECTION_CHARS:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(text)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    if trail.total > len(trail.entries):
        blocks.append(
            context(
                f"Showing the newest {len(trail.entries)} of {trail.total} entries. "
                "Your IT admin can export them all: `carebot audit export --since <date>`."
            )
        )
    return Reply(text="\n".join([title, *lines]), blocks=blocks)


def line(entry: Entry, shown_ref: str) -> str:
    at = entry.at.astimezone(UTC)
    parts = [
        date_token(at, at.strftime("%Y-%m-%d %H:%M UTC")),
        _actor(entry.actor),
        f"`{entry.action}`",
    ]
    if entry.ref and entry.ref != shown_ref:  # a patient's trail covers its visits and handoffs
        parts.append(entry.ref)
    if entry.channel_id:
        parts.append(f"in {_channel(entry.channel_id)}")
    return " · ".join(parts)


def _actor(actor: str) -> str:
    return f"<@{actor}>" if actor[:1] in ("U", "W") and actor.isupper() else escape(actor)


def _channel(channel_id: str) -> str:
    return f"<#{channel_id}>" if channel_id[:1] in ("C", "G", "D") else escape(channel_id)
