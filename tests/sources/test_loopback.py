"""The demo's loopback Hubble server (sources/hubble/loopback.py) and the demo stream (netpol_tui/demo), through
the same HubbleSource the live mode uses."""

from __future__ import annotations

from hubble_support import Collector

from netpol_tui.core.flowquery import FlowQuery
from netpol_tui.core.model import Flow
from netpol_tui.demo import DemoServer, demo_snapshot, scenario
from netpol_tui.sources.hubble import HubbleConfig, HubbleSource
from netpol_tui.sources.hubble.loopback import LoopbackHubble

T0 = 1_764_151_200_000_000_000


def demo_objects(count: int) -> list[dict[str, object]]:
    return [obj for _, obj in scenario.flows(T0, count=count, seed=3)]


def test_follow_server_status_and_server_side_filters() -> None:
    server = LoopbackHubble(node_name="node-a")
    address = server.start()
    everything = HubbleSource(HubbleConfig(server=address))
    worker = "shop/worker-5c7d9f8b4-h3k9l"
    only_worker = HubbleSource(HubbleConfig(server=address, query=FlowQuery.from_flags(pods=[worker])))
    status = everything.server_status()
    assert status.version.startswith("v1.") and status.connected_nodes == 1
    a = Collector(everything, max_wait=0.01)
    b = Collector(only_worker, max_wait=0.01)
    try:
        assert a.wait(lambda items: any(getattr(i, "state", "") == "connected" for i in items))
        assert b.wait(lambda items: any(getattr(i, "state", "") == "connected" for i in items))
        assert server.wait_for_followers(2)  # both requests taken by the server: every push reaches both
        objs = demo_objects(60)
        server.push(*objs)
        assert a.wait(lambda items: sum(1 for i in items if type(i) is Flow) == 60)
        got = a.of(Flow)
        assert [f.uuid for f in got] == [o["flow"]["uuid"] for o in objs]  # type: ignore[index]
        assert all(f.node_name for f in got)
        expected = sum(1 for f in got if worker in (f.source.key, f.destination.key))
        assert 0 < expected < 60
        assert b.wait(lambda items: sum(1 for i in items if type(i) is Flow) == expected)
        assert all(worker in (f.source.key, f.destination.key) for f in b.of(Flow))
    finally:
        everything.close()
        only_worker.close()
        server.stop()


def test_a_one_shot_request_ends_at_once() -> None:
    server = LoopbackHubble()
    try:
        src = HubbleSource(HubbleConfig(server=server.start(), follow=False, last=10))
        assert list(src.flows()) == []
    finally:
        server.stop()


def test_the_demo_streams_its_scenario_in_the_present() -> None:
    import time

    with DemoServer(rate=400, count=40) as demo:
        src = HubbleSource(HubbleConfig(server=demo.address))
        c = Collector(src, max_wait=0.01)
        try:
            assert c.wait(lambda items: sum(1 for i in items if type(i) is Flow) == 40, timeout=15)
        finally:
            src.close()
    got = c.of(Flow)
    now = time.time_ns()
    assert all(abs(now - f.time_ns) < 60 * 1_000_000_000 for f in got)
    snap = demo_snapshot()
    known = {p for p in snap.pods}
    assert any(f.verdict == "DROPPED" for f in got)
    assert all(f.source.key in known or f.destination.key in known for f in got)
