"""`carebot retention`: a dry run says what would go, a real run removes it and says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import Database, audit, patients
from storage.appointments import queries as appointments
from tests.e2e.test_cli import carebot, env, one_line

__all__ = ["env"]  # the fixture, used by name

LONG_AGO = datetime.now(UTC) - timedelta(days=800)


def seed(url: str) -> str:
    db = Database(url)
    db.upgrade()
    with db.session() as session:
        patient = patients.find_or_create(session, "T1", "Jane Doe", None, "U1", now=LONG_AGO)
        row = appointments.add(
            session,
            "T1",
            patient_id=patient.id,
            kind="consult",
            label="Consult",
            start_at=LONG_AGO,
            end_at=LONG_AGO + timedelta(hours=1),
            clinician_id=None,
            location=None,
            notes=None,
            booked_by="U1",
            channel_id="C1",
            now=LONG_AGO,
        )
        appointments.set_status(session, row, "fulfilled", now=LONG_AGO)
        ref = row.ref
    db.dispose()
    return ref


def test_a_dry_run_then_a_real_run(env: dict[str, str], tmp_path: Path) -> None:
    ref = seed(env["DATABASE_URL"])

    dry = carebot("retention", "--older-than", "365", "--dry-run", env=env, cwd=tmp_path)
    real = carebot("retention", env={**env, "CAREBOT_RETENTION_DAYS": "365"}, cwd=tmp_path)

    assert dry.returncode == 0 and real.returncode == 0, dry.stderr + real.stderr
    assert "T1: would remove 1 appointments, 0 handoffs, 0 pre-approvals, 1 patients" in dry.stdout
    assert "T1: removed 1 appointments, 0 handoffs, 0 pre-approvals, 1 patients" in real.stdout
    db = Database(env["DATABASE_URL"])
    with db.session(read_only=True) as session:
        assert appointments.get_by_ref(session, "T1", ref) is None
        assert [row.action for row in audit.recent(session, "T1")] == ["retention.purge"]
    db.dispose()


def test_without_a_period_it_says_how_to_give_one(env: dict[str, str], tmp_path: Path) -> None:
    result = carebot("retention", "--dry-run", env=env, cwd=tmp_path)

    assert result.returncode == 2
    assert "--older-than 2190 (days), or set CAREBOT_RETENTION_DAYS" in one_line(result.stderr)
