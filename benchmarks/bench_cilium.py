"""Benchmark of the engine with Cilium policies (run by hand, not a test): bench_core's synthetic cluster with a
fifth of its policies turned into CiliumNetworkPolicies / CiliumClusterwideNetworkPolicies (entities, CIDR sets
with except, toFQDNs with the DNS rule, deny rules), plus cilium-config, Nodes and the kube-apiserver endpoints.

    python benchmarks/bench_cilium.py                  # 10k pods
    python benchmarks/bench_cilium.py --pods 2000
    python benchmarks/bench_cilium.py --profile        # cProfile of evaluate() (stderr)
    python benchmarks/bench_cilium.py --compare /tmp/old --times 3
        # old vs new in one run: this benchmark with the netpol_tui of /tmp/old (a tree holding netpol_tui/,
        # e.g. `git archive REV netpol_tui | tar -x -C /tmp/old`) and with this tree, alternately

Targets (issue 12, 10k pods / 2k policies): >= 20,000 evaluations/s uncached, load + compile <= 3 s on the JSON
path. CPU time of this process (time.process_time).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import resource
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_core import PROBES, SEED, generate  # noqa: E402

clock = time.process_time


def ciliumize(docs: list[dict[str, Any]], seed: int = SEED) -> list[dict[str, Any]]:
    """Every fifth NetworkPolicy becomes a Cilium policy of one of five shapes; the cluster gets Cilium's objects."""
    rnd = random.Random(seed)
    out: list[dict[str, Any]] = []
    n = 0
    for d in docs:
        if d.get("kind") != "NetworkPolicy":
            out.append(d)
            continue
        n += 1
        if n % 5:
            out.append(d)
            continue
        meta = d["metadata"]
        sel = d["spec"].get("podSelector") or {}
        shape = (n // 5) % 5
        spec: dict[str, Any]
        if shape == 0:  # entities
            spec = {
                "endpointSelector": sel,
                "ingress": [{"fromEntities": ["cluster"]}],
                "egress": [
                    {"toEntities": ["world"], "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]}
                ],
            }
        elif shape == 1:  # CIDR set with except
            spec = {
                "endpointSelector": sel,
                "egress": [
                    {"toCIDRSet": [{"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32", "10.0.0.0/8"]}]}
                ],
            }
        elif shape == 2:  # FQDN + DNS rule
            spec = {
                "endpointSelector": sel,
                "egress": [
                    {
                        "toFQDNs": [{"matchPattern": "*.example.com"}, {"matchName": "api.github.com"}],
                        "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}],
                    },
                    {
                        "toEndpoints": [
                            {
                                "matchLabels": {
                                    "k8s:io.kubernetes.pod.namespace": "kube-system",
                                    "k8s:k8s-app": "kube-dns",
                                }
                            }
                        ],
                        "toPorts": [
                            {
                                "ports": [{"port": "53", "protocol": "ANY"}],
                                "rules": {"dns": [{"matchPattern": "*"}]},
                            }
                        ],
                    },
                ],
            }
        elif shape == 3:  # deny
            spec = {
                "endpointSelector": sel,
                "ingressDeny": [{"fromEntities": ["world"]}],
                "egressDeny": [{"toCIDR": ["169.254.169.254/32"]}],
                "ingress": [
                    {
                        "fromEndpoints": [{"matchLabels": {"tier": rnd.choice(["web", "api"])}}],
                        "toPorts": [{"ports": [{"port": "8080"}]}],
                    }
                ],
            }
        else:  # endpoints, some cluster-wide
            spec = {
                "endpointSelector": sel,
                "ingress": [
                    {
                        "fromEndpoints": [{"matchLabels": {"tier": rnd.choice(["web", "api", "worker"])}}],
                        "toPorts": [
                            {
                                "ports": [
                                    {"port": "8080", "protocol": "TCP"},
                                    {"port": "9090", "protocol": "TCP"},
                                ]
                            }
                        ],
                    }
                ],
            }
        if shape == 4 and n % 2:
            out.append(
                {
                    "apiVersion": "cilium.io/v2",
                    "kind": "CiliumClusterwideNetworkPolicy",
                    "metadata": {"name": f"ccnp-{meta['namespace']}-{meta['name']}"},
                    "spec": {
                        **spec,
                        "endpointSelector": {
                            "matchLabels": {
                                **sel.get("matchLabels", {}),
                                "k8s:io.kubernetes.pod.namespace": meta["namespace"],
                            }
                        },
                    },
                }
            )
        else:
            out.append(
                {
                    "apiVersion": "cilium.io/v2",
                    "kind": "CiliumNetworkPolicy",
                    "metadata": dict(meta),
                    "spec": spec,
                }
            )
    for i in range(50):
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": f"node-{i}"},
                "status": {
                    "addresses": [{"type": "InternalIP", "address": f"172.18.{i // 250}.{i % 250 + 2}"}]
                },
            }
        )
    out.append(
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": "kubernetes", "namespace": "default"},
            "subsets": [{"addresses": [{"ip": "172.18.0.2"}]}],
        }
    )
    out.append(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cilium-config", "namespace": "kube-system"},
            "data": {"cluster-name": "bench"},
        }
    )
    return out


