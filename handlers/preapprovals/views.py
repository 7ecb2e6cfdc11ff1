"""Block Kit for pre-approvals: lines, round DMs, risk posts, lists, replies. No Slack calls."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.preapprovals.changes import Changed
from bot.preapprovals.lists import ItemList
from bot.preapprovals.opening import Item
from bot.preapprovals.reminders import RiskPost, RoundDM
from bot.preapprovals.rules.preapproval import RESOLVED, WORDS, Status, Urgency
from bot.preapprovals.rules.timing import Risk
from bot.shared.commands import Block, Reply
from bot.shared.rules.mrkdwn import date_token, escape, mention, truncate
from bot.shared.rules.timeparse import format_date, format_when
from handlers.preapprovals.series_words import coverage_words, series_count

SECTION_MAX = 3000
RISK_LINES = 8  # requests per section of a risk post: 8 long lines stay under 3,000
BLOCK_PREFIX = "preauth:"  # the actions block of one request: preauth:PA-3
SNOOZES = (("1d", "Snooze 1 day"), ("3d", "Snooze 3 days"), ("1w", "Snooze 1 week"))
ICONS = {
    Status.APPROVED: ":white_check_mark:",
    Status.PARTIAL: ":large_yellow_circle:",
    Status.DENIED: ":x:",
    Status.CANCELLED: ":heavy_minus_sign:",
    Status.NOT_REQUIRED: ":heavy_minus_sign:",
}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_MAX)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 3000)}]}


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text[:75]}


def _button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": _plain(label),
        "action_id": action_id,
        "value": value,
    }
    return button | ({"style": style} if style else {})


def when(at: datetime, zone: ZoneInfo) -> str:
    """A date Slack shows in each reader's zone, with the reader's as fallback."""
    if at.utcoffset() is None:
        raise ValueError("display needs a timezone-aware datetime")
    return _when(at.astimezone(UTC), zone)  # in UTC, an instant is one key (no fold)


@lru_cache(maxsize=4096)  # a list shows the same requests' times on every call
def _when(at: datetime, zone: ZoneInfo) -> str:
    return date_token(at, format_when(at, zone))


def needed(at: datetime, zone: ZoneInfo, *, token: bool = True) -> str:
    """A needed-by time; a day typed without a time (stored as its midnight) stays a plain day,
    since a time token would show a reader to the west the day before."""
    if at.utcoffset() is None:
        raise ValueError("display needs a timezone-aware datetime")
    return _needed(at.astimezone(UTC), zone, token)


@lru_cache(maxsize=4096)
def _needed(at: datetime, zone: ZoneInfo, token: bool) -> str:
    local = at.astimezone(zone)
    if (local.hour, local.minute) == (0, 0):
        return format_date(local.date())
    return when(at, zone) if token else format_when(at, zone)


def flags(item: Item, zone: ZoneInfo) -> list[str]:
    """What makes a request stand out: risk, the payer's clock, a short approval, a snooze."""
    found = []
    if item.uncovered:  # approved, but not for every visit of its series
        icon = {
            Risk.URGENT: ":rotating_light: *URGENT*: ",
            Risk.AT_RISK: ":warning: *At risk*: ",
        }.get(item.risk, ":calendar: ")
        found.append(icon + coverage_words(item))
    elif item.risk is Risk.PAST_DUE and item.needed_by is not None:
        found.append(
            f":red_circle: *PAST DUE*: needed {when(item.needed_by, zone)} and not approved"
        )
    elif item.risk is Risk.URGENT:
        found.append(":rotating_light: *URGENT*: needed within a day and not approved")
    elif item.risk is Risk.AT_RISK:
        found.append(":warning: *At risk*: needed within 3 business days and not approved")
    if item.late and item.deadline is not None:
        found.append(
            f":hourglass: Past the payer's decision clock ({when(item.deadline, zone)}): "
            "*follow up with the payer*"
        )
    if item.expires_too_soon and item.valid_to is not None:
        found.append(
            f":calendar: The approval ends {format_date(item.valid_to)}, before it is needed"
        )
    if item.snoozed_until is not None:
        found.append(f":zzz: Snoozed until {when(item.snoozed_until, zone)}")
    return found


def describe(item: Item, zone: ZoneInfo, *, service: bool = True) -> str:
    """ "*PA-3* · J.D. (P-1) · Aetna · MRI (72148) · needed by ... · owner @dana · submitted"."""
    parts = [f"*{item.ref}*", item.patient]
    if service:
        shown = escape(item.service)
        if item.service_codes:
            shown += f" ({escape(item.service_codes)})"
        parts += [escape(item.payer), shown]
    if item.needed_by is not None:
        visit = f" ({item.appointment or item.series})" if item.appointment or item.series else ""
        parts.append(f"needed by {needed(item.needed_by, zone)}{visit}")
    elif item.series:
        parts.append(f"for {item.series}")
    parts.append(f"owner {mention(item.owner)}")
    state = WORDS[item.status]
    if item.urgency is Urgency.EXPEDITED:
        state += ", expedited"
    parts.append(f"_{state}_")
    return " · ".join(parts)


