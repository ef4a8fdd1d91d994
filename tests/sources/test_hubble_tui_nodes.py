"""The TUI's live feed against the loopback server: Relay node events reach the status bar (issue 11, point 12),
unavailable nodes named there, with the names made inert."""

from __future__ import annotations

import time
from typing import Any

from support.hubble_server import Faults, HubbleServer, numbered_flow

from netpol_tui._proto.observer import observer_pb2
from netpol_tui._proto.relay import relay_pb2
from netpol_tui.cli.app_factory import HubbleFeed, make_app
from netpol_tui.demo import demo_snapshot
from netpol_tui.sources.hubble import HubbleConfig
from netpol_tui.ui.feeds import StaticCluster
from netpol_tui.ui.widgets.status_bar import StatusBar


async def _until(pilot: Any, predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await pilot.pause(0.02)


def _bar(app: Any) -> str:
    shown = app.query_one(StatusBar)._shown
    return shown.plain if shown is not None else ""


async def test_status_bar_names_unavailable_nodes() -> None:
    srv = HubbleServer(
        [numbered_flow(i) for i in range(6)],
        faults=Faults(unavailable_nodes=("kind-worker2", "evil\x1b[2Jnode")),
        nodes=("kind-worker",),
    )
    feed = HubbleFeed(
        HubbleConfig(server=srv.address, last=100, backoff_initial=0.05), "relay", retry_max=0.2
    )
    app = make_app(feed, StaticCluster(demo_snapshot()))
    try:
        async with app.run_test(size=(220, 50)) as pilot:
            await _until(pilot, lambda: "down" in _bar(app))
            bar = _bar(app)
            assert "2 down" in bar and "kind-worker2" in bar
            assert "evil\\x1b[2Jnode" in bar and "\x1b" not in bar
            # the node comes back: the bar says so
            srv.push(
                observer_pb2.GetFlowsResponse(
                    node_status=relay_pb2.NodeStatusEvent(
                        state_change=relay_pb2.NODE_CONNECTED, node_names=["kind-worker2"]
                    )
                )
            )
            await _until(pilot, lambda: "1 down" in _bar(app))
            assert "kind-worker2" not in _bar(app).split("down", 1)[1]
    finally:
        feed.close()
        srv.stop()
