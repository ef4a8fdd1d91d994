"""The resources the kube source reads, and what it keeps of each object (the parser's part, slimmed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


# ---------------------------------------------------------------------------------------------------------------
# Resources
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Resource:
    plural: str  # "pods"
    kind: str  # "Pod"
    group: str  # "" for the core group
    version: str
    namespaced: bool
    counted_only: bool = False  # a policy kind we do not evaluate: count it, keep its raw dict for snapshots

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


NAMESPACES = Resource("namespaces", "Namespace", "", "v1", namespaced=False)
PODS = Resource("pods", "Pod", "", "v1", namespaced=True)
NETWORK_POLICIES = Resource("networkpolicies", "NetworkPolicy", "networking.k8s.io", "v1", namespaced=True)
CILIUM_GROUP = "cilium.io"
CILIUM_NETWORK_POLICIES = Resource(
    "ciliumnetworkpolicies", "CiliumNetworkPolicy", CILIUM_GROUP, "v2", namespaced=True, counted_only=True
)
CILIUM_CLUSTERWIDE_POLICIES = Resource(
    "ciliumclusterwidenetworkpolicies",
    "CiliumClusterwideNetworkPolicy",
    CILIUM_GROUP,
    "v2",
    namespaced=False,
    counted_only=True,
)
CORE_RESOURCES = (NAMESPACES, PODS, NETWORK_POLICIES)
CILIUM_RESOURCES = (CILIUM_NETWORK_POLICIES, CILIUM_CLUSTERWIDE_POLICIES)


def slim(obj: Mapping[str, Any], res: Resource) -> dict[str, Any]:
    """The object as we keep and save it: kind/apiVersion set (list items lack them), managedFields, the
    last-applied annotation and a pod's noisy status and non-network spec dropped. Everything the parser reads
    stays: labels, ownerReferences, hostNetwork, containers' ports, nodeName, podIP/podIPs, phase."""
    out: dict[str, Any] = {"apiVersion": res.api_version, "kind": res.kind}
    for key, value in obj.items():
        if key not in ("apiVersion", "kind"):
            out[key] = value
    meta = obj.get("metadata")
    if isinstance(meta, Mapping):
        meta = {k: v for k, v in meta.items() if k != "managedFields"}
        ann = meta.get("annotations")
        if isinstance(ann, Mapping) and LAST_APPLIED in ann:
            ann = {k: v for k, v in ann.items() if k != LAST_APPLIED}
            if ann:
                meta["annotations"] = ann
            else:
                del meta["annotations"]
        out["metadata"] = meta
    if res is PODS:
        spec = obj.get("spec")
        if isinstance(spec, Mapping):
            out["spec"] = _slim_pod_spec(spec)
        status = obj.get("status")
        if isinstance(status, Mapping):
            out["status"] = {
                k: status[k] for k in ("phase", "podIP", "podIPs", "hostIP", "hostIPs") if k in status
            }
    return out


_POD_SPEC_KEYS = ("nodeName", "hostNetwork", "serviceAccountName", "initContainers", "containers")
_CONTAINER_KEYS = ("name", "image", "ports", "restartPolicy")


def _slim_pod_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in _POD_SPEC_KEYS:
        if key not in spec:
            continue
        value = spec[key]
        if key in ("initContainers", "containers") and isinstance(value, list):
            value = [
                {k: c[k] for k in _CONTAINER_KEYS if k in c} if isinstance(c, Mapping) else c for c in value
            ]
        out[key] = value
    return out


def _key(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace") or ""
    return f"{ns}/{meta.get('name', '')}" if ns else str(meta.get("name", ""))


def _rv(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return str(meta.get("resourceVersion") or "")
