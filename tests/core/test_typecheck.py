"""`mypy --strict` stays clean on netpol_tui/core (configured in pyproject.toml's [tool.mypy])."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_core_is_mypy_strict_clean() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "netpol_tui/core"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = proc.stdout + proc.stderr
    errors = [line for line in out.splitlines() if re.search(r": error: ", line)]
    assert errors == [], out
    assert proc.returncode == 0, out
    assert "Success: no issues found" in out
