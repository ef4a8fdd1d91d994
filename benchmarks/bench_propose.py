"""Benchmark of `netpol-tui propose` (run by hand, not a test).

    python benchmarks/bench_propose.py                       # 10M flows in-process + 200k flows on disk
    python benchmarks/bench_propose.py --flows 1000000       # fewer in-process flows
    python benchmarks/bench_propose.py --disk-flows 0        # skip the on-disk run
    python benchmarks/bench_propose.py --profile             # cProfile of propose() (top 25)
    python benchmarks/bench_propose.py --dialect cilium      # CiliumNetworkPolicies (judged by the Cilium evaluator)

A synthetic shop per namespace (200 namespaces by default): an ingress controller -> frontend (3 pods) -> api
(3) -> db (StatefulSet, 2) and cache; workers -> api and to the outside; a CronJob -> db; every pod -> kube-dns;
api -> the next namespace's api; one idle Deployment per namespace. 2,600 pods, about 14,000 distinct
connections. The flows are drawn at random from a pool holding every connection, its reply and a drop (about 20%
replies, 5% drops), so the reducer sees the repetition hours of Hubble flows have.

(a) in-process: a generator of N flows (default 10,000,000) feeds the ConnectionReducer, then propose() on the
    parsed cluster: time of each phase, flows/s, peak RSS. Targets: <= 2 min in all, RSS <= 500 MB.
(b) on disk: M flows (default 200,000) written as `hubble observe -o jsonpb` lines and the cluster as YAML, then
    `python -m netpol_tui propose --flows F --cluster C --out D` in a child process: wall time and its peak RSS.
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
from collections.abc import Iterator
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from netpol_tui.core.cluster import ClusterSnapshot  # noqa: E402
from netpol_tui.core.manifests import parse_objects  # noqa: E402
from netpol_tui.core.model import Endpoint, EndpointKind, Flow  # noqa: E402
from netpol_tui.core.propose import ConnectionReducer, Dialect, ProposeOptions, propose  # noqa: E402

SEED = 20261129
clock = time.perf_counter
HASH = "5f7c9d8b6"


def _pod(
    ns: str, name: str, ip: str, labels: dict[str, str], owner: tuple[str, str] | None, ports: Any
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": labels}
    if owner:
        meta["ownerReferences"] = [{"kind": owner[0], "name": owner[1], "controller": True}]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "ports": [{"containerPort": p, "name": n, "protocol": pr} for p, n, pr in ports],
                }
            ]
        },
        "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]},
    }


def _deploy(
    ns: str, name: str, ips: list[str], labels: dict[str, str], ports: Any = ()
) -> list[dict[str, Any]]:
    return [
        _pod(
            ns,
            f"{name}-{HASH}-{i:05d}",
            ip,
            {**labels, "pod-template-hash": HASH},
            ("ReplicaSet", f"{name}-{HASH}"),
            ports,
        )
        for i, ip in enumerate(ips)
    ]


def generate(n_ns: int) -> tuple[list[dict[str, Any]], list[tuple[str, str, int, str]]]:
    """Cluster objects and the distinct connections (src key or IP, dst key or IP, port, protocol)."""
    objs: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ingress-nginx"}},
        *_deploy(
            "kube-system",
            "coredns",
            ["10.250.0.10", "10.250.0.11"],
            {"k8s-app": "kube-dns"},
            [(53, "dns", "UDP")],
        ),
        *_deploy(
            "ingress-nginx",
            "ingress-nginx-controller",
            ["10.250.1.1", "10.250.1.2"],
            {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
        ),
    ]
    dns = [f"kube-system/coredns-{HASH}-{i:05d}" for i in range(2)]
    ctrl = [f"ingress-nginx/ingress-nginx-controller-{HASH}-{i:05d}" for i in range(2)]
    conns: list[tuple[str, str, int, str]] = []
    names = [f"ns-{i:03d}" for i in range(n_ns)]
    for i, ns in enumerate(names):
        net = f"10.{1 + i // 250}.{i % 250}"
        hosts = iter(range(1, 250))

        def ips(n: int, net: str = net, hosts: Iterator[int] = hosts) -> list[str]:
            return [f"{net}.{next(hosts)}" for _ in range(n)]

        objs.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": ns, "labels": {"team": f"t{i % 7}"}},
            }
        )
        objs += _deploy(ns, "frontend", ips(3), {"app": "frontend", "tier": "web"}, [(8080, "http", "TCP")])
        objs += _deploy(ns, "api", ips(3), {"app": "api", "tier": "backend"}, [(8080, "http", "TCP")])
        objs += _deploy(ns, "worker", ips(2), {"app": "worker", "tier": "backend"})
        objs += _deploy(ns, "cache", ips(1), {"app": "cache"}, [(6379, "redis", "TCP")])
        objs += _deploy(ns, "idle", ips(1), {"app": "idle"})
        for j, addr in enumerate(ips(2)):
            objs.append(
                _pod(
                    ns,
                    f"db-{j}",
                    addr,
                    {
                        "app": "db",
                        "controller-revision-hash": "db-6c8",
                        "statefulset.kubernetes.io/pod-name": f"db-{j}",
                    },
                    ("StatefulSet", "db"),
                    [(5432, "postgres", "TCP")],
                )
            )
        objs.append(
            _pod(ns, "report-29000000-x1", f"{net}.240", {"app": "report"}, ("Job", "report-29000000"), [])
        )

        def pods(name: str, n: int, ns: str = ns) -> list[str]:
            return [f"{ns}/{name}-{HASH}-{k:05d}" for k in range(n)]

        fe, api, wk, cache = pods("frontend", 3), pods("api", 3), pods("worker", 2), pods("cache", 1)
        db = [f"{ns}/db-{j}" for j in range(2)]
        job = [f"{ns}/report-29000000-x1"]
        nxt = names[(i + 1) % n_ns]
        api_next = [f"{nxt}/api-{HASH}-{k:05d}" for k in range(3)]
        conns += [(c, f, 8080, "TCP") for c in ctrl for f in fe]
        conns += [(f, a, 8080, "TCP") for x, f in enumerate(fe) for y, a in enumerate(api) if (x + y) % 3]
        conns += [(a, d, 5432, "TCP") for a in api for d in db]
        conns += [(a, c, 6379, "TCP") for a in api for c in cache]
        conns += [(w, a, 8080, "TCP") for w in wk for a in api]
        conns += [(w, f"203.0.113.{i % 50}", 443, "TCP") for w in wk]
        conns += [(j, d, 5432, "TCP") for j in job for d in db]
        conns += [(p, d, 53, "UDP") for p in fe + api + wk + cache + db + job for d in dns]
        conns += [(a, b, 8080, "TCP") for a in api for b in api_next] if n_ns > 1 else []
        conns += [(a, "198.51.100.7", 443, "TCP") for a in api]
    return objs, conns


def flow_pool(
    snap: ClusterSnapshot, conns: list[tuple[str, str, int, str]], rng: random.Random
) -> list[Flow]:
    def ep(key: str) -> Endpoint:
        p = snap.pod(key)
        if p is None:
            return Endpoint(ip=key, kind=EndpointKind.WORLD)
        return Endpoint(
            ip=p.ip or "",
            kind=EndpointKind.POD,
            namespace=p.namespace,
            pod_name=p.name,
            labels=dict(p.labels),
            workload=p.workload,
        )

    eps: dict[str, Endpoint] = {}
    pool: list[Flow] = []
    for s, d, port, proto in conns:
        se = eps.get(s) or eps.setdefault(s, ep(s))
        de = eps.get(d) or eps.setdefault(d, ep(d))
        fwd = Flow(
            verdict="FORWARDED",
            is_reply=False,
            protocol=proto,
            source_port=40000 + rng.randrange(20000),
            destination_port=port,
            source=se,
            destination=de,
        )
        reply = Flow(
            verdict="FORWARDED",
            is_reply=True,
            protocol=proto,
            source_port=port,
            destination_port=fwd.source_port,
            source=de,
            destination=se,
        )
        drop = Flow(
            verdict="DROPPED",
            drop_reason="POLICY_DENIED",
            is_reply=False,
            protocol=proto,
            source_port=41000,
            destination_port=port + 1,
            source=se,
            destination=de,
        )
        pool += [fwd] * 15 + [reply] * 4 + [drop]
    return pool


def flows(pool: list[Flow], n: int, rng: random.Random) -> Iterator[Flow]:
    chunk = 200_000
    while n > 0:
        k = min(chunk, n)
        yield from rng.choices(pool, k=k)
        n -= k


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_process(n_ns: int, n_flows: int, profile: bool, dialect: str = "networkpolicy") -> None:
    rng = random.Random(SEED)
    t0 = clock()
    objs, conns = generate(n_ns)
    snap = ClusterSnapshot.from_parse(parse_objects(objs))
    pool = flow_pool(snap, conns, rng)
    print(
        f"cluster: {snap!r}, {len(conns):,} distinct connections, pool of {len(pool):,} flows; "
        f"built in {clock() - t0:.1f} s",
        flush=True,
    )
    t1, c1 = clock(), time.process_time()
    reducer = ConnectionReducer()
    reducer.add_all(flows(pool, n_flows, rng))
    t_reduce = clock() - t1
    print(
        f"(a) reduce: {n_flows:,} flows -> {len(reducer.counts):,} connections in {t_reduce:.1f} s "
        f"({n_flows / t_reduce:,.0f} flows/s, generator included); RSS {rss_mb():.0f} MB",
        flush=True,
    )
    t2 = clock()
    if profile:
        prof = cProfile.Profile()
        prof.enable()
    proposal = propose(snap, reducer, ProposeOptions(dialect=Dialect(dialect)))
    t_prop = clock() - t2
    if profile:
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    print(
        f"(a) propose: {len(proposal.namespaces)} namespaces, {len(proposal.policies):,} policies, "
        f"{len(proposal.connections):,} connections verified, {proposal.unobserved_allowed_pairs:,} unobserved "
        f"allowed pairs, {len(proposal.idle)} idle workloads, ok={proposal.ok} in {t_prop:.1f} s",
        flush=True,
    )
    total = clock() - t1
    cpu = time.process_time() - c1
    print(
        f"(a) total reduce + propose: {total:.1f} s wall, {cpu:.1f} s CPU (target <= 120 s); peak RSS {rss_mb():.0f} MB "
        f"(target <= 500 MB)",
        flush=True,
    )


def _jsonpb(f: Flow, t: int) -> str:
    def ep(e: Endpoint) -> dict[str, Any]:
        if e.kind != EndpointKind.POD:
            return {"labels": ["reserved:world"]}
        return {
            "namespace": e.namespace,
            "pod_name": e.pod_name,
            "labels": [f"k8s:{k}={v}" for k, v in e.labels.items()],
        }

    flow: dict[str, Any] = {
        "time": f"2026-11-29T10:{(t // 1_000_000) % 60:02d}:{(t // 10_000) % 60:02d}.{t % 10_000:04d}Z",
        "verdict": f.verdict,
        "IP": {"source": f.source.ip, "destination": f.destination.ip, "ipVersion": "IPv4"},
        "l4": {f.protocol: {"source_port": f.source_port, "destination_port": f.destination_port}},
        "source": ep(f.source),
        "destination": ep(f.destination),
        "Type": "L3_L4",
        "is_reply": bool(f.is_reply),
        "traffic_direction": "EGRESS",
    }
    if f.verdict == "DROPPED":
        flow["drop_reason_desc"] = "POLICY_DENIED"
    return json.dumps({"flow": flow, "node_name": "node-1"})


def on_disk(n_ns: int, n_flows: int, dialect: str = "networkpolicy") -> None:
    import yaml

    rng = random.Random(SEED + 1)
    objs, conns = generate(n_ns)
    snap = ClusterSnapshot.from_parse(parse_objects(objs))
    pool = flow_pool(snap, conns, rng)
    with tempfile.TemporaryDirectory() as tmp:
        cluster = os.path.join(tmp, "cluster.yaml")
        with open(cluster, "w") as fh:
            yaml.safe_dump_all(objs, fh)
        capture = os.path.join(tmp, "flows.jsonl")
        with open(capture, "w") as fh:
            for t, f in enumerate(flows(pool, n_flows, rng)):
                fh.write(_jsonpb(f, t) + "\n")
        size = os.path.getsize(capture) / 1e6
        out = os.path.join(tmp, "out")
        t0 = clock()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "netpol_tui",
                "propose",
                "--flows",
                capture,
                "--cluster",
                cluster,
                "--out",
                out,
                "--dialect",
                dialect,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = clock() - t0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        child = usage.ru_maxrss / 1024
        cpu = usage.ru_utime + usage.ru_stime
        files = len(os.listdir(out)) if os.path.isdir(out) else 0
        print(
            f"(b) on disk: {n_flows:,} flows ({size:.0f} MB jsonpb) through the CLI in {wall:.1f} s "
            f"({n_flows / wall:,.0f} flows/s end to end; CPU {cpu:.1f} s), exit {proc.returncode}, {files:,} files; "
            "child peak RSS "
            f"{child:.0f} MB",
            flush=True,
        )
        for line in proc.stderr.splitlines()[:3]:
            print(f"    {line}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--namespaces", type=int, default=200)
    ap.add_argument("--flows", type=int, default=10_000_000)
    ap.add_argument("--disk-flows", type=int, default=200_000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--dialect", choices=[d.value for d in Dialect], default="networkpolicy")
    args = ap.parse_args()
    if args.disk_flows:
        # first: the child's RSS is not mixed with ours
        on_disk(args.namespaces, args.disk_flows, args.dialect)
    if args.flows:
        in_process(args.namespaces, args.flows, args.profile, args.dialect)


if __name__ == "__main__":
    main()