def outcome(item: Item, zone: ZoneInfo) -> str:
    """How a resolved request ended, for the messages that showed it."""
    icon = ICONS.get(item.status, ":information_source:")
    text = f"{icon} *{item.ref}* ({item.patient}) is {WORDS[item.status]}"
    if item.resolved_by:
        text += f" by {mention(item.resolved_by)}"
    if item.auth_number:
        text += f" · auth {escape(item.auth_number)}"
    if item.approved_units is not None:
        text += f" · {item.approved_units} units"
    if item.valid_to is not None:
        text += f" · valid until {format_date(item.valid_to)}"
    if item.status is Status.DENIED and item.denial_reason:
        text += f" · reason: {escape(item.denial_reason)}"
    return text


def detail(item: Item, zone: ZoneInfo) -> str:
    """Everything about one request, for its owner or an ephemeral lookup."""
    lines = [describe(item, zone), *flags(item, zone)]
    if item.coverage is not None:
        lines.insert(1, f"Series {item.series}: {series_count(item)}")
    if item.status in RESOLVED:
        lines.insert(0, outcome(item, zone))
    if item.diagnosis_codes:
        lines.append(f"Diagnosis: {escape(item.diagnosis_codes)}")
    if item.payer_ref:
        lines.append(f"Payer ref: {escape(item.payer_ref)}")
    if item.submitted_at:
        lines.append(f"Submitted: {when(item.submitted_at, zone)}")
    for note in item.notes[-3:]:
        lines.append(f"> {escape(note.text)} — {mention(note.author)}, {when(note.at, zone)}")
    return "\n".join(lines)


def actions(item: Item) -> Block:
    """The buttons on an open request: Submitted, Approved..., Denied..., Snooze, Reassign."""
    ref = item.ref
    elements: list[Block] = []
    if item.status in (Status.NOT_STARTED, Status.PENDED, Status.EXPIRED):
        elements.append(_button("Submitted", "preauth_submitted", ref))
    elements += [
        _button("Approved...", "open_preauth_approve", ref, "primary"),
        _button("Denied...", "open_preauth_deny", ref, "danger"),
        {
            "type": "static_select",
            "action_id": "preauth_snooze",
            "placeholder": _plain("Snooze"),
            "options": [
                {"text": _plain(label), "value": f"{ref}|{span}"} for span, label in SNOOZES
            ],
        },
        {
            "type": "users_select",
            "action_id": "preauth_reassign",
            "placeholder": _plain("Reassign..."),
        },
    ]
    return {"type": "actions", "block_id": f"{BLOCK_PREFIX}{ref}", "elements": elements}


def item_blocks(item: Item, zone: ZoneInfo, *, service: bool = True) -> list[Block]:
    if item.status in RESOLVED and not item.falls_short:
        return [section(outcome(item, zone))]
    text = "\n".join([describe(item, zone, service=service), *flags(item, zone)])
    return [section(text), actions(item)]


def shown(item: Item, zone: ZoneInfo) -> Reply:
    """`/preauth show PA-3`: everything about it, with its buttons while it is open."""
    text = detail(item, zone)
    blocks = [section(text)]
    if item.status not in RESOLVED:
        blocks.append(actions(item))
    return Reply(text=text, blocks=blocks)


def round_dm(dm: RoundDM) -> Reply:
    """One owner's reminder: what is pending, most urgent first, each with its buttons."""
    count = len(dm.items) + dm.more
    noun = "pre-approval needs" if count == 1 else "pre-approvals need"
    head = f":clipboard: *{count} {noun} your attention*"
    if dm.late:
        head += "\n_Sent late: carebot was down at the usual time. This is the catch-up._"
    return _listing(head, dm.items, dm.zone, dm.more, "/preauth list mine")


def risk_post(post: RiskPost) -> Reply:
    """The care team's heads-up: visits coming up whose pre-approval is not in.

    One line per request, no buttons (they are in the owner's DM), a few lines per section,
    so a hundred requests still fit Slack's 50 blocks.
    """
    urgent = any(i.risk >= Risk.URGENT for i in post.items)
    icon = ":rotating_light:" if urgent else ":warning:"
    late = any(i.risk is Risk.PAST_DUE for i in post.items)
    plural = "s" if len(post.items) != 1 else ""
    head = f"{icon} *Pre-approval{plural} {'past due' if late else 'at risk'}*"
    owners = ", ".join(dict.fromkeys(mention(i.owner) for i in post.items))
    head += f" — {owners}, please check:"
    lines = []
    for item in post.items:
        if item.status in RESOLVED and not item.falls_short:
            lines.append(outcome(item, post.zone))
        else:
            shown = [describe(item, post.zone, service=False), *flags(item, post.zone)]
            lines.append("\n    ".join(shown))
    blocks = [section(head)]
    blocks += [
        section("\n".join(lines[i : i + RISK_LINES])) for i in range(0, len(lines), RISK_LINES)
    ]
    blocks.append(
        context("`/preauth list at-risk` lists them; the owners have buttons in their DM.")
    )
    text = head + "\n" + "\n".join(f"{i.ref} {WORDS[i.status]}" for i in post.items)
    return Reply(text=truncate(text, 3000), blocks=blocks[:50])


