"""Helpers for the kube source tests: a running fake API server, a kubeconfig for it, a source run in a thread.

Every FakeApiServer started through `fake_server()` fails the test when it received anything but GET requests.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from support import fake_apiserver as fa

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.model import KubeStatus
from netpol_tui.sources import kube


@contextlib.contextmanager
def fake_server(**kwargs) -> Iterator[fa.FakeApiServer]:
    srv = fa.FakeApiServer(**kwargs).start()
    try:
        yield srv
    finally:
        srv.stop()
        non_get = {m for m, _ in srv.requests} - {"GET"}
        assert not non_get, f"the kube source sent {non_get} requests"


def base_objects() -> list[dict]:
    return [
        fa.namespace("prod", {"team": "shop"}),
        fa.namespace("kube-system"),
        fa.pod(
            "prod",
            "api-7d9f8-abcde",
            {"app": "api", "pod-template-hash": "7d9f8"},
            "10.0.1.5",
            owner=("ReplicaSet", "api-7d9f8"),
        ),
        fa.pod("prod", "db-0", {"app": "db"}, "10.0.1.6", ports=[(5432, "pg")], owner=("StatefulSet", "db")),
        fa.pod(
            "kube-system",
            "coredns-1",
            {"k8s-app": "kube-dns"},
            "10.0.2.2",
            ports=[(53, "dns", "UDP"), (53, "dns-tcp")],
        ),
        fa.network_policy("prod", "default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
    ]


class Runner:
    """Runs KubeSource.run() in a thread and lets tests wait for snapshots and statuses that match."""

    def __init__(self, source: kube.KubeSource) -> None:
        self.source = source
        self.snapshots: list[ClusterSnapshot] = []
        self.statuses: list[KubeStatus] = []
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            self.source.run(self._snap, self._status)
        except BaseException as exc:  # surfaced by wait_* and stop
            self.error = exc

    def _snap(self, snap: ClusterSnapshot) -> None:
        with self.cond:
            self.snapshots.append(snap)
            self.cond.notify_all()

    def _status(self, st: KubeStatus) -> None:
        with self.cond:
            self.statuses.append(st)
            self.cond.notify_all()

    def __enter__(self) -> Runner:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.source.stop()
        self.thread.join(5)
        self.source.close()
        assert not self.thread.is_alive()

    def _wait(self, pred: Callable[[], object], timeout: float, what: str) -> object:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                assert self.error is None, repr(self.error)
                value = pred()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"timed out waiting for {what}; statuses: {[s.message for s in self.statuses]}"
                    )
                self.cond.wait(min(left, 0.1))

    def snapshot(
        self, pred: Callable[[ClusterSnapshot], bool] = lambda s: True, timeout: float = 5.0
    ) -> ClusterSnapshot:
        def find():
            return self.snapshots and pred(self.snapshots[-1]) and self.snapshots[-1]

        return self._wait(find, timeout, "a snapshot")  # type: ignore[return-value]

    def status(self, state: str, resource: str | None = None, timeout: float = 5.0) -> KubeStatus:
        def find():
            for st in self.statuses:
                if st.state == state and (resource is None or st.resource == resource):
                    return st
            return None

        return self._wait(find, timeout, f"status {state} {resource or ''}")  # type: ignore[return-value]


def source_for(srv: fa.FakeApiServer, tmp_path: Path, **kwargs) -> kube.KubeSource:
    kc = srv.write_kubeconfig(str(tmp_path / "kubeconfig"))
    kwargs.setdefault("backoff_base", 0.05)
    kwargs.setdefault("backoff_max", 0.2)
    return kube.KubeSource(kubeconfig=kc, **kwargs)
