"""What the app is fed with: the two source contracts, and in-memory sources for tests and screenshots.

The app never opens a socket or a file itself: it is given a `FlowFeed` and a `ClusterFeed` (by
`netpol_tui.cli.app_factory`, the same factory the CLI and the tests use) and runs each one in a thread worker.

* `FlowFeed.stream(query)` blocks and yields batches (lists) of `Flow`, `LostEvents`, `NodeStatus`,
  `StreamState` and `Progress` items until `close()` is called (from any thread) or the source ends.
  `server_filters` tells whether `query` is applied by the server (Hubble: the app reopens the stream when the
  subscription changes); otherwise the app filters locally and never reopens.
* `ClusterFeed.run(on_snapshot, on_status)` blocks, calling back with `ClusterSnapshot`s and `KubeStatus`es,
  until `stop()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.flowquery import FlowQuery
from netpol_tui.core.model import Flow, KubeStatus


@dataclass(frozen=True, slots=True)
class Progress:
    """Loading progress of a capture: `done` of `total` units (bytes, or flows); total 0 when unknown."""

    done: int
    total: int = 0
    finished: bool = False
    label: str = ""


class FlowFeed(Protocol):
    label: str  # what the status bar names: "relay localhost:4245", "capture.json", ...
    server_filters: bool  # True: `query` is sent to the server; reopen when the subscription changes
    live: bool  # True: an endless stream (rates and "connection" mean something)

    def stream(self, query: FlowQuery) -> Iterator[list[Any]]: ...

    def close(self) -> None: ...


class ClusterFeed(Protocol):
    label: str

    def run(
        self, on_snapshot: Callable[[ClusterSnapshot], None], on_status: Callable[[KubeStatus], None]
    ) -> None: ...

    def stop(self) -> None: ...


class MemoryFlowFeed:
    """Flows from memory (tests, screenshots, benchmarks). `push()` adds batches while streaming.

    With `server_filters=True` it behaves like Hubble: each `stream(query)` applies `query` (what a server
    would do) and `queries` records every subscription. `hold=True` keeps the stream open after the initial
    items until `close()` (like a live stream); otherwise it ends once the initial items are sent.
    """

    def __init__(
        self,
        items: Iterable[Any] = (),
        *,
        label: str = "memory",
        server_filters: bool = False,
        live: bool = True,
        hold: bool = True,
        batch: int = 1000,
    ) -> None:
        self.label = label
        self.server_filters = server_filters
        self.live = live
        self._initial = list(items)
        self._hold = hold
        self._batch = batch
        self._cond = threading.Condition()
        self._pending: list[list[Any]] = []
        self._closed = False
        self._generation = 0
        self.queries: list[FlowQuery] = []
        self.sent = 0

    def push(self, items: Sequence[Any]) -> None:
        with self._cond:
            self._pending.append(list(items))
            self._cond.notify_all()

    def _filter(self, query: FlowQuery, items: list[Any]) -> list[Any]:
        if not self.server_filters:
            return items
        server = query.server_part()
        return [i for i in items if not isinstance(i, Flow) or server.matches(i)]

    def stream(self, query: FlowQuery) -> Iterator[list[Any]]:
        with self._cond:
            self._closed = False
            self._generation += 1
            gen = self._generation
            self.queries.append(query)
            initial, self._initial = self._initial, []
        for i in range(0, len(initial), self._batch):
            chunk = self._filter(query, initial[i : i + self._batch])
            self.sent += len(chunk)
            yield chunk
        while True:
            with self._cond:
                while not self._pending and not self._closed and gen == self._generation:
                    if not self._hold:
                        return
                    self._cond.wait(0.5)
                if self._closed or gen != self._generation:
                    return
                batch = self._pending.pop(0)
            chunk = self._filter(query, batch)
            self.sent += len(chunk)
            yield chunk

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class StaticCluster:
    """One snapshot, delivered once (files given with --cluster, the demo's built-in shop, tests)."""

    def __init__(
        self, snapshot: ClusterSnapshot | None, label: str = "file", statuses: Iterable[KubeStatus] = ()
    ):
        self.snapshot = snapshot
        self.label = label
        self.statuses = list(statuses)
        self._stop = threading.Event()

    def run(
        self, on_snapshot: Callable[[ClusterSnapshot], None], on_status: Callable[[KubeStatus], None]
    ) -> None:
        for st in self.statuses:
            on_status(st)
        if self.snapshot is not None:
            on_snapshot(self.snapshot)

    def stop(self) -> None:
        self._stop.set()
