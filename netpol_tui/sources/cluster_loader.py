"""Where cluster state comes from: `ClusterConfig` (files, or the kube API and how to reach it).

`load_snapshot(config)` is what `trace`, `explain` and `snapshot` call; the TUI watches instead (the kube source).
"""

from __future__ import annotations

from dataclasses import dataclass

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.sources.manifests_io import load_cluster


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """`path`: a file, a directory or "-" (no kube API call then). Otherwise the kube API, resolved as kubectl
    does from `kubeconfig`/`context`; `namespace` limits the watch to one namespace."""

    path: str | None = None
    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None

    @property
    def from_files(self) -> bool:
        return bool(self.path)


def load_snapshot(config: ClusterConfig) -> ClusterSnapshot:
    """Files when `path` is given; otherwise one full list from the kube API. Raises KubeError (one line)."""
    if config.path:
        return load_cluster(config.path)
    from netpol_tui.sources import kube  # the live source (official kubernetes client)

    return kube.list_snapshot(
        kubeconfig=config.kubeconfig, context=config.context, namespace=config.namespace
    )


__all__ = ["ClusterConfig", "load_snapshot"]
