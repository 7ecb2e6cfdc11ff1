"""The daily digest post: today's visits, pre-approvals at risk, handoffs awaiting a read-back."""

from __future__ import annotations

from bot.digest.daily import TodaysDigest
from bot.shared.commands import Block, Reply
from bot.shared.rules.mrkdwn import mention
from bot.shared.rules.timeparse import format_date
from handlers.appointments.views import what
from handlers.preapprovals.views import context, describe, flags, section, when

SHOWN_APPOINTMENTS = 30


def render(report: TodaysDigest) -> Reply:
    zone = report.zone
    head = f":sunrise: *Today, {format_date(report.day)}*"
    if report.late:
        head += "\n_Sent late: carebot was down at the usual time. This is the catch-up._"
    blocks: list[Block] = [section(head)]
    lines = [head]
    if report.visits:
        count = len(report.visits)
        title = f"*{count} visit{'s' if count != 1 else ''} today*"
        rows = [
            f"• {when(v.start, zone)} · {v.ref} · {v.patient} · {what(v.kind, v.label)}"
            for v in report.visits[:SHOWN_APPOINTMENTS]
        ]
        if count > SHOWN_APPOINTMENTS:
            rows.append(f"…and {count - SHOWN_APPOINTMENTS} more: `/appt list today`")
        blocks.append(section(title + "\n" + "\n".join(rows)))
        lines.append(f"{count} visit(s) today")
    else:
        blocks.append(section("*No visits today.*"))
    if report.at_risk:
        rows = [
            "• "
            + describe(item, zone, service=False)
            + "".join(f"\n  {f}" for f in flags(item, zone))
            for item in report.at_risk
        ]
        blocks.append(
            section(f"*Pre-approvals at risk ({len(report.at_risk)})*\n" + "\n".join(rows))
        )
        lines.append(f"{len(report.at_risk)} pre-approval(s) at risk")
    if report.handoffs:
        rows = []
        for waiting in report.handoffs:
            to = mention(waiting.receiver_user) if waiting.receiver_user else ""
            to = to or (
                f"<!subteam^{waiting.receiver_group}>" if waiting.receiver_group else "anyone"
            )
            rows.append(
                f"• {waiting.ref} · {waiting.patient} · {waiting.severity.badge} · to {to} · "
                f"posted {when(waiting.posted_at, zone)}"
            )
        count = len(report.handoffs)
        blocks.append(section(f"*Handoffs awaiting acknowledgement ({count})*\n" + "\n".join(rows)))
        lines.append(f"{count} handoff(s) awaiting acknowledgement")
    blocks.append(context("`/preauth list at-risk` · `/appt list today` · `/handoff list`"))
    return Reply(text="\n".join(lines), blocks=blocks)
