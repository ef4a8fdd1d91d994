"""The wheel holds the program and nothing of the test kit (architecture rule 9).

Builds the wheel offline from a copy of the sources (pip, no build isolation: the build backend is already in
the environment) and reads its file list.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEST_KIT = ("tests/", "support/", "fake_apiserver", "hubble_server", "conftest")


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    src = tmp_path_factory.mktemp("src")
    shutil.copytree(REPO / "netpol_tui", src / "netpol_tui", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    if (REPO / "LICENSE").exists():
        shutil.copy(REPO / "LICENSE", src / "LICENSE")
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = out.glob("netpol_tui-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_the_program_is_in_the_wheel(wheel_files: dict[str, bytes]) -> None:
    names = set(wheel_files)
    for needed in (
        "netpol_tui/cli/__init__.py",
        "netpol_tui/core/evaluate.py",
        "netpol_tui/sources/hubble/client.py",
        "netpol_tui/sources/backoff.py",
        "netpol_tui/demo/scenario.py",
        "netpol_tui/demo/server.py",
        "netpol_tui/ui/app.tcss",
        "netpol_tui/py.typed",
        "netpol_tui/_proto/observer/observer_pb2.py",
    ):
        assert needed in names, needed
    entry_points = next(v for k, v in wheel_files.items() if k.endswith(".dist-info/entry_points.txt"))
    assert b"netpol-tui = netpol_tui.cli:main" in entry_points


def test_no_test_kit_in_the_wheel(wheel_files: dict[str, bytes]) -> None:
    kit = [n for n in wheel_files if any(k in n for k in TEST_KIT)]
    assert kit == []
    testing = [n for n in wheel_files if any(part in ("testing", "testing.py") for part in n.split("/"))]
    assert testing == []
    faults = [n for n, data in wheel_files.items() if n.endswith(".py") and b"Faults" in data]
    assert faults == [], f"fault injection shipped in {faults}"


def test_the_check_would_see_test_kit(tmp_path: Path) -> None:
    # the same predicates on names the old layout shipped
    old = ["netpol_tui/sources/testing/fake_apiserver.py", "netpol_tui/sources/hubble_server.py"]
    assert all(any(k in n for k in TEST_KIT) for n in old)
