"""The layers are enforced by import-linter (pyproject.toml `[tool.importlinter]`): cli -> ui (and the demo) ->
sources -> core; the generated `_proto` is imported by the Hubble source only; core imports no third-party library.

`lint-imports` runs in a subprocess on the real package, and once on a copy with a planted violation to show that
the contract would notice.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))

pytestmark = pytest.mark.skipif(not Path(LINT).exists(), reason="import-linter is not installed")


def run_lint(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run(
        [LINT, "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_import_contracts_hold() -> None:
    proc = run_lint(REPO, REPO)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "0 broken" in out
    for contract in (
        "Layers: cli -> ui",
        "_proto is used by the Hubble source only",
        "core imports the standard",
    ):
        assert f"{contract}" in out and "KEPT" in out.split(contract, 1)[1].splitlines()[0]


@pytest.mark.parametrize(
    ("module", "planted", "contract"),
    [
        ("sources/kube/source.py", "import netpol_tui.cli.errors  # planted", "Layers"),
        ("ui/options.py", "import netpol_tui.demo  # planted", "Layers"),
        ("core/model.py", "import yaml  # planted", "core imports the standard library only"),
        ("ui/options.py", "import netpol_tui._proto.flow  # planted", "_proto"),
    ],
)
def test_a_planted_violation_breaks_the_contract(
    tmp_path: Path, module: str, planted: str, contract: str
) -> None:
    shutil.copytree(
        REPO / "netpol_tui", tmp_path / "netpol_tui", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "netpol_tui" / module
    text = target.read_text()
    marker = "from __future__ import annotations\n"
    target.write_text(text.replace(marker, marker + planted + "\n", 1))
    proc = run_lint(tmp_path, tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    broken = [line for line in out.splitlines() if line.endswith("BROKEN")]
    assert any(contract in line for line in broken), out
