"""The core's rules import neither Slack nor SQL libraries, so they test with plain values."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = sorted((ROOT / "bot" / "core").glob("*.py"))
FORBIDDEN = ("slack_bolt", "slack_sdk", "sqlalchemy", "alembic", "storage", "handlers")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", CORE, ids=lambda p: p.name)
def test_core_module_stays_free_of_slack_and_sql(module: Path) -> None:
    bad = {name for name in imported_modules(module) if name.split(".")[0] in FORBIDDEN}
    assert not bad, f"{module.name} imports {sorted(bad)}"


def test_storage_does_not_reach_up_into_slack_code() -> None:
    for path in (ROOT / "storage").rglob("*.py"):
        bad = {
            n
            for n in imported_modules(path)
            if n.split(".")[0] in ("slack_bolt", "slack_sdk", "handlers")
        }
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
