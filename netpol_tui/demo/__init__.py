"""`netpol-tui demo`: the built-in shop with real policy mistakes, in one package.

- scenario.py: the shop as data (Kubernetes object dicts for the one parser) and a seeded flow generator in the
  `hubble observe -o jsonpb` shape;
- server.py: `DemoServer`, the scenario streamed live through a loopback Hubble server (sources/hubble).

`demo_snapshot()` and `demo_flows()` give the same shop and flows in memory (tests, screenshots, benchmarks).
"""

from __future__ import annotations

from netpol_tui.core.cilium.objects import CiliumObjects
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate_cilium import CiliumEvaluator
from netpol_tui.core.manifests import parse_objects
from netpol_tui.core.model import Flow
from netpol_tui.demo import scenario
from netpol_tui.demo.server import DemoServer


def demo_snapshot(cilium: bool | None = None) -> ClusterSnapshot:
    """The shop's cluster state; with `cilium` (default: when the core's snapshot carries Cilium objects) its
    Cilium part too, judged by the Cilium evaluator."""
    objects = scenario.cluster_objects(cilium)
    parsed = parse_objects(objects)
    if not any(o["apiVersion"].startswith("cilium.io/") for o in objects) or scenario.cilium_enabled():
        return ClusterSnapshot.from_parse(parsed, source="demo")
    # until it does: the Cilium objects parsed apart (by the core's Cilium parser) and evaluated with the rest
    found = CiliumObjects()
    k8s = [obj for obj in objects if not found.parse(obj)]
    snap = ClusterSnapshot.from_parse(parse_objects(k8s), source="demo")
    snap._evaluator = CiliumEvaluator(snap, found)
    return snap


def demo_flows(
    count: int, start_ns: int = 1_764_151_200_000_000_000, seed: int = 7, cilium: bool | None = None
) -> list[Flow]:
    """`count` demo flows as core Flows, deterministic (screenshots, tests, benchmarks); `cilium` as for
    `scenario.flows`."""
    from netpol_tui.sources.flows import convert_json

    out = []
    for _delay, obj in scenario.flows(start_ns, count=count, seed=seed, cilium=cilium):
        item = convert_json(obj)
        if isinstance(item, Flow):
            out.append(item)
    return out


__all__ = ["DemoServer", "demo_flows", "demo_snapshot", "scenario"]
