"""Fuzzing carebot: hypothesis strategies and checks shared by the property tests and `make fuzz`.

Importing this package loads the bounded hypothesis profile the suite runs with: no
example database in the worktree, no deadline (a shared CI machine is slow at times),
and under CI=true a fixed derandomized run, so CI cannot flake on a new random input.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "carebot",
    database=None,
    deadline=None,
    derandomize=os.environ.get("CI", "").strip().lower() == "true",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("carebot")
