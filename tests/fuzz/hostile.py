"""Hostile pieces of text: mentions, broadcasts, entities, marks, controls, absurd dates.

Written as Slack delivers them with `should_escape: true` (a typed `@channel` is
`<!channel>`), plus shapes only a forged request could carry (an unbalanced `<@U…`).
`field` spikes a valid value with one of them; `hostile_text` glues several together.
"""

from __future__ import annotations

from hypothesis import strategies as st

BROADCASTS = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!here|here>",
    "<!channel|@channel>",
    "<!everyone|everyone>",
    "<!subteam^S0SOCWORK|@social-work>",
    "<!subteam^S0SOCWORK>",
    "<!subteam^S0NOPE999|@nobody>",
)
TOKENS = (
    "<@U0DRPATEL|dr.patel>",
    "<@U0NURSE01|sam.nurse>",
    "<@U0COORD01>",
    "<@U0NOPE999|ghost>",
    "<@W0ENTERPR>",
    "<@U0FORMER1|old.locum>",
    "<@U0CAREBOT|carebot>",
    "<#C0CARDIO1|cardiology-team>",
    "<#C0NOPE999|x>",
    "<!date^1700000000^{date_short}|Nov 14>",
    "<https://evil.example/p?x=1|click here>",
    "<mailto:a@b.example|a@b.example>",
    "<tel:+15555550100>",
    "<@U0DRPATEL",  # unbalanced, as only a forged request could send
    "<!channel",
    "!channel>",
    "<>",
    "<|>",
    "<@>",
)
ENTITIES = ("&lt;", "&gt;", "&amp;", "&amp;lt;!channel&amp;gt;", "&lt;!here&gt;", "&", "<", ">")
MARKS = (
    "\u200f",  # right-to-left mark
    "\u200e",  # left-to-right mark
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",  # byte order mark
    "\u00ad",  # soft hyphen
)
CONTROLS = ("\x00", "\x01", "\x07", "\x1b[31m", "\t", "\r", "\n", "\r\n", "\x7f", "\x85", "\u2028")
EMOJI = ("👩‍⚕️", "🏥", "🇺🇸", "👍🏽", "🫀", "😀" * 3, "\U0001f9ea")
ABSURD_DATES = (
    "31/02",
    "feb 30",
    "30 feb 2027",
    "year 99999",
    "99999",
    "tomorrow 25pm",
    "tomorrow 13pm",
    "25:61",
    "-1 days",
    "in -3 hours",
    "in 0 minutes",
    "1700000000",
    "0",
    "-1",
    "99999999999999999999",
    "9999-12-31 23:59",
    "0000-00-00",
    "2027-13-45",
    "1 jan 1970",
    "yesterday",
    "last year",
    "in 10000 years",
    "in 100 weeks",
    "next next friday",
    "now",
    "noon",
    "midnight",
    "tomorrow 3pm EST",
    "tomorrow 3pm +14:00",
    "2027-03-14 02:30",
    "2027-11-07 01:30",
    "in 1e9 seconds",
    "٣ مارس",
    "mañana 3pm",
    "tomorrow\u200b3pm",
)
VALID_DATES = (
    "tomorrow 3pm",
    "next tuesday 9:30",
    "dec 3 10:30",
    "2027-03-02 07:30",
    "friday 8am",
    "in 2 hours",
    "tomorrow",
    "mon 9am",
    "3pm",
)
NAMES = ("Jane Doe", "Omar Haddad MRN 88123", "P-4", "P-1", "Ana María Ñúñez", "O'Brien", "李雷")
KINDS = ("MRI", "consult", "follow-up", "surgery", "PT", "dialysis", "other", "echo")
PLACES = ("at Radiology 2", "at OR 4", "at Clinic 3", "at 4 West")
PEOPLE = ("@dr.patel", "@sam.nurse", "@dana", "@riley.sw", "@nobody", "@channel", "@here")
PAYERS = ("Aetna", "Cigna", "UnitedHealthcare", "Medicare", "BCBS of Texas")
SERVICES = ("MRI lumbar spine 72148", "knee arthroscopy", "Power wheelchair K0823", "PT x12")


def long_field(size: int = 5000) -> st.SearchStrategy[str]:
    """A field of `size` characters: a letter, words, or a hostile token, over and over."""
    return st.one_of(
        st.just("A" * size),
        st.just(("lorem ipsum " * (size // 12 + 1))[:size]),
        st.sampled_from([*BROADCASTS, *ENTITIES, *MARKS, "é", "😀"]).map(
            lambda piece: (piece * (size // len(piece) + 1))[:size]
        ),
    )


hostile_atom = st.one_of(
    st.sampled_from(BROADCASTS),
    st.sampled_from(TOKENS),
    st.sampled_from(ENTITIES),
    st.sampled_from(MARKS),
    st.sampled_from(CONTROLS),
    st.sampled_from(EMOJI),
    st.sampled_from(ABSURD_DATES),
)
# Plain text of any code points, surrogates excluded (they cannot travel as UTF-8).
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)


@st.composite
def hostile_text(draw: st.DrawFn, max_atoms: int = 4) -> str:
    """Words, hostile atoms and random characters, glued with spaces or nothing."""
    pieces = draw(
        st.lists(
            st.one_of(
                hostile_atom, any_text, st.sampled_from([*NAMES, *KINDS, *PEOPLE, *VALID_DATES])
            ),
            min_size=1,
            max_size=max_atoms,
        )
    )
    return draw(st.sampled_from([" ", "", ", ", ": "])).join(pieces)


def field(*valid: str) -> st.SearchStrategy[str]:
    """Mostly a valid value, sometimes spiked with a hostile atom, sometimes all hostile."""
    plain = st.sampled_from(valid)
    spiked = st.tuples(plain, hostile_atom, st.booleans()).map(
        lambda t: f"{t[1]} {t[0]}" if t[2] else f"{t[0]} {t[1]}"
    )
    return st.one_of(plain, plain, spiked, hostile_text(2), long_field())
