"""Benchmark of the core engine on a synthetic cluster (run by hand, not a test).

    python benchmarks/bench_core.py                 # 1k, 2k, 5k, 10k pods, table at the end
    python benchmarks/bench_core.py --sizes 10000   # one size
    python benchmarks/bench_core.py --profile 10000 # cProfile of evaluate() at that size

The cluster (pods/50 namespaces, pods/5 policies, realistic labels: app, tier, team, version, pod-template-hash;
policies mixing matchLabels, matchExpressions, AND/OR peers, ipBlocks with except, named ports, endPort, DNS egress)
is generated as dicts, dumped to a temp YAML file (and a `kubectl -o json` shaped List) and loaded through the file
loader, like `--cluster`. Each size runs in its own interpreter so that peak RSS is that size's.

Targets (10k pods, 200 namespaces, 2,000 policies): load + compile <= 3 s, evaluate() >= 20,000 connections/s on
one core, peak RSS <= 400 MB. Times are CPU time of the measuring process (time.process_time), so that
other load on the machine does not distort them.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
import zlib

# the netpol_tui of this tree, whatever an editable install elsewhere points at
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SEED = 20261126
# CPU time of this (single-threaded) process: the figures hold on a shared machine where wall time does not
clock = time.process_time
PROBES = ((8080, "TCP"), (9090, "TCP"), (5432, "TCP"), (53, "UDP"), (6379, "TCP"), (443, "TCP"))
TIERS = ("web", "api", "db", "cache", "worker")
TIER_PORTS = {
    "web": [("http", 8080, "TCP"), ("metrics", 9090, "TCP")],
    "api": [("http", 8080, "TCP"), ("grpc", 50051, "TCP"), ("metrics", 9090, "TCP")],
    "db": [("pg", 5432, "TCP"), ("metrics", 9187, "TCP")],
    "cache": [("redis", 6379, "TCP")],
    "worker": [("metrics", 9090, "TCP")],
}


# ---------------------------------------------------------------------------------------------------------------
# Synthetic cluster
# ---------------------------------------------------------------------------------------------------------------
def generate(n_pods: int, seed: int = SEED) -> list[dict]:
    rnd = random.Random(seed)
    n_ns = max(1, n_pods // 50)
    n_pol = n_pods // 5
    docs: list[dict] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "kube-system", "labels": {"kubernetes.io/metadata.name": "kube-system"}},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "coredns-5d78c9869d-abcde",
                "namespace": "kube-system",
                "labels": {"k8s-app": "kube-dns", "pod-template-hash": "5d78c9869d"},
            },
            "spec": {
                "containers": [
                    {
                        "name": "coredns",
                        "ports": [
                            {"name": "dns", "containerPort": 53, "protocol": "UDP"},
                            {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
                        ],
                    }
                ]
            },
            "status": {"phase": "Running", "podIP": "10.96.0.10"},
        },
    ]
    namespaces = [f"ns-{i:03d}" for i in range(n_ns)]
    ns_team = {}
    for i, ns in enumerate(namespaces):
        team = f"team-{i % 20:02d}"
        ns_team[ns] = team
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "name": ns,
                    "labels": {
                        "kubernetes.io/metadata.name": ns,
                        "team": team,
                        "env": rnd.choice(["prod", "staging", "dev"]),
                    },
                },
            }
        )
    apps_by_ns: dict[str, list[tuple[str, str]]] = {ns: [] for ns in namespaces}
    ip_counter = 0
    for i in range(n_pods):
        ns = namespaces[i % n_ns]
        app_index = (i // n_ns) // 10  # ~10 replicas per app
        tier = TIERS[app_index % len(TIERS)]
        app = f"{tier}-{app_index}"
        if (app, tier) not in apps_by_ns[ns]:
            apps_by_ns[ns].append((app, tier))
        phash = f"{zlib.crc32(f'{ns}/{app}'.encode()):08x}7c"  # stable across runs
        ip_counter += 1
        ip = f"10.{(ip_counter >> 16) & 255}.{(ip_counter >> 8) & 255}.{ip_counter & 255}"
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": f"{app}-{phash}-{i:05d}",
                    "namespace": ns,
                    "labels": {
                        "app": app,
                        "tier": tier,
                        "team": ns_team[ns],
                        "version": rnd.choice(["v1", "v2", "v3"]),
                        "pod-template-hash": phash,
                    },
                    "ownerReferences": [
                        {
                            "apiVersion": "apps/v1",
                            "kind": "ReplicaSet",
                            "name": f"{app}-{phash}",
                            "controller": True,
                            "uid": f"uid-{ns}-{app}",
                        }
                    ],
                },
                "spec": {
                    "nodeName": f"node-{i % 50}",
                    "containers": [
                        {
                            "name": "main",
                            "ports": [
                                {"name": name, "containerPort": port, "protocol": proto}
                                for name, port, proto in TIER_PORTS[tier]
                            ],
                        }
                    ],
                },
                "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]},
            }
        )
    kinds = [
        "deny",
        "same_ns_app",
        "cross_ns_and",
        "expr",
        "ipblock",
        "named_port",
        "dns_egress",
        "endport",
        "or_peers",
        "egress_db",
    ]
    for j in range(n_pol):
        ns = namespaces[j % n_ns]
        kind = kinds[(j // n_ns) % len(kinds)]
        apps = apps_by_ns[ns] or [("web-0", "web")]
        app, tier = rnd.choice(apps)
        other_ns = rnd.choice(namespaces)
        other_app, _ = rnd.choice(apps_by_ns[other_ns] or [("web-0", "web")])
        spec: dict
        if kind == "deny":
            spec = {"podSelector": {}, "policyTypes": ["Ingress"]}
        elif kind == "same_ns_app":
            spec = {
                "podSelector": {"matchLabels": {"app": app}},
                "ingress": [
                    {
                        "from": [{"podSelector": {"matchLabels": {"tier": rnd.choice(TIERS)}}}],
                        "ports": [{"port": 8080}, {"port": 50051}],
                    }
                ],
            }
        elif kind == "cross_ns_and":
            spec = {
                "podSelector": {"matchLabels": {"app": app}},
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {"matchLabels": {"team": ns_team[other_ns]}},
                                "podSelector": {"matchLabels": {"app": other_app}},
                            }
                        ],
                        "ports": [{"port": "http"}],
                    }
                ],
            }
        elif kind == "expr":
            spec = {
                "podSelector": {
                    "matchExpressions": [{"key": "tier", "operator": "In", "values": ["api", "web"]}]
                },
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {
                                    "matchExpressions": [
                                        {"key": "env", "operator": "NotIn", "values": ["dev"]}
                                    ]
                                },
                                "podSelector": {
                                    "matchExpressions": [
                                        {"key": "version", "operator": "Exists"},
                                        {"key": "canary", "operator": "DoesNotExist"},
                                    ]
                                },
                            }
                        ]
                    }
                ],
            }
        elif kind == "ipblock":
            spec = {
                "podSelector": {"matchLabels": {"tier": tier}},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.0.128.0/17"]}}]}],
                "egress": [
                    {
                        "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}],
                        "ports": [{"port": 443}],
                    }
                ],
            }
        elif kind == "named_port":
            spec = {
                "podSelector": {"matchLabels": {"tier": "db"}},
                "ingress": [
                    {
                        "from": [{"podSelector": {"matchLabels": {"tier": "api"}}}],
                        "ports": [{"port": "pg"}, {"port": "metrics"}],
                    }
                ],
            }
        elif kind == "dns_egress":
            spec = {
                "podSelector": {"matchLabels": {"app": app}},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [
                            {
                                "namespaceSelector": {
                                    "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                                },
                                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                            }
                        ],
                        "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
                    },
                    {"to": [{"podSelector": {}}]},
                ],
            }
        elif kind == "endport":
            spec = {
                "podSelector": {"matchLabels": {"tier": "cache"}},
                "ingress": [{"ports": [{"port": 6379, "endPort": 6400, "protocol": "TCP"}]}],
            }
        elif kind == "or_peers":
            spec = {
                "podSelector": {"matchLabels": {"app": app}},
                "ingress": [
                    {
                        "from": [
                            {"namespaceSelector": {"matchLabels": {"team": ns_team[other_ns]}}},
                            {"podSelector": {"matchLabels": {"app": other_app}}},
                        ],
                        "ports": [{"port": 9090}],
                    }
                ],
            }
        else:  # egress_db
            spec = {
                "podSelector": {"matchLabels": {"tier": "api"}},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [
                            {"podSelector": {"matchLabels": {"tier": "db"}}},
                            {
                                "namespaceSelector": {"matchLabels": {"team": ns_team[other_ns]}},
                                "podSelector": {"matchLabels": {"tier": "cache"}},
                            },
                        ],
                        "ports": [{"port": "pg"}, {"port": "redis"}],
                    }
                ],
            }
        docs.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": f"{kind.replace('_', '-')}-{j:05d}", "namespace": ns},
                "spec": spec,
            }
        )
    return docs


# ---------------------------------------------------------------------------------------------------------------
# One size, measured in this interpreter
# ---------------------------------------------------------------------------------------------------------------
def measure(n_pods: int, pairs: int, profile: bool = False) -> dict:
    import yaml

    from netpol_tui.core.cluster import ClusterSnapshot
    from netpol_tui.core.manifests import parse_documents
    from netpol_tui.core.model import Origin
    from netpol_tui.sources.manifests_io import load_cluster

    docs = generate(n_pods)
    tmp = tempfile.mkdtemp(prefix="netpol-bench-")
    yaml_path = os.path.join(tmp, "cluster.yaml")
    json_path = os.path.join(tmp, "cluster.json")
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    with open(yaml_path, "w") as f:
        yaml.dump_all(docs, f, Dumper=dumper, sort_keys=False)
    with open(json_path, "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": docs}, f)
    del docs
    out: dict = {"pods": n_pods}

    # parse alone (YAML decode) vs model alone, then the whole loader
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = open(yaml_path).read()
    t = clock()
    decoded = [d for d in yaml.load_all(text, Loader=loader) if d]
    out["yaml_decode_s"] = clock() - t
    t = clock()
    parsed = parse_documents((d, Origin(yaml_path, i)) for i, d in enumerate(decoded, 1))
    out["model_s"] = clock() - t
    out["model_snapshot_s"] = 0.0
    t = clock()
    ClusterSnapshot.from_parse(parsed)
    out["model_snapshot_s"] = clock() - t
    del decoded, parsed, text

    t = clock()
    snap_json = load_cluster(json_path)
    out["load_json_s"] = clock() - t
    del snap_json

    t = clock()
    snap = load_cluster(yaml_path)
    out["load_yaml_s"] = clock() - t
    assert not snap.problems, snap.problems[:3]
    counts = snap.counts()
    out.update(namespaces=counts["namespaces"], policies=counts["policies"])

    # compile: the evaluator and its per-pod selection index (built lazily; forced here for every pod)
    t = clock()
    ev = snap.evaluator
    subjects = [ev.subject_for_pod(p) for p in snap.pods.values()]
    for s in subjects:
        ev.selecting(s, "Ingress")
        ev.selecting(s, "Egress")
    out["compile_s"] = clock() - t

    rnd = random.Random(SEED + n_pods)
    conns = [(rnd.choice(subjects), rnd.choice(subjects), *rnd.choice(PROBES)) for _ in range(pairs)]

    t = clock()
    allowed = 0
    for s, d, port, proto in conns:
        allowed += ev.allows(s, d, port, proto)
    out["allows_per_s"] = pairs / (clock() - t)
    out["allowed_share"] = allowed / pairs

    prof = cProfile.Profile() if profile else None
    t = clock()
    if prof:
        prof.enable()
    allowed2 = 0
    for s, d, port, proto in conns:
        allowed2 += ev.evaluate(s, d, port, proto).allowed
    if prof:
        prof.disable()
    out["evaluate_per_s"] = pairs / (clock() - t)
    assert allowed2 == allowed, "allows() and evaluate() disagree"
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if prof:
        stats = pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime")
        stats.print_stats(18)
    for p in (yaml_path, json_path):
        os.unlink(p)
    os.rmdir(tmp)
    return out


# ---------------------------------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 5000, 10000])
    ap.add_argument("--pairs", type=int, default=50_000)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child mode: measure one size, print JSON
    ap.add_argument("--profile", type=int, metavar="PODS", help="cProfile evaluate() at this size (stderr)")
    args = ap.parse_args()
    if args.one or args.profile:
        print(json.dumps(measure(args.one or args.profile, args.pairs, profile=bool(args.profile))))
        return
    rows = []
    for n in args.sizes:
        proc = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--pairs", str(args.pairs)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"  measured {n} pods", file=sys.stderr)
    head = (
        "pods",
        "ns",
        "policies",
        "yaml decode",
        "model",
        "load yaml",
        "load json",
        "compile",
        "load+compile",
        "evaluate/s",
        "allows/s",
        "allowed",
        "peak RSS",
    )
    print(" | ".join(head))
    print(" | ".join("-" * len(h) for h in head))
    for r in rows:
        print(
            " | ".join(
                [
                    f"{r['pods']}",
                    f"{r['namespaces']}",
                    f"{r['policies']}",
                    f"{r['yaml_decode_s']:.2f} s",
                    f"{r['model_s'] + r['model_snapshot_s']:.2f} s",
                    f"{r['load_yaml_s']:.2f} s",
                    f"{r['load_json_s']:.2f} s",
                    f"{r['compile_s']:.2f} s",
                    f"{r['load_yaml_s'] + r['compile_s']:.2f} s",
                    f"{r['evaluate_per_s']:,.0f}",
                    f"{r['allows_per_s']:,.0f}",
                    f"{r['allowed_share']:.0%}",
                    f"{r['peak_rss_mb']:.0f} MB",
                ]
            )
        )
    big = rows[-1]
    print()
    print(
        f"targets at {big['pods']} pods: load+compile {big['load_yaml_s'] + big['compile_s']:.2f} s (<= 3 s), "
        f"evaluate {big['evaluate_per_s']:,.0f}/s (>= 20,000/s), peak RSS {big['peak_rss_mb']:.0f} MB (<= 400 MB)"
    )


if __name__ == "__main__":
    main()
