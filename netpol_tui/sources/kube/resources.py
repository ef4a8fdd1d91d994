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
    counted_only: bool = False  # a kind the core does not parse: count it, keep its raw dict for snapshots
    optional: bool = False  # a 404 on the list = not served here (no CRD): skipped with a one-line note
    fixed_namespace: str = ""  # always listed in this namespace (cilium-config: kube-system)
    field_selector: str = ""  # e.g. metadata.name=cilium-config
    fallback_versions: tuple[str, ...] = ()  # tried in order when `version` is not served (404)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


NAMESPACES = Resource("namespaces", "Namespace", "", "v1", namespaced=False)
PODS = Resource("pods", "Pod", "", "v1", namespaced=True)
NETWORK_POLICIES = Resource("networkpolicies", "NetworkPolicy", "networking.k8s.io", "v1", namespaced=True)
CILIUM_GROUP = "cilium.io"
CILIUM_NETWORK_POLICIES = Resource(
    "ciliumnetworkpolicies", "CiliumNetworkPolicy", CILIUM_GROUP, "v2", namespaced=True, optional=True
)
CILIUM_CLUSTERWIDE_POLICIES = Resource(
    "ciliumclusterwidenetworkpolicies",
    "CiliumClusterwideNetworkPolicy",
    CILIUM_GROUP,
    "v2",
    namespaced=False,
    optional=True,
)
# served as cilium.io/v2 by newer Cilium, cilium.io/v2alpha1 before (the docs still use v2alpha1)
CILIUM_CIDR_GROUPS = Resource(
    "ciliumcidrgroups",
    "CiliumCIDRGroup",
    CILIUM_GROUP,
    "v2",
    namespaced=False,
    optional=True,
    fallback_versions=("v2alpha1",),
)
NODES = Resource("nodes", "Node", "", "v1", namespaced=False)
SERVICES = Resource("services", "Service", "", "v1", namespaced=True)
ENDPOINTS = Resource("endpoints", "Endpoints", "", "v1", namespaced=True)
# default/kubernetes = the kube-apiserver's addresses, needed even when only another namespace is watched
KUBERNETES_ENDPOINTS = Resource(
    "endpoints",
    "Endpoints",
    "",
    "v1",
    namespaced=True,
    fixed_namespace="default",
    field_selector="metadata.name=kubernetes",
)
CILIUM_CONFIG = Resource(
    "configmaps",
    "ConfigMap",
    "",
    "v1",
    namespaced=True,
    fixed_namespace="kube-system",
    field_selector="metadata.name=cilium-config",
)
CORE_RESOURCES = (NAMESPACES, PODS, NETWORK_POLICIES, NODES, SERVICES, ENDPOINTS, CILIUM_CONFIG)
CILIUM_RESOURCES = (CILIUM_NETWORK_POLICIES, CILIUM_CLUSTERWIDE_POLICIES, CILIUM_CIDR_GROUPS)


def store_name(res: Resource) -> str:
    """The key of a resource's store and of its snapshot file: the plural, or `configmaps` → `ciliumconfig`."""
    if res is CILIUM_CONFIG:
        return "ciliumconfig"
    if res is KUBERNETES_ENDPOINTS:
        return "kubernetesendpoints"
    return res.plural


def slim(obj: Mapping[str, Any], res: Resource, version: str = "") -> dict[str, Any]:
    """The object as we keep and save it: kind/apiVersion set (list items lack them), managedFields, the
    last-applied annotation and a pod's noisy status and non-network spec dropped. Everything the parser reads
    stays: labels, ownerReferences, hostNetwork, containers' ports, nodeName, podIP/podIPs, phase."""
    api_version = f"{res.group}/{version}" if res.group and version else res.api_version
    out: dict[str, Any] = {"apiVersion": api_version, "kind": res.kind}
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
    if res is NODES:
        status = obj.get("status")
        out.pop("spec", None)
        if isinstance(status, Mapping):
            out["status"] = {k: status[k] for k in ("addresses",) if k in status}
    elif res is SERVICES:
        out.pop("status", None)
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
