"""A proposal kept in a draft comes back the same, whatever it holds."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest

from bot.appointments.proposal import Proposal, RepeatPlan
from bot.shared.rules.patients import PatientSpec

START = datetime(2027, 3, 2, 15, 0, tzinfo=UTC)
SERIES = RepeatPlan("FREQ=WEEKLY;COUNT=2", "America/New_York", (START, START + timedelta(7)), "x")


@pytest.mark.parametrize(
    "proposal",
    [
        Proposal("T1", "U1", "C1", PatientSpec("Jane Doe", "4242", None), "imaging", "MRI",
                 START, START + timedelta(minutes=45)),
        Proposal("T1", "U1", "C1", PatientSpec(None, None, "P-3", new=True), "other", "Scan",
                 START, START + timedelta(hours=1), clinician="U0DOC", location="Room 2",
                 notes="fasting", kind_unsure=True, kind_candidates=("imaging", "procedure"),
                 length_given=False, repeat=SERIES),
    ],
)  # fmt: skip
def test_a_kept_proposal_comes_back_as_it_was(proposal: Proposal) -> None:
    kept = json.loads(json.dumps(proposal.payload()))
    assert Proposal.from_payload(kept) == proposal
    # What a draft holds is what asdict() would say of it, datetimes as ISO text.
    expected = asdict(proposal)
    expected["start"], expected["end"] = START.isoformat(), proposal.end.isoformat()
    expected["repeat"] = proposal.repeat.payload() if proposal.repeat else None
    assert proposal.payload() == expected
