"""The kube source: cluster state from the Kubernetes API, and the -P tunnel to Hubble Relay through it.

- config.py: reaching the API as kubectl does (`connect`, `Connection`);
- resources.py: what is read (Namespaces, Pods, NetworkPolicies, Cilium policies) and what is kept of each object;
- source.py: `KubeSource` (list + watch, snapshots) and `list_snapshot` (one full list);
- portforward.py: `-P`, a local port forwarded to kube-system/hubble-relay;
- errors.py: `KubeError` and the sentences of this source.

Nothing here writes to the cluster except the port-forward stream (`create pods/portforward`).
"""

from __future__ import annotations

from netpol_tui.sources.kube.config import Connection, connect, describe_error
from netpol_tui.sources.kube.errors import KubeError
from netpol_tui.sources.kube.resources import (
    CILIUM_CONFIG,
    CILIUM_GROUP,
    CILIUM_RESOURCES,
    CORE_RESOURCES,
    Resource,
    slim,
)
from netpol_tui.sources.kube.source import ORIGIN, Event, KubeSource, list_snapshot

__all__ = [
    "CILIUM_GROUP",
    "CILIUM_CONFIG",
    "CILIUM_RESOURCES",
    "CORE_RESOURCES",
    "ORIGIN",
    "Connection",
    "Event",
    "KubeError",
    "KubeSource",
    "Resource",
    "connect",
    "describe_error",
    "list_snapshot",
    "slim",
]
