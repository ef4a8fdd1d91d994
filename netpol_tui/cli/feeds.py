"""The sources as the app's feeds (the two contracts of netpol_tui/ui/feeds.py).

`HubbleFeed` (live gRPC, also the demo against its loopback server), `ReplayFeed` (a capture, with progress),
`KubeFeed` (the live kube watch). Reconnecting is the sources' business: each stream has one reconnect loop, the
source's own, with the one backoff (sources/backoff.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from netpol_tui.cli import wording as words
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.flowquery import FlowQuery
from netpol_tui.core.model import KubePhase, KubeStatus
from netpol_tui.sources.backoff import Backoff
from netpol_tui.sources.cluster_loader import ClusterConfig
from netpol_tui.sources.hubble.client import HubbleConfig
from netpol_tui.sources.kube import KubeSource
from netpol_tui.ui.feeds import ClusterFeed, Progress, StaticCluster


class HubbleFeed:
    """The live source (sources/hubble) as a FlowFeed: one HubbleSource per subscription, which keeps retrying
    (visibly: a "failed" StreamState with the attempt and the delay) when the Relay cannot be reached at all."""

    server_filters = True
    live = True

    def __init__(
        self, config: HubbleConfig, label: str | None = None, retry_max: float | None = None
    ) -> None:
        if retry_max is not None:
            config = replace(
                config, backoff_max=retry_max, backoff_initial=min(config.backoff_initial, retry_max)
            )
        self.config = replace(config, follow=True, retry_until_connected=True)
        self.label = label or words.label_relay(config.server)
        self._lock = threading.Lock()
        self._src: Any = None
        self._closed = False

    def stream(self, query: FlowQuery) -> Iterator[list[Any]]:
        from netpol_tui.sources.hubble.client import HubbleSource

        src = HubbleSource(replace(self.config, query=query))
        with self._lock:
            if self._closed:
                return
            self._src = src
        try:
            yield from src.batches(max_batch=4096, max_wait=0.05)
        finally:
            src.close()
            with self._lock:
                if self._src is src:
                    self._src = None

    def reopen(self, query: FlowQuery) -> None:
        with self._lock:
            src = self._src
        if src is not None:
            src.reopen(query)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            src = self._src
        if src is not None:
            src.close()


class ReplayFeed:
    """A capture (sources/replay.py): read once, filtered locally, with loading progress."""

    server_filters = False
    live = False

    def __init__(self, path: str) -> None:
        self.path = path
        self.label = "stdin" if path == "-" else os.path.basename(path)
        self._src: Any = None
        self._closed = threading.Event()

    def stream(self, query: FlowQuery) -> Iterator[list[Any]]:
        from netpol_tui.sources.replay import ReplaySource

        src = ReplaySource(self.path)  # raises ReplayError (checked by the factory before the app starts)
        self._src = src
        try:
            total = os.path.getsize(self.path) if self.path != "-" else 0
        except OSError:
            total = 0
        for batch in src.batches(max_batch=4096, max_wait=0.05):
            if self._closed.is_set():
                return
            items: list[Any] = list(batch)
            items.append(Progress(src.bytes_read, total, False, self.label))
            yield items
        yield [Progress(total, total, True, self.label)]

    def close(self) -> None:
        self._closed.set()
        if self._src is not None:
            self._src.close()


class KubeFeed:
    """The live kube watch (sources/kube). When the kube API cannot be used at all (no kubeconfig, a bad
    context ...), a KubeStatus("failed") says so and the connection is retried with the one backoff."""

    def __init__(
        self,
        kubeconfig: str | None,
        context: str | None,
        namespace: str | None,
        *,
        backoff: Backoff | None = None,
    ) -> None:
        self.kubeconfig = kubeconfig
        self.context = context
        self.namespace = namespace
        self.label = words.label_context(context) if context else words.LABEL_KUBE_API
        self._stop = threading.Event()
        self._src: KubeSource | None = None
        self._backoff = backoff or Backoff(initial=2.0, maximum=30.0)

    @classmethod
    def for_config(cls, config: ClusterConfig) -> KubeFeed:
        return cls(config.kubeconfig, config.context, config.namespace)

    def run(
        self, on_snapshot: Callable[[ClusterSnapshot], None], on_status: Callable[[KubeStatus], None]
    ) -> None:
        while not self._stop.is_set():
            try:
                src = KubeSource(self.kubeconfig, self.context, self.namespace)
            except Exception as exc:  # noqa: BLE001 - KubeError and the client's own: one line for the user
                delay = self._backoff.next_delay()
                on_status(
                    KubeStatus(
                        KubePhase.FAILED, message=str(exc), attempt=self._backoff.attempt, retry_in=delay
                    )
                )
                if self._stop.wait(delay):
                    return
                continue
            self._src = src
            if src.conn.context:
                self.label = words.label_context(src.conn.context)
            try:
                src.run(on_snapshot, on_status)
            finally:
                src.stop()
                src.close()
            return

    def stop(self) -> None:
        self._stop.set()
        if self._src is not None:
            self._src.stop(join_timeout=0.2)


def cluster_feed(config: ClusterConfig) -> ClusterFeed:
    """Files (`--cluster`): loaded once; else the live kube watch."""
    if config.path:
        from netpol_tui.sources.cluster_loader import load_snapshot

        path = config.path  # unusable: ClusterUnusable (one line, exit 2) before the TUI starts
        return StaticCluster(load_snapshot(config), label=os.path.basename(path.rstrip("/")) or path)
    return KubeFeed.for_config(config)


__all__ = ["HubbleFeed", "KubeFeed", "ReplayFeed", "cluster_feed"]
