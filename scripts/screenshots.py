#!/usr/bin/env python3
"""Write the README's SVG screenshots into screenshots/ from the demo, deterministically.

The demo's flows (fixed seed, fixed start time, a fixed clock) are replayed from memory through the same factory
the CLI uses, so every run gives the same pictures. Run: `python scripts/screenshots.py [OUTDIR]`.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netpol_tui.app_factory import demo_flows, make_app  # noqa: E402
from netpol_tui.core.model import StreamState  # noqa: E402
from netpol_tui.sources.demo import demo_snapshot  # noqa: E402
from netpol_tui.ui.feeds import MemoryFlowFeed, StaticCluster  # noqa: E402

SIZE = (170, 46)
FLOWS = 240
CLOCK = 1_764_151_260.0


def build(**kw):
    feed = MemoryFlowFeed(
        [StreamState("connected", "127.0.0.1:4245", server_version="v1.19.4"), *demo_flows(FLOWS)],
        label="demo 127.0.0.1:4245",
    )
    return make_app(
        feed, StaticCluster(demo_snapshot(), label="demo shop"), narrow_live=False, clock=lambda: CLOCK, **kw
    )


async def settle(app, pilot) -> None:
    deadline = time.monotonic() + 20
    while not (app.total_flows >= FLOWS and app.snapshot is not None):
        if time.monotonic() > deadline:
            raise SystemExit("the demo flows did not arrive")
        await pilot.pause(0.01)
    await pilot.pause()


async def explained(app, pilot) -> None:
    workers = [w for w in app.workers if w.group in ("explain", "regroup")]
    if workers:
        await app.workers.wait_for_complete(workers)
    await pilot.pause()


async def shoot(name: str, steps, outdir: Path, **kw) -> None:
    app = build(**kw)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await steps(app, pilot)
        await explained(app, pilot)
        await pilot.pause()
        app.save_screenshot(str(outdir / f"{name}.svg"))
    print(outdir / f"{name}.svg")


async def main_screen(app, pilot):
    pass


async def selected_drop(app, pilot):
    await pilot.press("home", *["j"] * 7)  # frontend → api:8080 (the rule names the Service port 80)


async def pod_pane(app, pilot):
    from netpol_tui.ui.widgets.pod_tree import PodTree

    app.query_one(PodTree).post_message(PodTree.Chosen("shop", "worker-5c7d9f8b4-h3k9l"))
    await pilot.pause()
    app.query_one(PodTree).focus()


async def grouped(app, pilot):
    await pilot.press("g")


async def help_screen(app, pilot):
    await pilot.press("question_mark")


SHOTS = {
    "main": (main_screen, {"select_first_drop": True}),
    "selected-drop": (selected_drop, {}),
    "pods": (pod_pane, {}),
    "grouped": (grouped, {}),
    "help": (help_screen, {}),
}


def run(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    for name, (steps, kw) in SHOTS.items():
        asyncio.run(shoot(name, steps, outdir, **kw))


if __name__ == "__main__":
    run(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screenshots")
