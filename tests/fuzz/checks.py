"""What counts as a failure in what carebot sent: broadcasts, generic apologies, refusals by Slack.

Each check reads the stand-in's record of calls (`ApiCall`), so the property tests and
`make fuzz` judge the same things the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from bot.sandbox import limits
from bot.sandbox.standin import ApiCall

# A mention that notifies a whole channel or workspace. carebot itself builds only one
# kind of group mention, a handoff's receiver (`<!subteam^S0SOCWORK>`, no label, a group
# that exists); anything else in that shape came from what someone typed.
KNOWN_GROUPS = frozenset({"S0SOCWORK"})
_BROADCAST = re.compile(
    r"<!(?:channel|here|everyone)\b[^<>]*>|<!subteam\^(?P<group>[^<>|]*)(?P<label>\|[^<>]*)?>"
)
# handlers/kit/errors.py: the apology text, and the modal it pushes over a form.
APOLOGIES = ("Sorry, something went wrong", "Something went wrong")
# Methods that carry something the bot wrote for people to read.
POSTING = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "chat.scheduleMessage",
        "views.open",
        "views.push",
        "views.update",
        "views.publish",
        "response_url",
        "ack",
    }
)


@dataclass(frozen=True)
class Finding:
    """One thing wrong with one call: its kind, the method, and what was wrong in it."""

    kind: str  # "broadcast", "apology" or "rejected"
    method: str
    detail: str


def broadcasts_in(text: str) -> list[str]:
    """The mentions in mrkdwn that would notify a crowd, as they appear."""
    found = []
    for match in _BROADCAST.finditer(text):
        group, label = match.group("group"), match.group("label")
        if group is not None and label is None and group in KNOWN_GROUPS:
            continue  # a receiver carebot named on purpose
        found.append(match.group(0))
    return found


def readable_texts(payload: Any) -> Iterator[str]:
    """Every string Slack would read as mrkdwn in a message or view body.

    The top-level `text` (it is the notification text too), mrkdwn text objects, and
    rich-text broadcast elements, which ping as `<!channel>` does. plain_text objects
    are shown as typed, so they cannot ping.
    """
    if isinstance(payload, dict):
        if isinstance(payload.get("text"), str) and payload.get("type") in (None, "mrkdwn"):
            yield payload["text"]
        if payload.get("type") == "broadcast":
            yield f"<!{payload.get('range', 'channel')}>"
        for key, value in payload.items():
            if key != "text" or not isinstance(value, str):
                yield from readable_texts(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from readable_texts(item)


def all_texts(payload: Any) -> Iterator[str]:
    """Every string in a body, plain_text included (for the apology check)."""
    if isinstance(payload, str):
        yield payload
    elif isinstance(payload, dict):
        for value in payload.values():
            yield from all_texts(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from all_texts(item)


def body_of(call: ApiCall) -> Any:
    """What the bot sent for people to read in this call."""
    if call.method in ("response_url", "ack"):
        return call.params.get("body")
    if call.method.startswith("views."):
        return call.params.get("view")
    return {"text": call.params.get("text"), "blocks": call.params.get("blocks")}


def rejected(call: ApiCall) -> str | None:
    """Slack's refusal of what the bot sent (msg_too_long, invalid_blocks, ...), or None."""
    if call.method == "response_url":
        if call.status == 200:
            return None
        body = call.params.get("body")
        why = limits.check_message(body.get("text"), body.get("blocks")) if body else None
        said = (why or {}).get("response_metadata", {}).get("messages", [])
        return f"HTTP {call.status} {call.result} {' '.join(said)}".strip()
    if call.method == "ack":  # the stand-in's deliver_ack: a refusal, or nothing
        return str(call.result.get("error")) if call.result else None
    if isinstance(call.result, dict) and not call.result.get("ok", False):
        return str(call.result.get("error"))
    return None


def findings(calls: Iterable[ApiCall]) -> Iterator[Finding]:
    """Every broadcast, apology and rejection in the calls that post something."""
    for call in calls:
        if call.method not in POSTING:
            continue
        refusal = rejected(call)
        if refusal is not None:
            yield Finding("rejected", call.method, refusal)
        body = body_of(call)
        for text in readable_texts(body):
            for token in broadcasts_in(text):
                yield Finding("broadcast", call.method, f"{token} in {text[:200]!r}")
        for text in all_texts(body):
            if any(apology in text for apology in APOLOGIES):
                yield Finding("apology", call.method, text[:200])
                break
