"""Issue 11 point 16: a fix is saved under a safe name inside the folder, never outside it, never over a file."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from netpol_tui.core.filenames import MAX_NAME, fix_file_name
from netpol_tui.sources.output_files import OutsideDirectory, write_new_file

HOSTILE = "x/../../escaped-by-name"


@pytest.mark.parametrize(
    ("kind", "namespace", "name", "expected"),
    [
        ("NetworkPolicy", "prod", "allow-api-to-db", "NetworkPolicy-prod-allow-api-to-db.yaml"),
        ("CiliumClusterwideNetworkPolicy", "", "dns", "CiliumClusterwideNetworkPolicy-dns.yaml"),
        ("NetworkPolicy", "prod", HOSTILE, "NetworkPolicy-prod-x_.._.._escaped-by-name.yaml"),
        ("NetworkPolicy", "..", "..", "NetworkPolicy-..-...yaml"),
        ("NetworkPolicy", "a\\b", "c\x1b]52;c;AAAA\x07d", "NetworkPolicy-a_b-c__52_c_AAAA_d.yaml"),
        ("", "", "", "NetworkPolicy.yaml"),
        ("../NetworkPolicy", "ns", "n", "_._NetworkPolicy-ns-n.yaml"),
    ],
)
def test_fix_file_name_is_one_safe_component(kind: str, namespace: str, name: str, expected: str) -> None:
    got = fix_file_name(kind, namespace, name)
    assert got == expected
    assert "/" not in got and "\\" not in got and not got.startswith(".") and got.isascii()


def test_long_names_stay_short_and_distinct() -> None:
    a = fix_file_name("NetworkPolicy", "ns", "a" * 300 + "1")
    b = fix_file_name("NetworkPolicy", "ns", "a" * 300 + "2")
    assert a != b and len(a) <= MAX_NAME + len(".yaml")


def test_write_new_file_stays_in_the_folder_and_never_overwrites(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    name = fix_file_name("NetworkPolicy", "prod", HOSTILE)
    first = write_new_file(folder, name, "one\n")
    assert first == folder.resolve() / name and first.read_text() == "one\n"
    second = write_new_file(folder, name, "two\n")
    assert second.name == name.replace(".yaml", "-1.yaml") and second.read_text() == "two\n"
    assert first.read_text() == "one\n"  # kept
    assert not (tmp_path / "escaped-by-name").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["a"]


def test_write_new_file_refuses_names_that_leave_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    for bad in (HOSTILE, "../x.yaml", "..", "", "sub/x.yaml", str(tmp_path / "abs.yaml")):
        with pytest.raises(OutsideDirectory):
            write_new_file(folder, bad, "x")
    assert list(folder.iterdir()) == [] and not (tmp_path / "abs.yaml").exists()


def test_a_symbolic_link_in_the_folder_is_not_followed(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    outside = tmp_path / "outside.yaml"
    outside.write_text("precious\n")
    name = fix_file_name("NetworkPolicy", "prod", "p")
    os.symlink(outside, folder / name)
    os.symlink(tmp_path / "dangling", folder / name.replace(".yaml", "-1.yaml"))
    path = write_new_file(folder, name, "fix\n")
    assert path == folder.resolve() / name.replace(".yaml", "-2.yaml") and path.read_text() == "fix\n"
    assert outside.read_text() == "precious\n" and not (tmp_path / "dangling").exists()


async def test_tui_save_uses_a_safe_name_inside_the_folder(tmp_path: Path) -> None:
    from ui.conftest import build_app, wait_for_explanations, wait_until

    folder = tmp_path / "out"
    folder.mkdir()
    app, _ = build_app(60, tmp_path=folder)
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_until(pilot, lambda: app.main.total_flows >= 60 and app.main.snapshot is not None)
        await pilot.press("home")
        for _ in range(6):  # worker → kube-dns 53/UDP: one fix
            await pilot.press("j")
        await wait_for_explanations(app)
        await pilot.pause()
        expl = app.main.current_expl
        assert expl is not None and expl.fixes
        fix = dataclasses.replace(expl.fixes[0], name=HOSTILE)
        app.main.current_expl = dataclasses.replace(expl, fixes=(fix, *expl.fixes[1:]))
        await pilot.press("s")
        await pilot.press("s")
        await pilot.pause()
    name = f"{fix.kind}-{fix.namespace}-x_.._.._escaped-by-name.yaml"
    # the second `s` updates the file the first one wrote, and says so (issue 15 point 1)
    assert {p.name for p in folder.iterdir()} == {name}
    assert any(str(n.message).startswith(f"Updated {folder.resolve() / name}") for n in app._notifications)
    assert (folder / name).read_text().startswith("apiVersion")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
