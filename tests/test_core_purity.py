"""`netpol_tui.core` imports the standard library only; sources never import cli, ui or the demo (rule 1).

Every module of the package (found with pkgutil, so new ones are covered) is imported in a fresh interpreter; the
test fails if one of the forbidden libraries or layers lands in sys.modules. (The same rules are checked
statically by import-linter: tests/test_layers.py.)
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import netpol_tui.core

FORBIDDEN = ("textual", "rich", "grpc", "google.protobuf", "kubernetes", "yaml")

PROBE = r"""
import importlib, json, pkgutil, sys
import netpol_tui.core as core
mods = sorted(m.name for m in pkgutil.walk_packages(core.__path__, "netpol_tui.core."))
for name in mods:
    importlib.import_module(name)
forbidden = %r
leaked = sorted(m for m in sys.modules if any(m == f or m.startswith(f + ".") for f in forbidden))
layers = sorted(m for m in sys.modules if m.startswith("netpol_tui.") and not m.startswith("netpol_tui.core"))
print(json.dumps({"modules": mods, "leaked": leaked, "layers": layers}))
"""

SOURCES_PROBE = r"""
import importlib, json, pkgutil, sys
import netpol_tui.sources as sources
mods = sorted(m.name for m in pkgutil.walk_packages(sources.__path__, "netpol_tui.sources."))
for name in mods:
    importlib.import_module(name)
above = ("netpol_tui.cli", "netpol_tui.ui", "netpol_tui.demo", "textual")
leaked = sorted(m for m in sys.modules if any(m == f or m.startswith(f + ".") for f in above))
print(json.dumps({"modules": mods, "leaked": leaked}))
"""


def core_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(netpol_tui.core.__path__, "netpol_tui.core."))


def test_core_modules_are_discovered() -> None:
    mods = core_modules()
    for expected in (
        "model",
        "selectors",
        "policy",
        "manifests",
        "cluster",
        "evaluate",
        "contract",
        "problems",
        "wording.problems",
    ):
        assert f"netpol_tui.core.{expected}" in mods


def test_core_imports_only_the_standard_library() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE % (FORBIDDEN,)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["modules"] == core_modules()
    assert result["leaked"] == [], f"core pulled in {result['leaked']}"
    assert result["layers"] == [], f"core imported other layers: {result['layers']}"


def test_sources_never_import_the_layers_above() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SOURCES_PROBE], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (
        "netpol_tui.sources.kube" in result["modules"] and "netpol_tui.sources.backoff" in result["modules"]
    )
    assert result["leaked"] == [], f"sources pulled in {result['leaked']}"


def test_the_probe_would_notice_a_leak() -> None:
    # the same probe, with a module that imports yaml, must report it
    proc = subprocess.run(
        [sys.executable, "-c", "import yaml\n" + PROBE % (FORBIDDEN,)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "yaml" in json.loads(proc.stdout.strip().splitlines()[-1])["leaked"]


FILE_IO_MODULES = {"os", "pathlib", "shutil", "io", "tempfile"}


def _file_io(tree: object) -> list[str]:
    """What in a module's syntax tree reaches the file system: imports of FILE_IO_MODULES, calls of `open`."""
    import ast

    assert isinstance(tree, ast.AST)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in FILE_IO_MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in FILE_IO_MODULES:
            found.append(str(node.module))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
            found.append("open()")
    return found


def test_core_does_no_file_io() -> None:
    """Core judges and words; reading and writing files is the sources' (and the edges') job (rule 1)."""
    import ast
    from pathlib import Path

    root = Path(netpol_tui.core.__file__).parent
    offenders = {
        str(path.relative_to(root)): found
        for path in sorted(root.rglob("*.py"))
        if (found := _file_io(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert offenders == {}


def test_the_file_io_probe_would_notice_a_write() -> None:
    import ast

    assert _file_io(ast.parse("import os\nfrom pathlib import Path\nopen('x', 'w')")) == [
        "os",
        "pathlib",
        "open()",
    ]
    assert _file_io(ast.parse("import re\nx = re.compile('a')")) == []
