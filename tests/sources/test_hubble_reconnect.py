"""One reconnect loop per stream: HubbleSource's own, with the one backoff — also for the TUI's feed, which asks
it to keep retrying (`retry_until_connected`) instead of failing on the first connection."""

from __future__ import annotations

import socket

from hubble_support import T0, Collector
from support.hubble_server import HubbleServer, make_flow

from netpol_tui.cli.feeds import HubbleFeed
from netpol_tui.core.flowquery import FlowQuery
from netpol_tui.core.model import Flow, StreamState
from netpol_tui.sources.hubble import HubbleConfig, HubbleSource


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def flows(n: int, start: int = 0) -> list[object]:
    return [
        make_flow(src=f"shop/cart-{i}", dst="payments/db-0", port=5432, time_ns=T0 + (start + i) * 1000)
        for i in range(n)
    ]


def states(c: Collector, name: str) -> list[StreamState]:
    return [s for s in c.of(StreamState) if s.state == name]


def test_retry_until_connected_reports_each_failure_then_streams() -> None:
    port = free_port()
    cfg = HubbleConfig(
        server=f"127.0.0.1:{port}",
        timeout=1.0,
        backoff_initial=0.05,
        backoff_max=0.2,
        retry_until_connected=True,
        last=100,  # history included: no race between the subscription and the first flows
    )
    src = HubbleSource(cfg)
    c = Collector(src, max_batch=64, max_wait=0.01)
    srv = None
    try:
        assert c.wait(lambda items: sum(1 for i in items if getattr(i, "state", "") == "failed") >= 3)
        failed = states(c, "failed")
        assert [s.attempt for s in failed[:3]] == [1, 2, 3]
        assert all(0 < s.retry_in <= 0.2 for s in failed)
        assert "connection refused" in failed[0].message and f"127.0.0.1:{port}" in failed[0].message
        assert c.error is None  # nothing raised: the loop keeps trying
        srv = HubbleServer(flows(5), port=port)
        assert c.wait(lambda items: any(getattr(i, "state", "") == "connected" for i in items))
        assert c.wait(lambda items: sum(1 for i in items if type(i) is Flow) == 5)
        assert [f.source.pod_name for f in c.of(Flow)] == [f"cart-{i}" for i in range(5)]
    finally:
        src.close()
        if srv is not None:
            srv.stop()
    c.thread.join(5)
    assert not c.thread.is_alive() and c.error is None


def test_the_feed_has_no_loop_of_its_own_and_reopens_the_source() -> None:
    srv = HubbleServer(flows(3))
    cfg = HubbleConfig(server=srv.address, backoff_initial=0.05, last=100)
    feed = HubbleFeed(cfg, "relay", retry_max=0.2)
    assert feed.config.retry_until_connected and feed.config.follow and feed.config.backoff_max == 0.2

    class FeedSource:
        def batches(self, **_: object):  # type: ignore[no-untyped-def]
            return feed.stream(FlowQuery())

    c = Collector(FeedSource())
    try:
        assert c.wait(lambda items: sum(1 for i in items if type(i) is Flow) == 3)
        # a new subscription: the same source reopens with the server-side filter
        feed.reopen(FlowQuery.from_flags(pods=["shop/cart-1"]))
        req = srv.wait_for_request(2)
        assert req is not None and req.whitelist
        assert c.wait(lambda items: any(getattr(i, "generation", 0) == 1 for i in items))
        assert c.wait(lambda items: sum(1 for i in items if type(i) is Flow) == 4)
        assert c.of(Flow)[-1].source.pod_name == "cart-1"
        # the server goes away: the same loop says so and comes back
        srv.restart()
        assert c.wait(lambda items: any(getattr(i, "state", "") == "reconnecting" for i in items))
        assert srv.wait_for_request(3) is not None
        srv.push(*flows(3, start=10))  # cart-0..2 again, later
        assert c.wait(lambda items: any(type(i) is Flow and i.time_ns == T0 + 11_000 for i in items))
        late = [f for f in c.of(Flow) if f.time_ns >= T0 + 10_000]
        assert [f.source.pod_name for f in late] == ["cart-1"]  # filtered by the server
        assert len(c.of(Flow)) == 5  # nothing lost, nothing doubled across the restart
    finally:
        feed.close()
        srv.stop()
    c.thread.join(5)
    assert not c.thread.is_alive() and c.error is None
