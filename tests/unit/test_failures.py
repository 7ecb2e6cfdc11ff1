"""A failure is logged by type and place, never by its message."""

from __future__ import annotations

import threading
import time

from bot.runtime.executor import TrackingExecutor
from bot.shared.rules.failures import describe


def book(name: str) -> None:
    raise ValueError(f"could not book {name}")


def test_a_failure_is_described_without_its_message() -> None:
    try:
        book("Jane Doe")
    except ValueError as error:
        text = describe(error)

    assert text.startswith("ValueError")
    assert "in book" in text
    assert "Jane Doe" not in text


def test_the_listener_pool_knows_when_all_work_is_done() -> None:
    pool = TrackingExecutor(max_workers=2)
    release = threading.Event()
    pool.submit(release.wait)

    assert pool.wait_idle(timeout=0.05) is False
    release.set()
    assert pool.wait_idle(timeout=5) is True
    pool.submit(time.sleep, 0.01)
    assert pool.wait_idle(timeout=5) is True
    pool.shutdown()
