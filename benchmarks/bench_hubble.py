"""Hubble source speed and memory (run by hand, not a test).

    python benchmarks/bench_hubble.py [--flows 200000] [--memory-flows 1000000]

1. bare: a Python gRPC client receiving GetFlowsResponse bytes from the loopback server and ParseFromString-ing
   them (the ceiling for any Python client);
2. ours: HubbleSource.batches() delivering core.Flows from the same server and stream (target >= 0.5x bare);
3. replay: ReplaySource over a jsonpb file (target >= 50,000 flows/s);
4. memory: RSS while HubbleSource streams --memory-flows flows (should stay flat).

The server runs in a separate process (so it does not share the client's GIL) and streams pre-built policy-drop
flows: 2,000 distinct flows (400 pods x 5 variants) cycled with increasing times.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the test kit: tests/support

T0 = 1_767_225_600_000_000_000


def _templates(n: int = 2000) -> list:
    from support.hubble_server import make_flow

    out = []
    for i in range(n):
        pod = i % 400
        out.append(
            make_flow(
                src=f"shop/cart-{pod}",
                dst=f"payments/db-{pod % 7}",
                src_labels={"app": "cart", "team": "shop"},
                dst_labels={"app": "db", "tier": "data"},
                src_ip=f"10.0.{pod // 250}.{pod % 250}",
                dst_ip=f"10.1.0.{pod % 7}",
                port=5432,
                sport=30000 + i,
                event_type="drop" if i % 2 else "policy-verdict",
                time_ns=T0 + i,
                src_workload=("Deployment", "cart"),
                dst_workload=("StatefulSet", "db"),
            )
        )
    return out


def _serve(port_q: mp.Queue, total: int) -> None:
    from support.hubble_server import HubbleServer

    from netpol_tui._proto.observer import observer_pb2

    templates = [
        observer_pb2.GetFlowsResponse(flow=f, node_name="kind-worker", time=f.time) for f in _templates()
    ]

    def stream():
        n = len(templates)
        for i in range(total):
            yield templates[i % n]

    srv = HubbleServer(stream=stream, max_workers=4)
    port_q.put(srv.port)
    try:
        while True:
            time.sleep(3600)
    finally:
        srv.stop()


def start_server(total: int) -> tuple[mp.Process, str]:
    ctx = mp.get_context("spawn")
    q: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_serve, args=(q, total), daemon=True)
    proc.start()
    return proc, f"127.0.0.1:{q.get(timeout=60)}"


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def bench_bare(address: str, total: int) -> float:
    import grpc

    from netpol_tui._proto.observer import observer_pb2

    with grpc.insecure_channel(address, options=[("grpc.max_receive_message_length", 64 << 20)]) as ch:
        call = ch.unary_stream(
            "/observer.Observer/GetFlows",
            request_serializer=observer_pb2.GetFlowsRequest.SerializeToString,
            response_deserializer=None,  # raw bytes: we parse ourselves
        )
        t = time.perf_counter()
        n = 0
        resp = observer_pb2.GetFlowsResponse()
        for raw in call(observer_pb2.GetFlowsRequest(number=total)):
            resp.ParseFromString(raw)
            n += 1
        dt = time.perf_counter() - t
    assert n == total, n
    return n / dt


def bench_ours(address: str, total: int, *, report_every: int = 0) -> float:
    from netpol_tui.core.model import Flow
    from netpol_tui.sources.hubble import HubbleConfig, HubbleSource

    src = HubbleSource(HubbleConfig(server=address, follow=False, last=total))
    t = time.perf_counter()
    n = 0
    next_report = report_every
    for batch in src.batches(max_batch=512, max_wait=0.05):
        for item in batch:
            if type(item) is Flow:
                n += 1
        if report_every and n >= next_report:
            print(f"    {n:>9,} flows  RSS {rss_mb():7.1f} MB")
            next_report += report_every
    dt = time.perf_counter() - t
    assert n == total, n
    return n / dt


def bench_replay(total: int) -> float:
    from google.protobuf import json_format

    from netpol_tui._proto.observer import observer_pb2
    from netpol_tui.sources.replay import ReplaySource

    lines = []
    for f in _templates():
        resp = observer_pb2.GetFlowsResponse(flow=f, node_name="kind-worker", time=f.time)
        lines.append(
            json.dumps(
                json_format.MessageToDict(resp, preserving_proto_field_name=True), separators=(",", ":")
            )
        )
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        for i in range(total):
            fh.write(lines[i % len(lines)])
            fh.write("\n")
        path = fh.name
    size = os.path.getsize(path)
    try:
        src = ReplaySource(path)
        t = time.perf_counter()
        n = sum(1 for _ in src)
        dt = time.perf_counter() - t
    finally:
        os.unlink(path)
    assert n == total and not src.problems
    print(f"    file: {total:,} lines, {size / total:.0f} bytes/line")
    return n / dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flows", type=int, default=200_000)
    ap.add_argument("--memory-flows", type=int, default=1_000_000)
    args = ap.parse_args()
    print(f"python {os.sys.version.split()[0]}, {os.cpu_count()} CPUs")

    proc, address = start_server(args.flows)
    try:
        bench_bare(address, 2000)  # warm up
        bare = bench_bare(address, args.flows)
        ours = bench_ours(address, args.flows)
        bare2 = bench_bare(address, args.flows)
    finally:
        proc.terminate()
    print(f"1. bare gRPC receive + ParseFromString: {bare:>10,.0f} flows/s (again after: {bare2:,.0f})")
    print(
        f"2. HubbleSource -> core.Flow batches:   {ours:>10,.0f} flows/s  = {ours / max(bare, bare2):.2f}x bare"
    )
    rep = bench_replay(args.flows)
    print(f"3. replay of a jsonpb file:             {rep:>10,.0f} flows/s")
    print(
        f"4. RSS while streaming {args.memory_flows:,} flows through HubbleSource (start {rss_mb():.1f} MB):"
    )
    proc, address = start_server(args.memory_flows)
    try:
        rate = bench_ours(address, args.memory_flows, report_every=max(1, args.memory_flows // 10))
    finally:
        proc.terminate()
    print(f"    ({rate:,.0f} flows/s)")


if __name__ == "__main__":
    main()
