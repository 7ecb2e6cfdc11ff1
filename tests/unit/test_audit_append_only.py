"""No code path changes or removes audit rows: the database refuses it, and no code tries."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# update(AuditRow), delete(AuditRow), session.delete(<an audit row>), "UPDATE audit_log", ...
CHANGES = re.compile(
    r"(update|delete)\(\s*AuditRow\b|(UPDATE|DELETE\s+FROM|TRUNCATE)\s+audit_log\b",
    re.IGNORECASE,
)


def test_no_module_updates_or_deletes_the_audit_trail() -> None:
    sources = [
        path
        for folder in ("bot", "handlers", "storage")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    ]
    offenders = [str(p.relative_to(ROOT)) for p in sources if CHANGES.search(p.read_text())]

    assert sources and offenders == []


def test_the_scan_would_catch_a_change() -> None:
    for change in ("session.execute(delete(AuditRow))", "UPDATE audit_log SET ref = 'A-1'"):
        assert CHANGES.search(change)
