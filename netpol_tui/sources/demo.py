"""`netpol-tui demo`: the built-in shop (netpol_tui/demo_scenario.py) served by the in-process Hubble-compatible
gRPC server on a loopback port, at a realistic rate with bursts.

    with DemoServer(rate=40) as demo:
        demo.address          # "127.0.0.1:PORT": point the same HubbleSource the live mode uses at it
        demo.snapshot()       # the shop's ClusterSnapshot

Flows are pushed in real time (the scenario's delays) once the first GetFlows request has arrived, so the client
sees the first drops at once.
"""

from __future__ import annotations

import threading
import time

from netpol_tui import demo_scenario
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.manifests import parse_objects
from netpol_tui.sources.hubble_server import HubbleServer


def demo_snapshot() -> ClusterSnapshot:
    return ClusterSnapshot.from_parse(parse_objects(demo_scenario.cluster_objects()), source="demo")


class DemoServer:
    def __init__(self, rate: float = 40.0, seed: int = 7, count: int | None = None) -> None:
        self.rate = max(0.1, rate)
        self.seed = seed
        self.count = count
        self.server = HubbleServer(node_name=demo_scenario.NODE, nodes=(demo_scenario.NODE,), start=False)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.pushed = 0

    @property
    def address(self) -> str:
        return self.server.address

    def snapshot(self) -> ClusterSnapshot:
        return demo_snapshot()

    def start(self) -> str:
        self.server.start()
        self._thread = threading.Thread(target=self._pump, name="demo-pump", daemon=True)
        self._thread.start()
        return self.address

    def _pump(self) -> None:
        while not self._stop.is_set():
            if self.server.request_received.wait(0.2):
                break
        batch: list = []
        last_push = time.monotonic()
        for delay, obj in demo_scenario.flows(time.time_ns(), count=self.count, rate=self.rate, seed=self.seed):
            if self._stop.is_set():
                return
            if delay > 0.002 and batch:
                self.server.push(*batch)
                self.pushed += len(batch)
                batch = []
            if delay > 0.002 and self._stop.wait(delay):
                return
            # refresh the timestamp: the demo runs in the present
            now = time.time_ns()
            when = demo_scenario.rfc3339(now)
            obj["flow"]["time"] = when
            obj["time"] = when
            batch.append(obj)
            if len(batch) >= 256 or time.monotonic() - last_push > 0.05:
                self.server.push(*batch)
                self.pushed += len(batch)
                batch = []
                last_push = time.monotonic()
        if batch:
            self.server.push(*batch)
            self.pushed += len(batch)

    def stop(self) -> None:
        self._stop.set()
        self.server.stop()

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
