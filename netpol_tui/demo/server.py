"""The demo's stream: the scenario's flows pushed in real time to a loopback Hubble server.

    with DemoServer(rate=40) as demo:
        demo.address          # "127.0.0.1:PORT": point the same HubbleSource the live mode uses at it

Flows are pushed at the scenario's pace (with its bursts) once the first GetFlows request has arrived, so the
client sees the first drops at once; their timestamps are the present.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from netpol_tui.demo import scenario
from netpol_tui.sources.hubble.loopback import LoopbackHubble


class DemoServer:
    def __init__(self, rate: float = 40.0, seed: int = 7, count: int | None = None) -> None:
        self.rate = max(0.1, rate)
        self.seed = seed
        self.count = count
        self.server = LoopbackHubble(node_name=scenario.NODE)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.pushed = 0

    @property
    def address(self) -> str:
        return self.server.address

    def start(self) -> str:
        self.server.start()
        self._thread = threading.Thread(target=self._pump, name="demo-pump", daemon=True)
        self._thread.start()
        return self.address

    def _send(self, batch: list[dict[str, Any]]) -> None:
        self.server.push(*batch)
        self.pushed += len(batch)

    def _pump(self) -> None:
        while not self._stop.is_set():
            if self.server.request_received.wait(0.2):
                break
        batch: list[dict[str, Any]] = []
        last_push = time.monotonic()
        for delay, obj in scenario.flows(time.time_ns(), count=self.count, rate=self.rate, seed=self.seed):
            if self._stop.is_set():
                return
            if delay > 0.002 and batch:
                self._send(batch)
                batch = []
            if delay > 0.002 and self._stop.wait(delay):
                return
            when = scenario.rfc3339(time.time_ns())  # the demo runs in the present
            obj["flow"]["time"] = when
            obj["time"] = when
            batch.append(obj)
            if len(batch) >= 256 or time.monotonic() - last_push > 0.05:
                self._send(batch)
                batch = []
                last_push = time.monotonic()
        if batch:
            self._send(batch)

    def stop(self) -> None:
        self._stop.set()
        self.server.stop()

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["DemoServer"]