def _listing(
    head: str,
    items: tuple[Item, ...],
    zone: ZoneInfo,
    more: int,
    command: str,
    *,
    service: bool = True,
) -> Reply:
    blocks: list[Block] = [section(head)]
    lines = [head]
    for item in items:
        blocks += item_blocks(item, zone, service=service)
        lines.append(f"{item.ref} {WORDS[item.status]}")
    if more:
        blocks.append(context(f"…and {more} more: `{command}` lists them all."))
    return Reply(text=truncate("\n".join(lines), 3000), blocks=blocks)


def redraw(kind: str, items: list[Item], zone: ZoneInfo, owner: str | None) -> Reply:
    """A message that showed these requests, drawn again from how they stand now."""
    if kind == "risk":
        return risk_post(RiskPost("", tuple(items), zone))
    open_count = sum(1 for i in items if i.status not in RESOLVED)
    head = (
        f":clipboard: *Pre-approvals for {mention(owner)}*"
        if owner
        else ":clipboard: *Pre-approvals*"
    )
    if open_count == 0:
        head += " — all resolved :tada:"
    return _listing(head, tuple(items), zone, 0, "/preauth list mine")


def created(item: Item, zone: ZoneInfo) -> Reply:
    """What was understood, shown back to whoever opened the request, with Undo."""
    lines = [f":white_check_mark: Opened *{item.ref}* — here is what I understood:"]
    lines.append(f"*Patient:* {item.patient}")
    lines.append(f"*Payer:* {escape(item.payer)}")
    service = escape(item.service)
    if item.service_codes:
        service += f" · codes {escape(item.service_codes)}"
    lines.append(f"*Service:* {service}")
    if item.diagnosis_codes:
        lines.append(f"*Diagnosis:* {escape(item.diagnosis_codes)}")
    if item.needed_by is not None:
        visit = f" (visit {item.appointment})" if item.appointment else ""
        if item.series:
            visit = f" (the first visit of {item.series} ahead)"
        lines.append(f"*Needed by:* {needed(item.needed_by, zone, token=False)}{visit}")
    if item.coverage is not None:
        lines.append(f"*Series:* {item.series}, {series_count(item)}")
    lines.append(f"*Owner:* {mention(item.owner)}")
    lines.append(f"*Urgency:* {item.urgency.value}")
    if item.payer_ref:
        lines.append(f"*Payer ref:* {escape(item.payer_ref)}")
    for note in item.notes:
        lines.append(f"*Notes:* {escape(note.text)}")
    lines += flags(item, zone)
    text = "\n".join(lines)
    undo = {"type": "actions", "block_id": f"preauth_undo:{item.ref}",
            "elements": [_button("Undo", "preauth_undo", item.ref)]}  # fmt: skip
    hint = context(
        f"Reminders come to {mention(item.owner)} on business-day mornings until it is resolved. "
        f"Next: `/preauth submitted {item.ref} [payer ref]`."
    )
    return Reply(text=text, blocks=[section(text), undo, hint])


def changed(change: Changed, zone: ZoneInfo) -> Reply:
    item = change.item
    if item.status in RESOLVED:
        text = outcome(item, zone)
    elif item.status != change.before:
        text = f":arrows_counterclockwise: *{item.ref}* is now _{WORDS[item.status]}_."
    else:
        text = f":ok_hand: *{item.ref}* updated."
    body = [text, describe(item, zone), *flags(item, zone)]
    if change.note:
        body.append(f":information_source: {change.note}")
    full = "\n".join(body)
    return Reply(text=full, blocks=[section(full)])


def item_list(listing: ItemList) -> Reply:
    if not listing.items:
        return Reply(text=listing.empty)
    head = f"*{listing.title}* ({len(listing.items)}), most urgent first:"
    shown = listing.items[:40]
    blocks = [section(head), *(section(detail(i, listing.zone)) for i in shown)]
    if len(listing.items) > len(shown):
        blocks.append(context(f"…and {len(listing.items) - len(shown)} more."))
    text = "\n".join([head, *(f"{i.ref} {WORDS[i.status]}" for i in shown)])
    return Reply(text=text, blocks=blocks)
