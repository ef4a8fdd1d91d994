"""One way to build the TUI, for the CLI (`live`, `demo`, `replay`), the tests and the benchmark.

    app = make_app(flow_feed, cluster_feed, buffer=50_000, words="", ...)     # any feeds (tests: in memory)
    app = app_for_live(args) / app_for_demo(args) / app_for_replay(args)      # what the commands run

Feeds adapt the sources to the app's two contracts (netpol_tui/ui/feeds.py): `HubbleFeed` (live gRPC, also used
by the demo against its loopback server), `ReplayFeed` (a capture, with progress), `KubeFeed` (the live kube
watch) and `StaticCluster` (files, the demo's shop).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from netpol_tui.core import render
from netpol_tui.core.filters import FlowQuery
from netpol_tui.core.model import Flow, KubeStatus, StreamState
from netpol_tui.ui.feeds import ClusterFeed, FlowFeed, MemoryFlowFeed, Progress, StaticCluster

__all__ = [
    "HubbleFeed",
    "KubeFeed",
    "MemoryFlowFeed",
    "ReplayFeed",
    "StaticCluster",
    "app_for_demo",
    "app_for_live",
    "app_for_replay",
    "make_app",
]


def make_app(
    flow_feed: FlowFeed,
    cluster_feed: ClusterFeed,
    *,
    buffer: int = 50_000,
    words: str = "",
    drops_only: bool = False,
    narrow_live: bool = True,
    select_first_drop: bool = False,
    clock: Callable[[], float] = time.time,
    save_dir: str = ".",
    show_pods: bool = True,
    on_exit: Callable[[], None] | None = None,
):
    """The NetpolApp. `words`: the initial `/` filter (the CLI's filter flags). Raises FilterError."""
    from netpol_tui.ui.app import NetpolApp

    app = NetpolApp(
        flow_feed,
        cluster_feed,
        buffer=buffer,
        words=words,
        drops_only=drops_only,
        narrow_live=narrow_live,
        select_first_drop=select_first_drop,
        clock=clock,
        save_dir=save_dir,
        show_pods=show_pods,
    )
    app._on_exit_hook = on_exit  # type: ignore[attr-defined]
    return app


# --------------------------------------------------------------------------------------------------------------
# Flow feeds
# --------------------------------------------------------------------------------------------------------------
class HubbleFeed:
    """The live source (sources/hubble.py) as a FlowFeed: reopens on a new subscription, and keeps retrying
    (visibly: a "failed" StreamState with the retry delay) when the Relay cannot be reached at all."""

    server_filters = True
    live = True

    def __init__(self, config: Any, label: str | None = None, retry_max: float = 10.0) -> None:
        self.config = config  # sources.hubble.HubbleConfig
        self.label = label or render.label_relay(config.server)
        self.retry_max = retry_max
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._src: Any = None
        self._query: FlowQuery = config.query

    def stream(self, query: FlowQuery) -> Iterator[list[Any]]:
        from netpol_tui.sources.hubble import HubbleError, HubbleSource

        self._closed.clear()
        self._query = query
        attempt = 0
        while not self._closed.is_set():
            src = HubbleSource(replace(self.config, query=self._query))
            with self._lock:
                self._src = src
            try:
                for batch in src.batches(max_batch=4096, max_wait=0.05):
                    attempt = 0
                    yield batch
                return
            except HubbleError as exc:
                if self._closed.is_set():
                    return
                attempt += 1
                delay = min(self.retry_max, 1.0 * 2 ** (attempt - 1))
                yield [StreamState("failed", self.config.server, str(exc), attempt, delay, time_ns=time.time_ns())]
                if self._closed.wait(delay):
                    return
                yield [StreamState("connecting", self.config.server, attempt=attempt, time_ns=time.time_ns())]
            finally:
                src.close()
                with self._lock:
                    self._src = None

    def reopen(self, query: FlowQuery) -> None:
        with self._lock:
            self._query = query
            src = self._src
        if src is not None:
            src.reopen(query)

    def close(self) -> None:
        self._closed.set()
        with self._lock:
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

        src = ReplaySource(self.path)  # raises ReplayError (checked by the command before the app starts)
        self._src = src
        total = 0
        try:
            total = os.path.getsize(self.path) if self.path != "-" else 0
        except OSError:
            total = 0
        shown_problems = 0
        for batch in src.batches(max_batch=4096, max_wait=0.05):
            if self._closed.is_set():
                return
            batch = list(batch)
            batch.append(Progress(src.bytes_read, total, False, self.label))
            if len(src.problems) > shown_problems:
                shown_problems = len(src.problems)
            yield batch
        yield [Progress(total, total, True, self.label)]

    def close(self) -> None:
        self._closed.set()
        if self._src is not None:
            self._src.close()


# --------------------------------------------------------------------------------------------------------------
# Cluster feeds
# --------------------------------------------------------------------------------------------------------------
class KubeFeed:
    """The live kube watch (sources/kube.py). Connection errors become KubeStatus("failed") and are retried."""

    def __init__(self, kubeconfig: str | None, context: str | None, namespace: str | None) -> None:
        self.kubeconfig = kubeconfig
        self.context = context
        self.namespace = namespace
        self.label = render.label_context(context) if context else render.LABEL_KUBE_API
        self._stop = threading.Event()
        self._src: Any = None

    def run(self, on_snapshot, on_status) -> None:
        from netpol_tui.sources.kube import KubeSource

        attempt = 0
        while not self._stop.is_set():
            try:
                src = KubeSource(self.kubeconfig, self.context, self.namespace)
            except Exception as exc:  # noqa: BLE001 - KubeError: one line for the user
                attempt += 1
                delay = min(30.0, 2.0 * attempt)
                on_status(KubeStatus("failed", message=str(exc), attempt=attempt, retry_in=delay))
                if self._stop.wait(delay):
                    return
                continue
            self._src = src
            if src.conn.context:
                self.label = render.label_context(src.conn.context)
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


# --------------------------------------------------------------------------------------------------------------
# What the commands run
# --------------------------------------------------------------------------------------------------------------
def _cluster_from_args(args) -> ClusterFeed:
    path = getattr(args, "cluster", None)
    if path:
        from netpol_tui.sources.manifests_io import load_cluster

        return StaticCluster(load_cluster(path), label=os.path.basename(path.rstrip("/")) or path)
    return KubeFeed(getattr(args, "kubeconfig", None), getattr(args, "context", None),
                    getattr(args, "kube_namespace", None))


def app_for_live(args):
    from netpol_tui.sources.hubble import HubbleConfig
    from netpol_tui.ui.scope import words_from_args

    forwarder = None
    server = getattr(args, "server", None)
    if getattr(args, "port_forward", False):
        from netpol_tui.sources.portforward import hubble_address

        server, forwarder = hubble_address(args)  # raises KubeError (a CliError): one line, exit 2
    config = HubbleConfig.from_args(args, query=FlowQuery(), server=server, follow=True)
    label = render.label_relay(config.server, forwarder is not None)
    app = make_app(
        HubbleFeed(config, label),
        _cluster_from_args(args),
        buffer=args.buffer,
        words=words_from_args(args),
        on_exit=forwarder.stop if forwarder is not None else None,
    )
    return app


def app_for_demo(args, *, clock: Callable[[], float] = time.time):
    from netpol_tui.sources.demo import DemoServer
    from netpol_tui.sources.hubble import HubbleConfig

    demo = DemoServer(rate=getattr(args, "rate", 40.0))
    address = demo.start()
    config = HubbleConfig(server=address, follow=True, timeout=5.0)
    return make_app(
        HubbleFeed(config, render.label_demo(address)),
        StaticCluster(demo.snapshot(), label=render.LABEL_DEMO_CLUSTER),
        buffer=getattr(args, "buffer", 50_000),
        narrow_live=False,  # 40 flows/s on loopback: show everything, `d` for drops only
        select_first_drop=True,
        clock=clock,
        on_exit=demo.stop,
    )


def app_for_replay(args):
    from netpol_tui.sources.replay import ReplayError, ReplaySource
    from netpol_tui.ui.scope import words_from_args

    if args.file != "-":
        try:
            ReplaySource(args.file).close()
        except ReplayError as exc:
            from netpol_tui.cli import CliError

            raise CliError(str(exc)) from None
    return make_app(
        ReplayFeed(args.file),
        _cluster_from_args(args),
        buffer=args.buffer,
        words=words_from_args(args),
        narrow_live=False,
        select_first_drop=True,
    )


def demo_flows(count: int, start_ns: int = 1_764_151_200_000_000_000, seed: int = 7) -> list[Flow]:
    """N demo flows as core Flows, deterministic (screenshots, tests, benchmarks)."""
    from netpol_tui import demo_scenario
    from netpol_tui.sources.flows import convert_json

    out = []
    for _delay, obj in demo_scenario.flows(start_ns, count=count, seed=seed):
        item = convert_json(obj)
        if isinstance(item, Flow):
            out.append(item)
    return out
