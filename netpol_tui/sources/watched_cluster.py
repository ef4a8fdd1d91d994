"""The live cluster kept current by a kube watch in a background thread, with its policy change history.

    with WatchedCluster(KubeSource(kubeconfig, context), initial=snapshot) as cluster:
        cluster.snapshot            # the latest snapshot (replaced, never edited)
        cluster.attribute(flow)     # core.history.Attribution | None: the change the flow's verdict is due to
        cluster.wait(lambda h: ..., timeout)   # block until the history satisfies a condition (tests, tools)

Every snapshot the source yields goes through `core.history.ChangeHistory.observe`, which records the policy
changes (time, kind/namespace/name, created/modified/deleted, resourceVersion) and keeps the state just before
each: at most `max_changes` transitions (core.history.DEFAULT_MAX_CHANGES = 32). The source's own reconnects and
status events stay inside it; `statuses` keeps the last few for a caller that wants to show them.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.history import DEFAULT_MAX_CHANGES, Attribution, ChangeHistory
from netpol_tui.core.model import Flow, KubeStatus
from netpol_tui.sources.cluster_loader import ClusterConfig

__all__ = ["WatchedCluster"]


class WatchedCluster:
    def __init__(
        self,
        source: Any,  # sources.kube.KubeSource (anything with run(on_snapshot, on_status) and stop())
        *,
        initial: ClusterSnapshot | None = None,
        max_changes: int = DEFAULT_MAX_CHANGES,
    ) -> None:
        self.source = source
        self.history = ChangeHistory(max_changes)
        self.statuses: deque[KubeStatus] = deque(maxlen=16)
        self.snapshots = 0  # snapshots received from the source
        self.last_change_seen = 0.0  # time.monotonic() when the latest policy change was recorded
        self._cond = threading.Condition(threading.RLock())  # conditions may read the properties
        self._thread: threading.Thread | None = None
        if initial is not None:
            self.history.observe(initial)

    @classmethod
    def for_config(cls, config: ClusterConfig, initial: ClusterSnapshot | None = None) -> WatchedCluster:
        """A watch of the cluster `config` names through the kube API (started by `start()`)."""
        from netpol_tui.sources.kube import KubeSource

        return cls(
            KubeSource(kubeconfig=config.kubeconfig, context=config.context, namespace=config.namespace),
            initial=initial,
        )

    # --- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> WatchedCluster:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kube-history", daemon=True)
            self._thread.start()
        return self

    def stop(self, join_timeout: float = 2.0) -> None:
        self.source.stop()
        if self._thread is not None:
            self._thread.join(join_timeout)

    def __enter__(self) -> WatchedCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            self.source.run(self._on_snapshot, self._on_status)
        except Exception:  # the source reports its own failures as statuses; never kill the caller
            pass

    def _on_snapshot(self, snapshot: ClusterSnapshot) -> None:
        with self._cond:
            if self.history.observe(snapshot):
                self.last_change_seen = time.monotonic()
            self.snapshots += 1
            self._cond.notify_all()

    def _on_status(self, status: KubeStatus) -> None:
        with self._cond:
            self.statuses.append(status)
            self._cond.notify_all()

    # --- reading -----------------------------------------------------------------------------------------
    @property
    def snapshot(self) -> ClusterSnapshot | None:
        with self._cond:
            return self.history.current

    def attribute(self, flow: Flow) -> Attribution | None:
        with self._cond:
            return self.history.attribute(flow)

    def wait(self, condition: Callable[[WatchedCluster], bool], timeout: float = 5.0) -> bool:
        """Block until `condition(self)` holds (checked after each snapshot or status), or the timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not condition(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True
