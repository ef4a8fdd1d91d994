"""One way to build the TUI, for the CLI (`live`, `demo`, `replay`), the tests and the benchmarks.

    app = make_app(flow_feed, cluster_feed, buffer=50_000, words="", ...)   # any feeds (tests: in memory)
    built = app_for_live(hubble, cluster, options) / app_for_demo(options) / app_for_replay(path, cluster, options)
    built.app.run(); built.close()                                          # what the commands do

The command builders take typed configuration (sources' HubbleConfig and ClusterConfig, ui's TuiOptions), never
argv. Feeds (cli/feeds.py) adapt the sources to the app's two contracts (netpol_tui/ui/feeds.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from netpol_tui.cli import wording as words
from netpol_tui.cli.errors import CliError
from netpol_tui.cli.feeds import HubbleFeed, KubeFeed, ReplayFeed, cluster_feed
from netpol_tui.demo import demo_flows
from netpol_tui.sources.cluster_loader import ClusterConfig
from netpol_tui.sources.hubble.client import HubbleConfig
from netpol_tui.ui.feeds import ClusterFeed, FlowFeed, MemoryFlowFeed, StaticCluster
from netpol_tui.ui.options import TuiOptions

if TYPE_CHECKING:
    from netpol_tui.sources.kube.portforward import PortForwarder
    from netpol_tui.ui.app import NetpolApp

__all__ = [
    "BuiltApp",
    "HubbleFeed",
    "KubeFeed",
    "MemoryFlowFeed",
    "ReplayFeed",
    "StaticCluster",
    "app_for_demo",
    "app_for_live",
    "app_for_replay",
    "demo_flows",
    "make_app",
]


def make_app(
    flow_feed: FlowFeed,
    cluster_feed: ClusterFeed,
    options: TuiOptions | None = None,
    *,
    clock: Callable[[], float] = time.time,
    **settings: Any,
) -> NetpolApp:
    """The NetpolApp. `options` (or TuiOptions fields as keywords: buffer, words, drops_only, narrow_live,
    select_first_drop, save_dir, show_pods ...). Raises FilterError when the initial words are bad."""
    from netpol_tui.ui.app import NetpolApp

    opts = replace(options or TuiOptions(), **settings)
    return NetpolApp(flow_feed, cluster_feed, opts, clock=clock)


@dataclass(slots=True)
class BuiltApp:
    """An app and what was started for it (a port-forward, the demo server): `close()` stops them."""

    app: NetpolApp
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for stop in self.closers:
            try:
                stop()
            except Exception:  # noqa: BLE001 - shutting down: nothing left to tell the user
                pass


def app_for_live(
    hubble: HubbleConfig,
    cluster: ClusterConfig,
    options: TuiOptions,
    *,
    forwarder: PortForwarder | None = None,
) -> BuiltApp:
    """Live Hubble (`hubble.server`, already the port-forward's address with -P) and the kube watch or files."""
    label = words.label_relay(hubble.server, forwarder is not None)
    try:
        app = make_app(HubbleFeed(hubble, label), cluster_feed(cluster), options)
    except BaseException:
        if forwarder is not None:
            forwarder.stop()
        raise
    return BuiltApp(app, [forwarder.stop] if forwarder is not None else [])


def app_for_demo(
    options: TuiOptions = TuiOptions(), *, rate: float = 40.0, clock: Callable[[], float] = time.time
) -> BuiltApp:
    """The built-in shop, streamed through the real gRPC path from the demo's loopback server."""
    from netpol_tui.demo import DemoServer, demo_snapshot

    demo = DemoServer(rate=rate)
    address = demo.start()
    config = HubbleConfig(server=address, follow=True, timeout=5.0)
    opts = replace(options, narrow_live=False, select_first_drop=True)  # 40 flows/s: show everything
    try:
        app = make_app(
            HubbleFeed(config, words.label_demo(address)),
            StaticCluster(demo_snapshot(), label=words.LABEL_DEMO_CLUSTER),
            opts,
            clock=clock,
        )
    except BaseException:
        demo.stop()
        raise
    return BuiltApp(app, [demo.stop])


def app_for_replay(path: str, cluster: ClusterConfig, options: TuiOptions) -> BuiltApp:
    """A capture file (or "-"), filtered locally, over files or the live kube watch."""
    from netpol_tui.sources.replay import ReplayError, ReplaySource

    if path != "-":
        try:
            ReplaySource(path).close()
        except ReplayError as exc:
            raise CliError(str(exc)) from None
    opts = replace(options, narrow_live=False, select_first_drop=True)
    return BuiltApp(make_app(ReplayFeed(path), cluster_feed(cluster), opts))
