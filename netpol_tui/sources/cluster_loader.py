"""Where the commands get their ClusterSnapshot: `--cluster PATH` (files), else the live kube API.

`load_for_args(args)` is what `trace`, `explain` and `snapshot` call; the TUI uses the kube source's watch instead.
"""

from __future__ import annotations

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.sources.manifests_io import load_cluster


def load_for_args(args) -> ClusterSnapshot:
    """Files when `--cluster` is given; otherwise one full list from the kube API (kubeconfig/--context)."""
    path = getattr(args, "cluster", None)
    if path:
        return load_cluster(path)
    from netpol_tui.sources import kube  # the live source (official kubernetes client)

    return kube.list_snapshot(
        kubeconfig=getattr(args, "kubeconfig", None),
        context=getattr(args, "context", None),
        namespace=getattr(args, "kube_namespace", None),
    )
