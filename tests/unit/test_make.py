"""What each make target installs: the demo only carebot, tests and lint the tools too."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def installs(target: str, venv: Path) -> list[str]:
    """The pip installs `make TARGET` would run into a fresh venv (make -n runs nothing)."""
    dry = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return [
        line.split(" install ", 1)[1]
        for line in dry.stdout.splitlines()
        if " -m pip install " in line and "--upgrade pip" not in line
    ]


def test_make_demo_installs_carebot_without_the_test_and_lint_tools(tmp_path: Path) -> None:
    assert installs("demo", tmp_path / "venv") == ["--quiet -e ."]


@pytest.mark.parametrize("target", ["test", "lint", "venv"])
def test_make_test_and_lint_install_the_dev_tools_too(tmp_path: Path, target: str) -> None:
    assert installs(target, tmp_path / "venv") == ["--quiet -e '.[dev,postgres]'"]
