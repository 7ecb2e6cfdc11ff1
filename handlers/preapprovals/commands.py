"""/preauth: open, chase and resolve prior authorizations."""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.preapprovals import changes, lists
from bot.preapprovals import opening as preapprovals
from bot.preapprovals.changes import Details
from bot.preapprovals.expiry import ApprovalExpiry
from bot.preapprovals.opening import NewRequest, PreauthRefused
from bot.preapprovals.reminders import OwnerRound, Renderers
from bot.preapprovals.risk import RiskCheck
from bot.preapprovals.rules.preapproval import Action
from bot.preapprovals.rules.quickform import USAGE as QUICK_USAGE
from bot.preapprovals.rules.quickform import check_payer_ref, parse_quick_request
from bot.shared.access import refuse_outside_care_team
from bot.shared.audit_trail import parse_ref
from bot.shared.commands import Ask, Command, Reply
from bot.shared.rules.mrkdwn import escape, extract_user_ids, plain_slack_text
from bot.shared.rules.patients import QuickFormError
from bot.shared.rules.timeparse import TimeParseError
from handlers.preapprovals import form as preapproval_form
from handlers.preapprovals import views
from handlers.preapprovals.cards import refresh

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.services import Care

log = logging.getLogger(__name__)

USAGE = (
    QUICK_USAGE + ", needed by friday",
    "/preauth new (on its own) opens the form",
    "/preauth submitted PA-3 [payer ref] · /preauth pended PA-3 [what they asked for]",
    "/preauth approve PA-3 AUTH-12345 [units 12] [from 2027-03-01] [until 2027-06-30]",
    "/preauth partial PA-3 AUTH-12345 [units 6] [until 2027-04-30]",
    "/preauth deny PA-3 not medically necessary · /preauth appeal PA-3",
    "/preauth cancel PA-3 · /preauth notrequired PA-3 · /preauth expired PA-3",
    "/preauth assign PA-3 @sam.nurse · /preauth note PA-3 faxed the clinicals",
    changes.SNOOZE_USAGE,
    lists.LIST_USAGE + " · /preauth show PA-3",
)
STATUS_VERBS = {
    "submitted": Action.SUBMIT,
    "submit": Action.SUBMIT,
    "pended": Action.PEND,
    "pend": Action.PEND,
    "approve": Action.APPROVE,
    "approved": Action.APPROVE,
    "partial": Action.PARTIAL,
    "deny": Action.DENY,
    "denied": Action.DENY,
    "appeal": Action.APPEAL,
    "appealed": Action.APPEAL,
    "cancel": Action.CANCEL,
    "notrequired": Action.NOT_REQUIRED,
    "not-required": Action.NOT_REQUIRED,
    "expired": Action.EXPIRE,
}
# approve PA-3 AUTH-1 units 12 from 2027-03-01 until 2027-06-30: the auth number runs to a keyword.
_APPROVAL = re.compile(
    r"^(?P<auth>.*?)(?:\s+units?\s+(?P<units>\S+))?(?:\s+from\s+(?P<start>.+?))?"
    r"(?:\s+(?:until|to|valid to)\s+(?P<end>.+?))?$",
    re.IGNORECASE,
)


def register(app: App, care: Care) -> None:
    care.commands.add(
        Command(
            "preauth",
            "Track pre-approvals (prior authorizations) until resolved",
            USAGE,
            lambda ask: run(care, ask),
        )
    )
    renderers = Renderers(round=views.round_dm, risk=views.risk_post)
    care.add_reminder_kind(OwnerRound(care, renderers))
    care.add_reminder_kind(RiskCheck(care, renderers))
    care.add_reminder_kind(
        ApprovalExpiry(care, lambda team, item: refresh(care, care.slack, team, item))
    )


def run(care: Care, ask: Ask) -> Reply | None:
    verb, _, rest = ask.text.strip().partition(" ")
    verb, rest = verb.lower(), rest.strip()
    try:
        if verb in ("", "new") and not rest:
            return preapproval_form.open_form(care, ask)
        if verb == "new":
            return _quick(care, ask, rest)
        if verb in ("list", "show"):
            doing = "look up pre-approvals" if verb == "show" else "list pre-approvals"
            ref = parse_ref(rest) if verb == "show" else None
            refused = refuse_outside_care_team(care, ask, doing, ref)
            if refused is not None:
                return refused
        if verb == "list":
            return views.item_list(lists.list_items(care, ask.team_id, ask.user_id, rest))
        if verb == "show":
            zone = care.people.timezone(ask.team_id, ask.user_id)
            item = lists.show(care, ask.team_id, rest)
            return views.shown(item, zone)
        ref, _, more = rest.partition(" ")
        more = more.strip()
        if verb in STATUS_VERBS or verb in ("assign", "snooze", "note"):
            # A change answers with the patient, and only a care team changes requests.
            refused = refuse_outside_care_team(care, ask, "change pre-approvals", parse_ref(ref))
            if refused is not None:
                return refused
        if verb in STATUS_VERBS:
            return _status(care, ask, ref, STATUS_VERBS[verb], more)
        if verb == "assign":
            users = extract_user_ids(more)
            change = changes.assign(
                care, ask.team_id, ask.user_id, ref, users[0] if users else None
            )
            _tell_new_owner(care, ask.user_id, change)
            return _after(care, ask, change)
        if verb == "snooze":
            return _after(
                care,
                ask,
                changes.snooze(care, ask.team_id, ask.user_id, ref, plain_slack_text(more)),
            )
        if verb == "note":
            return _after(
                care, ask, changes.note(care, ask.team_id, ask.user_id, ref, plain_slack_text(more))
            )
    except (PreauthRefused, QuickFormError) as refused:
        return Reply(text=escape(str(refused)))
    return Reply(
        text=f"I don't know `/preauth {escape(verb)}`. Try:\n" + "\n".join(f"`{u}`" for u in USAGE)
    )


