"""Benchmark of `core.diff` (run by hand, not a test): observed connections re-judged under one policy change.

    /work/venv/bin/python benchmarks/bench_diff.py                  # 10k pods, 2k policies, 100k connections
    /work/venv/bin/python benchmarks/bench_diff.py --oracle         # also time the brute force (every connection)
    /work/venv/bin/python benchmarks/bench_diff.py --profile        # cProfile of diff() on stderr

Then a live change: core.history observes the new snapshot and attributes up to 2,000 drop groups (target
<= 200 ms after the watch event; the kube source adds its 20 ms debounce and the snapshot build).

The cluster is bench_core's synthetic one (pods/50 namespaces, pods/5 policies), parsed from dicts. The flows are
random pod pairs on the probe ports (plus a share of duplicates and replies, which are not connections). One
policy changes: the "after" state is the cluster with one modified policy staged on top (`core.diff.staged`).
Timed (CPU time of this process): building the observed connections from the flows, and `diff()` itself; each for
three changes: a policy selecting one app, one selecting every pod of its namespace, one newly created policy.

Target (issue 13): 100k observed connections on 10k pods / 2k policies with one changed policy <= 2 s.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import os
import pstats
import random
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_core import PROBES, generate  # noqa: E402  (the one synthetic cluster generator)

from netpol_tui.core.cluster import ClusterSnapshot  # noqa: E402
from netpol_tui.core.diff import diff, observed_connections, staged  # noqa: E402
from netpol_tui.core.manifests import parse_objects  # noqa: E402
from netpol_tui.core.model import Endpoint, EndpointKind, Flow  # noqa: E402

SEED = 20261129
clock = time.process_time


def make_flows(docs: list[dict[str, Any]], connections: int, rnd: random.Random) -> list[Flow]:
    pods = [d for d in docs if d["kind"] == "Pod"]
    eps = [
        Endpoint(
            ip=p["status"]["podIP"],
            kind=EndpointKind.POD,
            namespace=p["metadata"]["namespace"],
            pod_name=p["metadata"]["name"],
            labels=p["metadata"]["labels"],
        )
        for p in pods
    ]
    seen: set[tuple[int, int, int]] = set()
    flows: list[Flow] = []
    while len(seen) < connections:
        s, d, probe = rnd.randrange(len(eps)), rnd.randrange(len(eps)), rnd.randrange(len(PROBES))
        if s == d or (s, d, probe) in seen:
            continue
        seen.add((s, d, probe))
        port, proto = PROBES[probe]
        flow = Flow(
            verdict="FORWARDED",
            source=eps[s],
            destination=eps[d],
            source_port=40000,
            destination_port=port,
            protocol=proto,
            is_reply=False,
        )
        flows.append(flow)
        if rnd.random() < 0.2:  # a duplicate and its reply: neither is a new connection
            flows.append(flow)
            flows.append(
                Flow(
                    verdict="FORWARDED",
                    source=eps[d],
                    destination=eps[s],
                    source_port=port,
                    destination_port=40000,
                    protocol=proto,
                    is_reply=True,
                )
            )
    return flows


def changed_policies(docs: list[dict[str, Any]], rnd: random.Random) -> list[tuple[str, dict[str, Any]]]:
    pols = [d for d in docs if d["kind"] == "NetworkPolicy"]
    app_pol = copy.deepcopy(next(p for p in pols if p["metadata"]["name"].startswith("same-ns-app-")))
    app_pol["spec"]["ingress"][0]["ports"] = [{"port": 9090}]  # a modified port
    ns_pol = copy.deepcopy(next(p for p in pols if p["spec"]["podSelector"] == {}))
    ns_pol["spec"]["policyTypes"] = ["Ingress", "Egress"]  # the whole namespace now denies egress too
    new_pol = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "new-db-lockdown", "namespace": rnd.choice(pols)["metadata"]["namespace"]},
        "spec": {
            "podSelector": {"matchLabels": {"tier": "db"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {"from": [{"podSelector": {"matchLabels": {"tier": "api"}}}], "ports": [{"port": 5432}]}
            ],
        },
    }
    return [("modified (one app)", app_pol), ("modified (whole namespace)", ns_pol), ("created", new_pol)]


def live(before: ClusterSnapshot, docs: list[dict[str, Any]], flows: list[Flow], rnd: random.Random) -> None:
    """A live policy change: the new snapshot observed by the change history, then every drop group (one per
    distinct dropped connection, up to 2,000) asked whether that change is what denies it."""
    from netpol_tui.core.history import ChangeHistory

    title, pol = changed_policies(docs, rnd)[1]  # the whole namespace loses egress
    after = staged(before, [copy.deepcopy(pol)])
    history = ChangeHistory()
    history.observe(before)
    observed = observed_connections(flows)
    # the drop groups after the change: connections denied now (found here with the evaluator, untimed)
    groups = []
    ev = after.evaluator
    from netpol_tui.core.explain import subject_for_endpoint

    ns = pol["metadata"]["namespace"]
    # the drop groups after the change: the connections denied now, those of the changed namespace first (found
    # here with the evaluator, untimed)
    for oc in sorted(observed, key=lambda oc: oc.source.namespace != ns):
        c = oc.connection
        if not ev.allows(
            subject_for_endpoint(oc.source, after),
            subject_for_endpoint(oc.destination, after),
            c.port,
            c.protocol,
        ):
            groups.append(
                Flow(
                    verdict="DROPPED",
                    source=oc.source,
                    destination=oc.destination,
                    destination_port=c.port,
                    protocol=c.protocol,
                    is_reply=False,
                )
            )
        if len(groups) >= 2000:
            break
    t = clock()
    history.observe(after)
    attributed = sum(history.attribute(f) is not None for f in groups)
    took = clock() - t
    print(
        f"live change ({title}): observe + attribute {len(groups)} drop groups {took * 1000:.0f} ms, "
        f"{attributed} attributed to the change (<= 200 ms)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--connections", type=int, default=100_000)
    ap.add_argument("--oracle", action="store_true", help="also re-judge every connection (brute force)")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()

    rnd = random.Random(SEED)
    docs = generate(args.pods)
    parsed = parse_objects(copy.deepcopy(docs))
    assert not parsed.problems, parsed.problems[:3]
    before = ClusterSnapshot.from_parse(parsed)
    c = before.counts()
    flows = make_flows(docs, args.connections, rnd)
    print(
        f"cluster: {c['pods']} pods, {c['namespaces']} namespaces, {c['policies']} policies; {len(flows)} flows"
    )

    t = clock()
    observed = observed_connections(flows)
    t_obs = clock() - t
    print(f"observed connections: {len(observed)} in {t_obs:.2f} s")
    assert len(observed) == args.connections

    worst = 0.0
    cases = [(title, staged(before, [copy.deepcopy(pol)])) for title, pol in changed_policies(docs, rnd)]
    # --against: a whole other state read separately (every object a new one), the same one policy changed
    title, pol = changed_policies(docs, random.Random(SEED))[1]
    key = (pol["metadata"]["namespace"], pol["metadata"]["name"])
    other = [
        pol if (d.get("metadata", {}).get("namespace"), d["metadata"]["name"]) == key else d for d in docs
    ]
    cases.append(("whole state (--against)", ClusterSnapshot.from_parse(parse_objects(copy.deepcopy(other)))))
    for title, after in cases:
        # each state compiles its evaluator once; the "after" one is new, as in the CLI
        prof = cProfile.Profile() if args.profile else None
        t = clock()
        if prof:
            prof.enable()
        result = diff(observed, before, after)
        if prof:
            prof.disable()
        t_diff = clock() - t
        worst = max(worst, t_diff)
        lost = len(result.lost)
        print(
            f"{title:28s} diff {t_diff:.3f} s  (+ connections {t_obs:.2f} s = {t_diff + t_obs:.2f} s): "
            f"{len(result.policy_changes)} policy change, {result.rejudged} re-judged, "
            f"{len(result.changes)} changed ({lost} lose access)"
        )
        if prof:
            pstats.Stats(prof, stream=sys.stderr).sort_stats("cumtime").print_stats(15)
        if args.oracle:
            from netpol_tui.core.explain import subject_for_endpoint

            t = clock()
            changed = 0
            for oc in observed:
                cn = oc.connection
                vb = before.evaluator.allows(
                    subject_for_endpoint(oc.source, before),
                    subject_for_endpoint(oc.destination, before),
                    cn.port,
                    cn.protocol,
                )
                va = after.evaluator.allows(
                    subject_for_endpoint(oc.source, after),
                    subject_for_endpoint(oc.destination, after),
                    cn.port,
                    cn.protocol,
                )
                changed += vb != va
            print(f"{'':28s} brute force {clock() - t:.2f} s: {changed} changed")
            assert changed == len(result.changes)
    live(before, docs, flows, rnd)
    print()
    print(
        f"target: {args.connections:,} connections on {c['pods']:,} pods / {c['policies']:,} policies, one changed "
        f"policy: connections + diff {t_obs + worst:.2f} s (<= 2 s)"
    )


if __name__ == "__main__":
    main()
