"""Speed of the live kube source against the fake API server (run by hand).

    python benchmarks/bench_kube.py [--pods 10000] [--policies 2000] [--rate 1000] [--churn 20]

The fake API server runs in a child process (so its JSON encoding does not share our GIL); the official client
talks to it over loopback HTTP, as it would to a real API server. Measures:
  1. start → first complete snapshot (list of every resource, paginated by 500), and the one-shot list_snapshot;
  2. one watch event → the updated snapshot (put time in the server → snapshot delivered), 30 samples;
  3. a churn of RATE pod MODIFIED events/s for CHURN seconds: RSS every second, how stale the snapshot is
     (delivery time − newest event it contains), and how many rebuilds it cost.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the test kit: tests/support

from support import fake_apiserver as fa

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.sources import kube

N_NAMESPACES = 100


def _pod(i: int, extra: dict[str, str] | None = None) -> dict:
    ns = f"ns-{i % N_NAMESPACES}"
    labels = {"app": f"app-{i % 500}", "pod-template-hash": "5d8f9c", **(extra or {})}
    return fa.pod(
        ns,
        f"app-{i % 500}-5d8f9c-{i:05d}",
        labels,
        f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}",
        owner=("ReplicaSet", f"app-{i % 500}-5d8f9c"),
    )


def _policy(j: int) -> dict:
    ns = f"ns-{j % N_NAMESPACES}"
    return fa.network_policy(
        ns,
        f"pol-{j}",
        {
            "podSelector": {"matchLabels": {"app": f"app-{j % 500}"}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {"matchLabels": {"team": f"t{j % 7}"}},
                            "podSelector": {"matchLabels": {"app": f"app-{(j + 1) % 500}"}},
                        }
                    ],
                    "ports": [{"port": 8080, "protocol": "TCP"}],
                }
            ],
            "egress": [
                {
                    "to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
                    "ports": [{"port": 53, "protocol": "UDP"}],
                }
            ],
        },
    )


def server_main(conn, pods: int, policies: int) -> None:
    srv = fa.FakeApiServer().start()
    srv.load(fa.namespace(f"ns-{i}", {"team": f"t{i % 7}"}) for i in range(N_NAMESPACES))
    srv.load(_pod(i) for i in range(pods))
    srv.load(_policy(j) for j in range(policies))
    conn.send(srv.url)
    churn_stop = threading.Event()
    while True:
        cmd, arg = conn.recv()
        if cmd == "put":
            srv.put(_pod(arg, {"bench-seq": str(arg)}))
            conn.send(time.time())
        elif cmd == "churn":
            rate, seconds = arg

            def churn(rate=rate, seconds=seconds):
                start = time.time()
                n = 0
                while not churn_stop.is_set():
                    elapsed = time.time() - start
                    if elapsed >= seconds:
                        break
                    due = int(elapsed * rate)
                    while n < due:
                        srv.put(_pod(n % pods, {"bench-ts": f"{time.time():.4f}"}))
                        n += 1
                    time.sleep(0.002)
                conn.send(("churned", n, time.time() - start))

            threading.Thread(target=churn, daemon=True).start()
        elif cmd == "stop":
            churn_stop.set()
            srv.stop()
            return


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--policies", type=int, default=2_000)
    ap.add_argument("--rate", type=int, default=1_000)
    ap.add_argument("--churn", type=float, default=20.0)
    args = ap.parse_args()

    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=server_main, args=(child, args.pods, args.policies), daemon=True)
    t = time.perf_counter()
    proc.start()
    url = parent.recv()
    print(
        f"fake API server with {args.pods} pods, {args.policies} policies, {N_NAMESPACES} namespaces "
        f"ready in {time.perf_counter() - t:.1f}s at {url}"
    )
    tmp = tempfile.mkdtemp()
    kc = fa.FakeApiServer().write_kubeconfig(os.path.join(tmp, "kubeconfig"), server=url)

    t = time.perf_counter()
    import kubernetes.client  # noqa: F401

    print(
        f"import kubernetes.client: {time.perf_counter() - t:.2f}s (the API modules load lazily on first call)"
    )
    rss_base = rss_mb()

    # 1. live: start → first complete snapshot
    latest: list[ClusterSnapshot] = []
    arrived = threading.Condition()
    source = kube.KubeSource(kubeconfig=kc)
    t0 = time.perf_counter()
    first_at: list[float] = []

    def on_snapshot(s: ClusterSnapshot) -> None:
        now = time.time()
        with arrived:
            if not first_at:
                first_at.append(time.perf_counter() - t0)
            latest.append(s)
            arrived.notify_all()
            del latest[:-1]
        on_snapshot_hook(s, now)

    hooks: list = []

    def on_snapshot_hook(s: ClusterSnapshot, now: float) -> None:
        for h in hooks:
            h(s, now)

    runner = threading.Thread(target=source.run, args=(on_snapshot, None), daemon=True)
    runner.start()
    with arrived:
        arrived.wait_for(lambda: latest, timeout=60)
    s = latest[-1]
    print(
        f"live: first complete snapshot ({len(s.pods)} pods, {len(s.policies)} policies) in {first_at[0]:.2f}s "
        "(cold: includes the client's lazy API-module imports)"
    )
    rss_start = rss_mb()
    print(f"RSS {rss_base:.0f} MB before the source, {rss_start:.0f} MB with the first snapshot")

    # 1b'. one-shot list (warm)
    t = time.perf_counter()
    one = kube.list_snapshot(kubeconfig=kc)
    print(
        f"list_snapshot (warm): {len(one.pods)} pods, {len(one.policies)} policies in {time.perf_counter() - t:.2f}s"
    )
    assert len(one.pods) == args.pods and len(one.policies) == args.policies
    del one

    # 2. event → snapshot latency
    lat = []
    for k in range(30):
        idx = (k * 337) % args.pods
        pod_key = "/".join((f"ns-{idx % N_NAMESPACES}", f"app-{idx % 500}-5d8f9c-{idx:05d}"))
        got: list[float] = []
        ev = threading.Event()

        def hook(snap: ClusterSnapshot, now: float, pod_key=pod_key, want=str(idx), got=got, ev=ev) -> None:
            p = snap.pods.get(pod_key)
            if p is not None and p.labels.get("bench-seq") == want and not ev.is_set():
                got.append(now)
                ev.set()

        hooks[:] = [hook]
        parent.send(("put", idx))
        put_at = parent.recv()
        assert ev.wait(5), "event never reached a snapshot"
        lat.append((got[0] - put_at) * 1000)
        time.sleep(0.05)
    hooks.clear()
    lat.sort()
    print(
        f"watch event → snapshot: median {statistics.median(lat):.0f} ms, p90 {lat[int(len(lat) * 0.9)]:.0f} ms, "
        f"max {lat[-1]:.0f} ms (30 events, 10k pods)"
    )

    # 3. churn
    staleness: list[float] = []
    rebuilds = [0]

    def churn_hook(snap: ClusterSnapshot, now: float) -> None:
        rebuilds[0] += 1
        newest = 0.0
        for p in snap.pods.values():
            ts = p.labels.get("bench-ts")
            if ts is not None:
                v = float(ts)
                if v > newest:
                    newest = v
        if newest:
            staleness.append(now - newest)

    hooks[:] = [churn_hook]
    parent.send(("churn", (args.rate, args.churn)))
    samples = []
    start = time.time()
    while not parent.poll(1.0):
        samples.append((time.time() - start, rss_mb()))
    _, sent, took = parent.recv()
    time.sleep(1.0)
    samples.append((time.time() - start, rss_mb()))
    hooks.clear()
    print(
        f"churn: {sent} pod events in {took:.1f}s ({sent / took:.0f}/s), {rebuilds[0]} snapshot rebuilds "
        f"({rebuilds[0] / took:.1f}/s)"
    )
    staleness.sort()
    if staleness:
        print(
            f"  snapshot staleness (delivery − newest event in it): median {statistics.median(staleness) * 1000:.0f} ms, "
            f"p99 {staleness[int(len(staleness) * 0.99)] * 1000:.0f} ms, max {staleness[-1] * 1000:.0f} ms"
        )
    print(
        f"  RSS: {rss_start:.0f} MB after first snapshot; during churn: "
        + ", ".join(f"{t:.0f}s {m:.0f}" for t, m in samples[:: max(1, len(samples) // 10)])
        + f"; end {samples[-1][1]:.0f} MB"
    )
    final = latest[-1]
    print(
        f"  final snapshot: {len(final.pods)} pods, {len(final.policies)} policies, revision {final.revision}"
    )
    t = time.perf_counter()
    source.stop()
    print(f"stop() took {(time.perf_counter() - t) * 1000:.0f} ms")
    parent.send(("stop", None))
    proc.join(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
