"""Run one callable from several threads released at the same instant."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def together(threads: int, work: Callable[[int], T]) -> list[T]:
    """Call work(0..threads-1) concurrently, all starting together; results in thread order."""
    start = threading.Barrier(threads)

    def run(index: int) -> T:
        start.wait(timeout=10)
        return work(index)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, range(threads)))
