"""Short refs: numbered 1, 2, 3 per workspace and prefix, never repeated under concurrency."""

from __future__ import annotations

import pytest

from storage import Database
from storage.refs import next_number, parse_ref
from tests.storage.concurrency import together


def take(db: Database, team_id: str, prefix: str) -> int:
    with db.session() as session:
        return next_number(session, team_id, prefix)


def test_numbers_count_up_per_workspace_and_prefix(db: Database) -> None:
    assert [take(db, "T1", "P") for _ in range(3)] == [1, 2, 3]
    assert [take(db, "T2", "P") for _ in range(2)] == [1, 2]
    assert [take(db, "T1", "PA") for _ in range(2)] == [1, 2]
    assert take(db, "T1", "P") == 4


def test_a_rolled_back_number_is_handed_out_again(db: Database) -> None:
    assert take(db, "T1", "A") == 1
    with pytest.raises(RuntimeError), db.session() as session:
        assert next_number(session, "T1", "A") == 2
        raise RuntimeError("booking failed")
    assert take(db, "T1", "A") == 2


def test_eight_threads_never_get_the_same_number(db: Database) -> None:
    numbers = together(8, lambda _: [take(db, "T1", "A") for _ in range(5)])

    flat = sorted(n for per_thread in numbers for n in per_thread)
    assert flat == list(range(1, 41))


def test_a_prefix_must_be_capital_letters(db: Database) -> None:
    with pytest.raises(ValueError, match="capital letters"), db.session() as session:
        next_number(session, "T1", "p-")


@pytest.mark.parametrize(
    ("text", "prefix", "number"),
    [
        ("P-12", "P", 12),
        ("p-12", "P", 12),
        ("P12", "P", 12),
        (" PA-31 ", "PA", 31),
        ("pa31", "PA", 31),
        ("PA-31", "P", None),
        ("P-0", "P", None),
        ("P-", "P", None),
        ("P-12x", "P", None),
        ("P-1234567890", "P", None),
        ("Jane Doe", "P", None),
    ],
)
def test_parse_ref(text: str, prefix: str, number: int | None) -> None:
    assert parse_ref(text, prefix) == number
