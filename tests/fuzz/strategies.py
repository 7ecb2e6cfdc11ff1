"""Hypothesis strategies for hostile and near-valid input to carebot's commands.

Text here is what Slack would deliver with `should_escape: true`: a typed `@channel`
arrives as `<!channel>`, a typed `<` as `&lt;`. Some strategies also produce what a
forged or odd client could send (raw `<`, unknown ids), since a signed request may carry
anything. Near-valid shapes follow the quick forms' parsers and the README's examples,
so most inputs get past the first check and reach the deeper paths.
"""

from __future__ import annotations

from hypothesis import strategies as st

from bot.sandbox.mrkdwn import encode_typed
from bot.sandbox.seed import default_seed
from tests.fuzz.hostile import (
    ABSURD_DATES,
    BROADCASTS,
    KINDS,
    NAMES,
    PAYERS,
    PEOPLE,
    PLACES,
    SERVICES,
    TOKENS,
    VALID_DATES,
    field,
    hostile_text,
    long_field,
)

SPACE = default_seed()


# -- near-valid command text ---------------------------------------------------------------

when = st.one_of(st.sampled_from(VALID_DATES), st.sampled_from(ABSURD_DATES), hostile_text(2))


@st.composite
def appt_book(draw: st.DrawFn) -> str:
    """/appt book <patient>, <kind>, <when>[, <duration>][, with @x][, at y], shuffled a little."""
    parts = [draw(field(*NAMES)), draw(field(*KINDS)), draw(when)]
    optional = [
        draw(st.sampled_from(["45 min", "3h", "0 min", "-5 min", "999 hours", "1.5h"])),
        "with " + draw(field(*PEOPLE)),
        draw(field(*PLACES)),
        "MRN " + draw(st.sampled_from(["88123", "x" * 30, "<!here>", "", "12 34"])),
    ]
    parts += draw(st.lists(st.sampled_from(optional), max_size=3, unique=True))
    if draw(st.booleans()):
        parts = parts[:1] + draw(st.permutations(parts[1:]))
    return "book " + ", ".join(parts)


@st.composite
def appt_other(draw: st.DrawFn) -> str:
    """The other /appt verbs with refs, dates and hostile reasons."""
    ref = draw(st.sampled_from(["A-1", "A-12", "a12", "A-0", "A-99999999999", "PA-3", "<!here>"]))
    verbs = ["move", "cancel", "checkin", "done", "noshow", "list", "export", "week"]
    verb = draw(st.sampled_from(verbs))
    if verb == "week":
        rest = draw(st.sampled_from(["", "mine", "P-4", "@dr.patel", "room OR 4", "or 4", ref]))
        return f"week {rest} {draw(st.one_of(st.just(''), st.just('next'), when))}".strip()
    if verb == "list":
        rest = draw(st.sampled_from(["", "today", "tomorrow", "week", "mine", "P-4", "@dr.patel"]))
        return f"list {rest} {draw(st.one_of(st.just(''), when))}".strip()
    if verb == "export":
        return f"export {draw(st.one_of(st.just('week'), when))}"
    tail = draw(st.one_of(when, hostile_text(2))) if verb in ("move", "cancel") else ""
    return f"{verb} {ref} {tail}".strip()


@st.composite
def handoff_quick(draw: st.DrawFn) -> str:
    """<patient> [to @x] [severity]: <text>, with the colon and receiver sometimes odd."""
    patient = draw(field(*NAMES))
    receiver = draw(
        st.sampled_from(
            ["", " to @sam.nurse", " to @social-work", " to @channel", " to @nobody"]
            + [f" to {token}" for token in (*BROADCASTS, *TOKENS[:8])]
        )
    )
    severity = draw(st.sampled_from(["", " stable", " watcher", " unstable", " critical"]))
    colon = draw(st.sampled_from([":", ":", "", "::", " : "]))
    summary = draw(st.one_of(field("stable overnight, recheck K+ at 6am"), hostile_text()))
    return f"{patient}{receiver}{severity}{colon} {summary}"


