"""Apps for the UI tests, built by the same factory the CLI uses, fed from memory (deterministic)."""

from __future__ import annotations

import asyncio
import time

import pytest

from netpol_tui.cli.app_factory import demo_flows, make_app
from netpol_tui.core.model import StreamState
from netpol_tui.demo import demo_snapshot
from netpol_tui.ui.feeds import MemoryFlowFeed, StaticCluster

FIXED_CLOCK = 1_764_151_260.0  # one minute after the demo flows' start: status-bar ages and rates are fixed
CONNECTED = StreamState("connected", "127.0.0.1:4245", server_version="v1.19.4")


def fixed_clock() -> float:
    return FIXED_CLOCK


def build_app(
    n: int = 60,
    *,
    server_filters: bool = False,
    narrow_live: bool = False,
    select_first_drop: bool = False,
    words: str = "",
    buffer: int = 50_000,
    tmp_path=None,
    live: bool = True,
    **kw,
):
    feed = MemoryFlowFeed(
        [CONNECTED, *demo_flows(n)], label="demo 127.0.0.1:4245", server_filters=server_filters, live=live
    )
    app = make_app(
        feed,
        StaticCluster(demo_snapshot(), label="demo shop"),
        buffer=buffer,
        words=words,
        narrow_live=narrow_live,
        select_first_drop=select_first_drop,
        clock=fixed_clock,
        save_dir=str(tmp_path) if tmp_path else ".",
        **kw,
    )
    return app, feed


async def wait_until(pilot, predicate, timeout: float = 10.0) -> None:
    """Let the app run until `predicate()` holds (workers post from threads); fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.01)
    await pilot.pause()


async def wait_for_explanations(app) -> None:
    """Wait for the explanation workers only (the flow and cluster workers run as long as the app).

    The app starts an explanation worker after the next repaint: wait for that start first."""
    deadline = time.monotonic() + 10
    while app.main.explanation_requested:
        if time.monotonic() > deadline:
            raise AssertionError("the explanation worker did not start")
        await asyncio.sleep(0.01)
    workers = [w for w in app.workers if w.group in ("explain", "regroup")]
    if workers:  # (an empty list would mean "every worker")
        await app.workers.wait_for_complete(workers)


@pytest.fixture
def app_factory():
    return build_app


async def screen_words_after(pilot, app, key: str) -> str:
    """Press `key`, let the explanation workers finish, and return the screen's words as one line."""
    await pilot.press(key)
    await wait_for_explanations(app)
    await pilot.pause()
    return " ".join(" ".join(screen_lines(app)).split())


def screen_lines(app) -> list[str]:
    """The screen as text lines (from the SVG screenshot: what a terminal would show, dialogs included)."""
    import html
    import re

    svg = app.export_screenshot()
    rows: dict[float, list[tuple[float, str]]] = {}
    for m in re.finditer(
        r'<text class="terminal-[\w-]*?r\d+" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg
    ):
        text = html.unescape(m.group(3)).replace("\xa0", " ")
        rows.setdefault(float(m.group(2)), []).append((float(m.group(1)), text))
    height = app.size.height
    lines = [""] * height
    for y, cells in rows.items():
        row = round((y - 20) / 24.4)  # the SVG's first row sits at y=20, one row every 24.4
        line = ""
        for x, text in sorted(cells):
            line = line.ljust(round(x / 12.2)) + text
        if 0 <= row < height:
            lines[row] = line
    return lines
