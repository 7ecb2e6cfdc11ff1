"""Run one callable from several threads released at the same instant, or hold a lock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from typing import TypeVar

T = TypeVar("T")
HOLD_AT_MOST_S = 5


def together(threads: int, work: Callable[[int], T]) -> list[T]:
    """Call work(0..threads-1) concurrently, all starting together; results in thread order."""
    start = threading.Barrier(threads)

    def run(index: int) -> T:
        start.wait(timeout=10)
        return work(index)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, range(threads)))


@contextmanager
def held_elsewhere(hold: Callable[[], AbstractContextManager[object]]) -> Iterator[None]:
    """Run the body while another thread sits inside hold(), e.g. a write transaction.

    The other thread lets go when the body ends, or after HOLD_AT_MOST_S whatever happens:
    longer than a quick unit of work's wait, shorter than the default 10 s. So a unit of
    work in the body that waits the default outlasts the hold and goes through, instead
    of giving up; a test can tell the two apart without measuring time.
    """
    holding, release = threading.Event(), threading.Event()

    def run() -> None:
        with hold():
            holding.set()
            release.wait(timeout=HOLD_AT_MOST_S)

    with ThreadPoolExecutor(max_workers=1) as pool:
        held = pool.submit(run)
        try:
            if not holding.wait(timeout=10):
                held.result(timeout=0)  # surfaces the holder's error, if it had one
                raise AssertionError("the other thread never got hold")
            yield
        finally:
            release.set()
        held.result()