def _quick(care: Care, ask: Ask, text: str) -> Reply:
    typed = parse_quick_request(text)
    if typed.patient.ref:  # what was understood would show the patient behind the ref
        doing = "open a pre-approval for an existing patient"
        refused = refuse_outside_care_team(care, ask, doing, parse_ref(typed.patient.ref))
        if refused is not None:
            return refused
    zone = care.people.timezone(ask.team_id, ask.user_id)
    needed_by = None
    if typed.needed_by:
        try:
            needed_by = care.times.parse(typed.needed_by, care.clock.now(), zone).at
        except TimeParseError as error:
            raise PreauthRefused(f"Needed by: {error}") from None
    request = NewRequest(
        patient=typed.patient,
        payer=typed.payer,
        service=typed.service,
        service_codes=typed.service_codes,
        diagnosis_codes=typed.diagnosis_codes,
        appointment_ref=typed.appointment_ref,
        owner=typed.owner,
        needed_by=needed_by,
        urgency=typed.urgency,
        payer_ref=typed.payer_ref,
    )
    item = preapprovals.create(care, ask.team_id, ask.user_id, ask.channel_id, request)
    if item.owner != ask.user_id:
        _dm(
            care,
            item.owner,
            f"<@{ask.user_id}> opened *{item.ref}* and made you its owner. "
            f"`/preauth show {item.ref}` shows it; reminders come on business-day mornings.",
        )
    return views.created(item, zone)


def _status(care: Care, ask: Ask, ref: str, action: Action, more: str) -> Reply:
    zone = care.people.timezone(ask.team_id, ask.user_id)
    details = Details()
    text = plain_slack_text(more)
    if action is Action.SUBMIT:
        details = Details(payer_ref=_payer_ref(text))
    elif action in (Action.APPROVE, Action.PARTIAL):
        details = approval_details(care, text, zone)
    elif action is Action.DENY:
        details = Details(reason=text)
    noted = f"{action.value}: {' '.join(text.split())}"
    if action in (Action.PEND, Action.CANCEL) and len(noted) > changes.MAX_NOTE_CHARS:
        # Checked first: the status must not change when its note is then refused.
        raise PreauthRefused(
            f"A note is at most {changes.MAX_NOTE_CHARS} characters; that one has {len(noted)}."
        )
    change = changes.act(care, ask.team_id, ask.user_id, ref, action, details)
    if action in (Action.PEND, Action.CANCEL) and text:
        changes.note(care, ask.team_id, ask.user_id, ref, noted)
    return _after(care, ask, change)


def _payer_ref(text: str) -> str | None:
    try:
        return check_payer_ref(text)
    except QuickFormError as error:
        raise PreauthRefused(str(error)) from None


def approval_details(care: Care, text: str, zone: ZoneInfo) -> Details:
    """ "AUTH-1 units 12 from 2027-03-01 until 2027-06-30" as the approval's details."""
    found = _APPROVAL.match(text.strip())
    if found is None or not found["auth"]:
        raise PreauthRefused(
            "Give the auth number. Example: /preauth approve PA-3 AUTH-12345 until 2027-06-30"
        )
    units = None
    if found["units"]:
        if not found["units"].isdigit() or not 0 < int(found["units"]) < 100000:
            raise PreauthRefused(f'"{found["units"]}" is not a number of units. Example: units 12')
        units = int(found["units"])
    return Details(
        auth_number=found["auth"].strip(),
        approved_units=units,
        valid_from=_day(care, found["start"], zone),
        valid_to=_day(care, found["end"], zone),
    )


def _day(care: Care, text: str | None, zone: ZoneInfo) -> date | None:
    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise PreauthRefused(f'"{text}" is not a date. Example: until 2027-06-30') from None
    try:
        return care.times.parse(text, care.clock.now(), zone).at.astimezone(zone).date()
    except TimeParseError as error:
        raise PreauthRefused(str(error)) from None


def _after(care: Care, ask: Ask, change: changes.Changed) -> Reply:
    """Redraw what showed the request, and tell the person what happened."""
    refresh(care, care.slack, ask.team_id, change.item)
    return views.changed(change, care.people.timezone(ask.team_id, ask.user_id))


def _tell_new_owner(care: Care, by: str, change: changes.Changed) -> None:
    item = change.item
    if item.owner != by:
        _dm(
            care,
            item.owner,
            f"<@{by}> handed you *{item.ref}*. `/preauth show {item.ref}` shows it.",
        )


def _dm(care: Care, user: str, text: str) -> None:
    try:
        care.slack.chat_postMessage(channel=user, text=text)
    except Exception as error:  # a courtesy; the rounds will reach them anyway
        log.info("could not DM a new owner: %s", type(error).__name__)
