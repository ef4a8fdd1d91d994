"""`netpol-tui demo`: the built-in shop with real policy mistakes, in one package.

- scenario.py: the shop as data (Kubernetes object dicts for the one parser) and a seeded flow generator in the
  `hubble observe -o jsonpb` shape;
- server.py: `DemoServer`, the scenario streamed live through a loopback Hubble server (sources/hubble).

`demo_snapshot()` and `demo_flows()` give the same shop and flows in memory (tests, screenshots, benchmarks).
"""

from __future__ import annotations

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.manifests import parse_objects
from netpol_tui.core.model import Flow
from netpol_tui.demo import scenario
from netpol_tui.demo.server import DemoServer


def demo_snapshot() -> ClusterSnapshot:
    """The shop's cluster state."""
    return ClusterSnapshot.from_parse(parse_objects(scenario.cluster_objects()), source="demo")


def demo_flows(count: int, start_ns: int = 1_764_151_200_000_000_000, seed: int = 7) -> list[Flow]:
    """`count` demo flows as core Flows, deterministic (screenshots, tests, benchmarks)."""
    from netpol_tui.sources.flows import convert_json

    out = []
    for _delay, obj in scenario.flows(start_ns, count=count, seed=seed):
        item = convert_json(obj)
        if isinstance(item, Flow):
            out.append(item)
    return out


__all__ = ["DemoServer", "demo_flows", "demo_snapshot", "scenario"]
