"""Every `netpol-tui ...` line of the README's "Usage" section runs as written, against `demo --export`'s files.

The section's first ```sh block is offline: its lines run in order in one temporary directory (the first one
writes demo-files/), each through `netpol_tui.cli.main` with stdin redirected when the line says `< FILE`; the exit
status must be the one the line's comment documents (`# exit N`), else 0. The TUI lines (`demo`, `replay`) run
headless: the app starts, shows flows over its cluster, and quits with ctrl+q. A block whose first line is
`# live...` needs a cluster: its lines are only parsed (every flag must exist), never run.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import time
from pathlib import Path
from typing import Any

from netpol_tui.cli import main
from netpol_tui.cli.parser import build_parser, parse_args

README = Path(__file__).resolve().parents[1] / "README.md"
TUI_COMMANDS = ("demo", "replay")


def usage_blocks() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Usage\n")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end > 0 else len(text)]
    return [block.strip("\n").splitlines() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def commands(block: list[str]) -> list[str]:
    return [line for line in block if line.startswith("netpol-tui")]


def is_live(block: list[str]) -> bool:
    return bool(block) and block[0].startswith("# live")


def expected_status(line: str) -> int:
    m = re.search(r"#.*\bexit (\d)\b", line)
    return int(m.group(1)) if m else 0


def split(line: str) -> tuple[list[str], str | None]:
    """argv after `netpol-tui` and the file of a `< FILE` redirect."""
    words = shlex.split(line, comments=True)[1:]
    stdin = None
    if "<" in words:
        i = words.index("<")
        stdin = words[i + 1]
        words = words[:i] + words[i + 2 :]
    return words, stdin


def headless(built: Any, debug: bool = False) -> int:
    """The TUI commands' `run_app`, headless: wait until flows are shown over the cluster, then ctrl+q."""
    app = built.app

    async def drive() -> None:
        async with app.run_test(size=(160, 48)) as pilot:
            deadline = time.monotonic() + 20
            while not (app.main.total_flows > 0 and app.main.snapshot is not None):
                assert time.monotonic() < deadline, "the TUI showed no flows"
                await pilot.pause(0.02)
            SHOWN.append(app.main.total_flows)
            await pilot.press("ctrl+q")

    try:
        asyncio.run(drive())
    finally:
        built.close()
    return int(app.return_code or 0)


SHOWN: list[int] = []


def test_the_usage_section_has_an_offline_and_a_live_block() -> None:
    blocks = usage_blocks()
    offline = [b for b in blocks if not is_live(b)]
    live = [b for b in blocks if is_live(b)]
    assert len(offline) == 1 and len(live) == 1
    lines = commands(offline[0])
    assert lines[0].split("#")[0].split() == ["netpol-tui", "demo", "--export", "demo-files"]
    used = {split(line)[0][0] for line in lines}
    assert {"demo", "replay", "trace", "explain", "propose", "diff"} <= used


def test_every_offline_line_runs_as_documented(tmp_path: Path, monkeypatch, capsys) -> None:
    import netpol_tui.cli.commands.demo as demo_command
    import netpol_tui.cli.commands.replay as replay_command

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(demo_command, "run_app", headless)
    monkeypatch.setattr(replay_command, "run_app", headless)
    SHOWN.clear()
    offline = next(b for b in usage_blocks() if not is_live(b))
    results = []
    for line in commands(offline):
        argv, stdin = split(line)
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", open(stdin, encoding="utf-8"))  # noqa: SIM115
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: a flag that does not exist
            code = exc.code if isinstance(exc.code, int) else 2
        out, err = capsys.readouterr()
        results.append((line, code, expected_status(line), err.strip().splitlines()[-1:] if err else []))
        if argv[0] == "demo" and "--export" in argv:
            assert (tmp_path / "demo-files" / "cluster.yaml").is_file()
            assert (tmp_path / "demo-files" / "flows.json").is_file()
        elif argv[0] not in TUI_COMMANDS:
            assert out.strip() or err.strip(), f"says nothing: {line}"
    wrong = [r for r in results if r[1] != r[2]]
    assert wrong == [], wrong
    tui_lines = [
        line for line in commands(offline) if split(line)[0][0] in TUI_COMMANDS and "--export" not in line
    ]
    assert len(SHOWN) == len(tui_lines) >= 2 and all(n > 0 for n in SHOWN)


def test_every_live_line_parses() -> None:
    live = next(b for b in usage_blocks() if is_live(b))
    assert commands(live)
    for line in commands(live):
        argv, _ = split(line)
        try:
            parse_args(build_parser(), argv)
        except SystemExit as exc:  # pragma: no cover - the failure message
            raise AssertionError(f"does not parse: {line}") from exc
