"""Describing a failure for the log without its message, which may quote patient data."""

from __future__ import annotations

import traceback


def describe(error: BaseException, *, frames: int = 8) -> str:
    """The error's type and where it was raised, as `file:line in function` lines."""
    where = traceback.extract_tb(error.__traceback__)[-frames:]
    lines = [type(error).__name__, *(f"  {f.filename}:{f.lineno} in {f.name}" for f in where)]
    return "\n".join(lines)
