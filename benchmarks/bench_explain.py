"""Benchmark of explain + aggregate (run by hand, not a test).

    python benchmarks/bench_explain.py                  # everything, 10k-pod cluster
    python benchmarks/bench_explain.py --only a         # a, b or c
    python benchmarks/bench_explain.py --profile c      # cProfile of that part (top 25)

(a) 1,000,000 flows with realistic repetition (500 distinct drop groups, 2% drops), and a storm (50% drops),
    through DropAggregator.add with its ExplanationCache: flows/s. Target >= 100,000/s. Flows are built up front
    (a pool of 250,000 distinct core.Flow objects, replayed 4 times); only explain + aggregate are timed.
(b) Cold explanation of a new drop on a 10k-pod / 2k-policy cluster: explain_flow(with_fixes=False) over 2,000
    distinct denied pairs, p50/p99. Target p99 <= 2 ms.
(c) A fix with its verification and opens_other_pairs there: suggest_fixes over 300 denied pairs, p50/p99.
    Target <= 50 ms.

The cluster is bench_core.generate(10_000) (200 namespaces, 2,000 policies), parsed by the one parser.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench_core import generate  # noqa: E402

from netpol_tui.core.aggregate import DropAggregator, ExplanationCache  # noqa: E402
from netpol_tui.core.cluster import ClusterSnapshot  # noqa: E402
from netpol_tui.core.explain import explain_flow  # noqa: E402
from netpol_tui.core.manifests import parse_objects  # noqa: E402
from netpol_tui.core.model import Endpoint, EndpointKind, Flow  # noqa: E402
from netpol_tui.core.suggest import suggest_fixes  # noqa: E402

SEED = 20261126
PROBES = ((8080, "TCP"), (9090, "TCP"), (5432, "TCP"), (53, "UDP"), (6379, "TCP"), (443, "TCP"))
clock = time.perf_counter


def load(n_pods: int) -> ClusterSnapshot:
    t = clock()
    snap = ClusterSnapshot.from_parse(parse_objects(generate(n_pods)))
    print(f"cluster: {snap!r} built in {clock() - t:.1f} s", flush=True)
    return snap


def endpoint(pod) -> Endpoint:
    return Endpoint(
        ip=pod.ip or "",
        kind=EndpointKind.POD,
        identity=1000 + hash(pod.namespace) % 50000,
        namespace=pod.namespace,
        pod_name=pod.name,
        labels={k: v for k, v in pod.labels.items() if k != "pod-template-hash"},
        workload=pod.workload,
    )


def flow(src: Endpoint, dst: Endpoint, port: int, proto: str, verdict: str, t: int, sport: int) -> Flow:
    return Flow(
        time_ns=t,
        verdict=verdict,
        drop_reason="POLICY_DENIED" if verdict == "DROPPED" else "",
        drop_reason_code=133 if verdict == "DROPPED" else 0,
        traffic_direction="INGRESS",
        event_type=1 if verdict == "DROPPED" else 4,
        protocol=proto,
        source_port=sport,
        destination_port=port,
        source=src,
        destination=dst,
        flow_type="L3_L4",
    )


def denied_pairs(snap: ClusterSnapshot, n: int, rnd: random.Random) -> list[tuple]:
    """n distinct (src pod, dst pod, port, proto) that the policies deny, with their endpoints."""
    pods = list(snap.pods.values())
    ev = snap.evaluator
    out, seen = [], set()
    while len(out) < n:
        a, b = rnd.choice(pods), rnd.choice(pods)
        port, proto = rnd.choice(PROBES)
        key = (a.key, b.key, port, proto)
        if a.key == b.key or key in seen:
            continue
        seen.add(key)
        if not ev.allows(ev.subject_for_pod(a), ev.subject_for_pod(b), port, proto):
            out.append((a, b, port, proto))
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# ---------------------------------------------------------------------------------------------------------------
def bench_a(snap: ClusterSnapshot, profile: bool) -> None:
    rnd = random.Random(SEED)
    # 500 drop groups: distinct workload pairs/ports; a Zipf-like weight each; 2,000 allowed pairs for the rest
    groups = denied_pairs(snap, 500, rnd)
    pods = list(snap.pods.values())
    fwd = [(rnd.choice(pods), rnd.choice(pods), *rnd.choice(PROBES)) for _ in range(2000)]
    eps: dict[str, Endpoint] = {}

    def ep(pod):
        e = eps.get(pod.key)
        if e is None:
            e = eps[pod.key] = endpoint(pod)
        return e

    weights = [1 / (i + 1) for i in range(len(groups))]
    for share, label in ((0.02, "realistic (2% drops)"), (0.50, "storm (50% drops)")):
        pool = []
        drop_picks = rnd.choices(groups, weights, k=250_000)
        for i in range(250_000):
            if rnd.random() < share:
                a, b, port, proto = drop_picks[i]
                pool.append(flow(ep(a), ep(b), port, proto, "DROPPED", i, 32768 + i % 28000))
            else:
                a, b, port, proto = fwd[i % len(fwd)]
                pool.append(flow(ep(a), ep(b), port, proto, "FORWARDED", i, 32768 + i % 28000))
        cache = ExplanationCache()
        agg = DropAggregator(cache=cache)
        add = agg.add
        prof = cProfile.Profile() if profile else None
        if prof:
            prof.enable()
        t = clock()
        for f in pool:
            add(f, snap)
        first = clock() - t
        misses_first = cache.misses
        for _ in range(3):
            for f in pool:
                add(f, snap)
        dt = clock() - t
        warm = dt - first
        if prof:
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        n = 4 * len(pool)
        print(
            f"(a) {label}: {n:,} flows in {dt:.2f} s = {n / dt:,.0f} flows/s; {agg.total:,} drops in "
            f"{len(agg.groups)} groups; explanations computed {cache.misses}, cache hits {cache.hits:,}",
            flush=True,
        )
        print(
            f"    first 250,000 (every group's first explanation, with verified fixes: {misses_first}): "
            f"{first:.2f} s; the next 750,000 (cache warm): {750_000 / warm:,.0f} flows/s",
            flush=True,
        )


def bench_b(snap: ClusterSnapshot, profile: bool) -> None:
    rnd = random.Random(SEED + 1)
    flows = [
        flow(endpoint(a), endpoint(b), port, proto, "DROPPED", i, 40000)
        for i, (a, b, port, proto) in enumerate(denied_pairs(snap, 2000, rnd))
    ]
    # warm the evaluator's per-pod selection index the way a running TUI has it
    times = []
    prof = cProfile.Profile() if profile else None
    if prof:
        prof.enable()
    for f in flows:
        t = clock()
        expl = explain_flow(f, snap, with_fixes=False)
        times.append(clock() - t)
        assert expl.case == "policy_drop"
    if prof:
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    ms = [x * 1000 for x in times]
    print(
        f"(b) cold explain_flow (no fixes), {len(ms)} distinct drops: p50 {pct(ms, 50):.3f} ms, "
        f"p99 {pct(ms, 99):.3f} ms, max {max(ms):.3f} ms",
        flush=True,
    )


def bench_c(snap: ClusterSnapshot, profile: bool) -> None:
    rnd = random.Random(SEED + 2)
    flows = [
        flow(endpoint(a), endpoint(b), port, proto, "DROPPED", i, 40000)
        for i, (a, b, port, proto) in enumerate(denied_pairs(snap, 300, rnd))
    ]
    verdicts = [explain_flow(f, snap, with_fixes=False).verdict for f in flows]
    times, offered, opened = [], 0, []
    prof = cProfile.Profile() if profile else None
    if prof:
        prof.enable()
    for v in verdicts:
        t = clock()
        fixes = suggest_fixes(v, snap)
        times.append(clock() - t)
        offered += bool(fixes)
        opened += [f.opens_other_pairs for f in fixes]
    if prof:
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    ms = [x * 1000 for x in times]
    print(
        f"(c) suggest_fixes (verified, opens_other_pairs), {len(ms)} drops, {offered} with fixes: "
        f"p50 {pct(ms, 50):.1f} ms, p99 {pct(ms, 99):.1f} ms, max {max(ms):.1f} ms; "
        f"opens_other_pairs median {statistics.median(opened) if opened else 0}, max {max(opened, default=0)}",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--only", choices=("a", "b", "c"))
    ap.add_argument("--profile", choices=("a", "b", "c"))
    args = ap.parse_args()
    snap = load(args.pods)
    for name, fn in (("a", bench_a), ("b", bench_b), ("c", bench_c)):
        if args.only and args.only != name:
            continue
        fn(snap, args.profile == name)


if __name__ == "__main__":
    main()