@st.composite
def preauth_new(draw: st.DrawFn) -> str:
    """/preauth new <patient>, <payer>, <service>[, optional fields]."""
    parts = [draw(field(*NAMES)), draw(field(*PAYERS)), draw(field(*SERVICES))]
    optional = [
        "for " + draw(st.sampled_from(["A-12", "a12", "A-0", "A-9999999999", "<!channel>"])),
        "owner " + draw(field(*PEOPLE)),
        "needed by " + draw(when),
        "dx " + draw(st.sampled_from(["M54.5 M51.26", "Z99.99", "<!here>", "x" * 300])),
        "ref " + draw(field("REF-9", "12345")),
        draw(st.sampled_from(["expedited", "urgent", "standard", "routine", "asap"])),
    ]
    parts += draw(st.lists(st.sampled_from(optional), max_size=4))
    return "new " + ", ".join(parts)


@st.composite
def preauth_other(draw: st.DrawFn) -> str:
    """The other /preauth verbs, with refs, dates and hostile text."""
    verb = draw(
        st.sampled_from(
            [
                *("submitted", "pended", "approve", "partial", "deny", "appeal", "cancel"),
                *("notrequired", "expired", "assign", "snooze", "note", "list", "show"),
            ]
        )
    )
    ref = draw(st.sampled_from(["PA-1", "PA-3", "pa3", "PA-0", "PA-99999999999", "A-1", "<!here>"]))
    tail = {
        "approve": "AUTH-12345 units 12 from {w} until {w}",
        "partial": "AUTH-1 units -3 until {w}",
        "snooze": "until {w}",
        "assign": "@sam.nurse",
        "list": "",
    }.get(verb, "{t}")
    text = tail.format(w=draw(when), t=draw(hostile_text(3)))
    if verb == "list":
        return "list " + draw(st.sampled_from(["", "mine", "overdue", "at-risk", "all", "x"]))
    return f"{verb} {ref} {text}".strip()


@st.composite
def carebot_text(draw: st.DrawFn) -> str:
    """/carebot's verbs (help, audit, settings) and anything else."""
    return draw(
        st.one_of(
            st.sampled_from(["help", "?", "--help", "", "settings", "audit", "HELP"]),
            st.builds(
                lambda ref: f"audit {ref}",
                st.one_of(st.sampled_from(["P-1", "A-1", "H-1", "PA-1", "X-1"]), hostile_text(2)),
            ),
            hostile_text(),
        )
    )


def as_sent(typed: st.SearchStrategy[str], *, labels: bool = True) -> st.SearchStrategy[str]:
    """Text as Slack delivers what was typed (mostly), or as it stands (a forged request).

    Slack escapes a typed `<` and turns a typed @name into a mention; slash commands
    carry the name as a label (`<@U123|name>`), messages do not.
    """
    return st.one_of(
        typed.map(lambda text: encode_typed(text, SPACE, with_labels=labels)),
        typed.map(lambda text: encode_typed(text, SPACE, with_labels=labels)),
        typed,
    )


appt_text = st.one_of(appt_book(), appt_book(), appt_other(), hostile_text(), long_field())
handoff_text = st.one_of(
    handoff_quick(),
    handoff_quick(),
    st.sampled_from(["", "list", "show H-1", "show H-0", "show <!here>", "show H-99999999999"]),
    hostile_text(),
)
preauth_text = st.one_of(preauth_new(), preauth_new(), preauth_other(), hostile_text())

TYPED = {
    "/appt": appt_text,
    "/handoff": handoff_text,
    "/preauth": preauth_text,
    "/carebot": carebot_text(),
}
COMMAND_TEXT = {name: as_sent(typed) for name, typed in TYPED.items()}
# A DM to the bot names the command without its slash, or says anything at all.
dm_text = as_sent(
    st.one_of(
        *(
            strategy.map(lambda text, name=name: f"{name[1:]} {text}")
            for name, strategy in TYPED.items()
        ),
        hostile_text(),
    ),
    labels=False,
)
