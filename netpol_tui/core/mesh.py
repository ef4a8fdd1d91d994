"""Clusters of a Cilium mesh: which cluster Hubble says an endpoint belongs to, and whether it is this snapshot's.

The snapshot's own cluster is cilium-config's `cluster-name` (Cilium's default `default` when the key is unset).
Without cilium-config in the snapshot a cluster Hubble names cannot be told from this one: every pod counts as
local, as before clustermesh was considered (reference/cilium-policy-semantics.md §2, §3).
"""

from __future__ import annotations

from netpol_tui.core.cilium.model import CLUSTER_KEY
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.model import Endpoint, EndpointKind
from netpol_tui.core.validation import label_value_fault


def hubble_meta_label(ep: Endpoint, key: str) -> str:
    """The value of one of Cilium's own identity keys (`io.cilium.k8s.policy.serviceaccount`, `...cluster`) as
    Hubble reports it for the endpoint ("" when it does not)."""
    prefix = f"k8s:{key}="
    for label in ep.other_labels:
        if label.startswith(prefix):
            return label[len(prefix) :]
    return ""


def local_cluster(snapshot: ClusterSnapshot) -> str:
    """The snapshot's own cluster name; "" when the snapshot has no cilium-config."""
    cilium = snapshot.cilium
    if cilium is None or cilium.config is None:
        return ""
    return cilium.config.cluster_name


def peers_scoped_to_local_cluster(snapshot: ClusterSnapshot) -> bool:
    """Does Cilium add `io.cilium.k8s.policy.cluster=<local>` to peers that do not name the key
    (`policy-default-local-cluster`, on by default from 1.19)? False without cilium-config."""
    cilium = snapshot.cilium
    return cilium is not None and cilium.config is not None and cilium.config.policy_default_local_cluster


def remote_cluster(ep: Endpoint, snapshot: ClusterSnapshot) -> str:
    """The cluster of the mesh Hubble names for this endpoint when it is not the snapshot's own; "" when it is,
    when Hubble names none, or when the snapshot does not say its own name."""
    if ep.kind not in (EndpointKind.POD, EndpointKind.UNKNOWN):
        return ""
    local = local_cluster(snapshot)
    theirs = endpoint_cluster(ep)
    return theirs if local and theirs and theirs != local else ""


def endpoint_cluster(ep: Endpoint) -> str:
    """The cluster Hubble names for the endpoint (its `cluster_name`, else its cluster label); "" when none, or
    when the name is no valid label value (Cilium's cluster names are; such a name could not be written into a
    selector, so the endpoint is taken as of no known cluster)."""
    name = ep.cluster_name or hubble_meta_label(ep, CLUSTER_KEY)
    return name if name and label_value_fault(name) is None else ""


__all__ = [
    "endpoint_cluster",
    "hubble_meta_label",
    "local_cluster",
    "peers_scoped_to_local_cluster",
    "remote_cluster",
]
