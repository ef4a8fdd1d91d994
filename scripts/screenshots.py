#!/usr/bin/env python3
"""Write the README's SVG screenshots into screenshots/ from the demo, deterministically.

The demo's flows (fixed seed, fixed start time) are replayed from memory through the same factory the CLI uses,
one batch per second of their own timestamps, and the app's clock is the time of the newest flow it has received:
it moves as the demo's flows do, so flows/s, drops/s and the drops sparkline show real values, and every run gives
the same pictures. Run: `python scripts/screenshots.py [OUTDIR]`.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netpol_tui.cli.app_factory import demo_flows, make_app  # noqa: E402
from netpol_tui.core.model import StreamState  # noqa: E402
from netpol_tui.demo import demo_snapshot  # noqa: E402
from netpol_tui.ui.feeds import MemoryFlowFeed, StaticCluster  # noqa: E402

SIZE = (170, 46)
FLOWS = 12_000  # about 4.6 minutes of the demo: enough for the 5-minute drops sparkline
START_NS = 1_764_151_200_000_000_000


class FlowClock:
    """The app's clock for screenshots: the time of the newest flow the app has received (the demo's start before
    the first one). Deterministic, and it advances exactly as the replayed flows' timestamps do."""

    def __init__(self) -> None:
        self.app = None

    def __call__(self) -> float:
        ring = self.app.main.ring if self.app is not None else None
        if ring is None or len(ring) == 0:
            return START_NS / 1e9
        return ring[-1].time_ns / 1e9


def build(**kw):
    flows = demo_flows(FLOWS, start_ns=START_NS)
    feed = MemoryFlowFeed(
        [StreamState("connected", "127.0.0.1:4245", server_version="v1.19.4")], label="demo 127.0.0.1:4245"
    )
    clock = FlowClock()
    app = make_app(
        feed, StaticCluster(demo_snapshot(), label="demo shop"), narrow_live=False, clock=clock, **kw
    )
    clock.app = app
    # one batch per second of flow time; pushed once the cluster is in (`settle`), so it is listed at the start
    app.screenshot_batches = [
        list(b) for _s, b in itertools.groupby(flows, key=lambda f: f.time_ns // 1_000_000_000)
    ]
    app.screenshot_feed = feed
    return app


async def settle(app, pilot) -> None:
    async def until(predicate, what):
        deadline = time.monotonic() + 30
        while not predicate():
            if time.monotonic() > deadline:
                raise SystemExit(f"screenshots: {what} did not arrive")
            await pilot.pause(0.01)

    await until(lambda: app.main.snapshot is not None, "the demo cluster")
    for batch in app.screenshot_batches:
        app.screenshot_feed.push(batch)
    await until(lambda: app.main.total_flows >= FLOWS, "the demo flows")
    table = app.query_one("#flows")
    await until(lambda: table.synced, "the flows pane")
    status = app.query_one("#status")  # refreshed by the app's 0.5 s tick: wait until it counts every flow
    await until(lambda: f"flows {FLOWS:,} " in str(status.content), "the status bar")
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


async def rollout(app, pilot):
    """`P` on kube-system (chosen in the Pods pane): deny-by-default proposed from the demo's flows."""
    from netpol_tui.ui.screens.rollout_dialog import RolloutDialog
    from netpol_tui.ui.widgets.pod_tree import PodTree

    app.query_one(PodTree).post_message(PodTree.Chosen("kube-system"))
    await pilot.pause()
    await pilot.press("P")
    deadline = time.monotonic() + 30
    while not (isinstance(app.screen, RolloutDialog) and app.screen.ready):
        if time.monotonic() > deadline:
            raise SystemExit("screenshots: the rollout pane did not fill")
        await pilot.pause(0.01)


SHOTS = {
    "main": (main_screen, {"select_first_drop": True}),
    "selected-drop": (selected_drop, {}),
    "pods": (pod_pane, {}),
    "grouped": (grouped, {}),
    "help": (help_screen, {}),
    "rollout": (rollout, {}),
}


def run(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    for name, (steps, kw) in SHOTS.items():
        asyncio.run(shoot(name, steps, outdir, **kw))


if __name__ == "__main__":
    run(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screenshots")
