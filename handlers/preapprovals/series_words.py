"""How a pre-approval for a series reads: which of its visits the approval covers, in words."""

from __future__ import annotations

from collections.abc import Sequence

from bot.preapprovals.items import Item
from bot.preapprovals.rules.coverage import SeriesVisit, Terms
from bot.preapprovals.rules.timing import APPROVED
from bot.shared.rules.timeparse import format_date

SHOWN_VISITS = 6  # visits named in a line; the rest are counted


def refs_of(visits: Sequence[SeriesVisit]) -> str:
    """ "A-14", "A-14 and A-15", "A-14, A-15, A-16, A-17, A-18 and 3 more"."""
    refs = [v.ref for v in visits]
    if len(refs) > SHOWN_VISITS:
        return f"{', '.join(refs[: SHOWN_VISITS - 1])} and {len(refs) - SHOWN_VISITS + 1} more"
    return refs[0] if len(refs) == 1 else f"{', '.join(refs[:-1])} and {refs[-1]}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def coverage_words(item: Item) -> str:
    """ "PA-3 covers 12 visits of S-2; A-14 and A-15 are not covered (approval for 12 visits)"."""
    cover = item.coverage
    assert cover is not None
    said = [f"{item.ref} covers {plural(cover.covered, 'visit')} of {item.series}"]
    terms = cover.terms
    for missed, why in (
        (cover.beyond_units, f"approval for {plural(terms.units or 0, 'visit')}"),
        (cover.outside_dates, dates_of(terms)),
    ):
        ahead = [v for v in missed if v in item.uncovered]
        if ahead:
            verb = "is" if len(ahead) == 1 else "are"
            said.append(f"{refs_of(ahead)} {verb} not covered ({why})")
    return "; ".join(said)


def dates_of(terms: Terms) -> str:
    """ "valid from Mon 1 Mar 2027 until Wed 30 Jun 2027"."""
    said = "valid"
    if terms.valid_from is not None:
        said += f" from {format_date(terms.valid_from)}"
    if terms.valid_to is not None:
        said += f" until {format_date(terms.valid_to)}"
    return said


def series_count(item: Item) -> str:
    """ "covers 12 of its 14 visits" once approved; before, how many visits it has."""
    cover = item.coverage
    assert cover is not None
    visits = plural(len(cover.counted), "visit")
    if item.status in APPROVED:
        return f"covers {cover.covered} of its {visits}"
    return f"{visits} booked or held"