def load(path: str) -> tuple[Any, Any]:
    """(snapshot, evaluator) through the file loader; the Cilium evaluator built directly if the snapshot does not
    carry Cilium objects yet."""
    from netpol_tui.core.cilium.objects import CiliumObjects
    from netpol_tui.core.cluster import ClusterSnapshot
    from netpol_tui.core.evaluate_cilium import CiliumEvaluator
    from netpol_tui.core.manifests import parse_objects

    try:
        from netpol_tui.sources.manifests_io import load_cluster

        snap = load_cluster(path)
        if isinstance(snap.evaluator, CiliumEvaluator):
            return snap, snap.evaluator
    except Exception:  # noqa: BLE001 - fall back to the manual path below
        pass
    with open(path) as f:
        items = json.load(f)["items"]
    objs = CiliumObjects()
    k8s = [d for d in items if not objs.parse(d)]
    snap = ClusterSnapshot.from_parse(parse_objects(k8s))
    return snap, CiliumEvaluator(snap, objs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--pairs", type=int, default=50_000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--compare", metavar="TREE", help="also run with the netpol_tui of TREE, alternately")
    ap.add_argument("--times", type=int, default=2, help="with --compare: runs of each tree")
    args = ap.parse_args()
    if args.compare:
        compare(args)
        return
    docs = ciliumize(generate(args.pods))
    kinds: dict[str, int] = {}
    for d in docs:
        kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
    tmp = tempfile.mkdtemp(prefix="netpol-bench-cilium-")
    path = os.path.join(tmp, "cluster.json")
    with open(path, "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": docs}, f)
    del docs
    t = clock()
    snap, ev = load(path)
    load_s = clock() - t
    t = clock()
    subjects = [ev.subject_for_pod(p) for p in snap.pods.values()]
    for s in subjects:
        ev.selecting(s, "Ingress")
        ev.selecting(s, "Egress")
        ev.view.engine.selecting(ev.view.party(s))  # the Cilium rules selecting it, its identity
        ev.view.identity_subject(s)  # its identity labels, as NetworkPolicy peers see it under Cilium
    compile_s = clock() - t
    rnd = random.Random(SEED + args.pods)
    externals = [ev.subject_for_ip(ip) for ip in ("203.0.113.7", "169.254.169.254", "172.18.0.5")]
    conns = [
        (rnd.choice(subjects), rnd.choice(subjects + externals), *rnd.choice(PROBES))
        for _ in range(args.pairs)
    ]
    t = clock()
    allowed = sum(ev.allows(s, d, p, pr) for s, d, p, pr in conns)
    allows_s = args.pairs / (clock() - t)
    prof = cProfile.Profile() if args.profile else None
    t = clock()
    if prof:
        prof.enable()
    allowed2 = sum(ev.evaluate(s, d, p, pr).allowed for s, d, p, pr in conns)
    if prof:
        prof.disable()
    evaluate_s = args.pairs / (clock() - t)
    assert allowed == allowed2, "allows() and evaluate() disagree"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    os.unlink(path)
    os.rmdir(tmp)
    print(f"objects: {json.dumps(kinds, sort_keys=True)}")
    print(
        f"load (JSON) {load_s:.2f} s, compile {compile_s:.2f} s, load+compile {load_s + compile_s:.2f} s (<= 3 s)"
    )
    print(
        f"evaluate {evaluate_s:,.0f}/s (>= 20,000/s), allows {allows_s:,.0f}/s, allowed {allowed / args.pairs:.0%}, "
        f"peak RSS {rss:.0f} MB"
    )
    if prof:
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(20)


def compare(args: argparse.Namespace) -> None:
    """Old (--compare TREE) and new (this tree) alternately, each in a fresh process; CPU time in each."""
    import subprocess

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cmd = [sys.executable, os.path.abspath(__file__), "--pods", str(args.pods), "--pairs", str(args.pairs)]
    for _ in range(args.times):
        for label, tree in (("old", os.path.abspath(args.compare)), ("new", here)):
            env = dict(os.environ, PYTHONPATH=tree)
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
            for line in out.splitlines():
                if not line.startswith("objects"):
                    print(f"{label} ({tree}): {line}", flush=True)


if __name__ == "__main__":
    main()
