"""Security identities as Cilium derives them (reference §2), and the entities that select them (§5).

A `Party` is one end of a connection as the cluster knows it (a pod, a node's host network namespace, an address
outside the cluster, or a reserved identity Hubble reported). Its `Identity` depends on who looks: a node is
`reserved:host` to the pods on that node and `reserved:remote-node` to every other pod. Identity labels are kept
as a mapping with `source:key` keys plus the `any:key` form, so that selectors whose keys were normalised by the
parser (`app` → `any:app`) match with the one label-selector engine of core/selectors.py.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from netpol_tui.core.cilium.model import (
    CLUSTER_KEY,
    NAMESPACE_KEY,
    NAMESPACE_LABELS_PREFIX,
    SERVICE_ACCOUNT_KEY,
    CiliumConfig,
    Entity,
    Reserved,
)
from netpol_tui.core.model import ContainerPort

# label keys dropped from identities by default (identity-relevant-labels.rst)
_DROPPED_PREFIXES = ("io.kubernetes", "kubernetes.io", "k8s.io", "beta.kubernetes.io", "annotation.")
_DROPPED_KEYS = frozenset(
    {
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "batch.kubernetes.io/job-completion-index",
        "batch.kubernetes.io/controller-uid",
        "pod-template-hash",
        "pod-template-generation",
        "controller-revision-hash",
        "controller-uid",
    }
)
# what the `cluster` entity covers besides the local cluster's pods
_CLUSTER_RESERVED = frozenset(
    {
        Reserved.HOST,
        Reserved.REMOTE_NODE,
        Reserved.INIT,
        Reserved.INGRESS,
        Reserved.HEALTH,
        Reserved.UNMANAGED,
        Reserved.KUBE_APISERVER,
    }
)


def identity_relevant(key: str) -> bool:
    """Does Cilium keep this pod label in the identity (default label filter)?"""
    if key in _DROPPED_KEYS:
        return False
    return not any(key.startswith(p) for p in _DROPPED_PREFIXES)


def pod_identity_labels(
    pod_labels: Mapping[str, str],
    namespace: str,
    namespace_labels: Mapping[str, str],
    *,
    service_account: str = "default",
    cluster: str = "default",
) -> dict[str, str]:
    """A pod's identity labels, k8s source, keys without a source prefix (`app`, `io.kubernetes.pod.namespace`)."""
    out = {k: v for k, v in pod_labels.items() if identity_relevant(k)}
    out[NAMESPACE_KEY] = namespace
    out[SERVICE_ACCOUNT_KEY] = service_account or "default"
    out[CLUSTER_KEY] = cluster or "default"
    for k, v in namespace_labels.items():
        out[NAMESPACE_LABELS_PREFIX + k] = v
    return out


def extend(labels: Mapping[str, str], source: str = "k8s") -> dict[str, str]:
    """`{app: x}` → `{k8s:app: x, any:app: x}`: the form selectors with normalised keys match against."""
    out: dict[str, str] = {}
    for k, v in labels.items():
        out[f"{source}:{k}"] = v
        out.setdefault(f"any:{k}", v)
    return out


def reserved_labels(reserved: frozenset[Reserved]) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in sorted(reserved):
        out[f"reserved:{r.value}"] = ""
        out.setdefault(f"any:{r.value}", "")
    return out


class PartyKind(StrEnum):
    POD = "pod"  # a Cilium-managed pod (not hostNetwork)
    NODE = "node"  # a node's host network namespace (its addresses, its hostNetwork pods)
    WORLD = "world"  # an address no endpoint owns
    RESERVED = "reserved"  # a reserved identity reported by Hubble (health, ingress, init, unmanaged, ...)


@dataclass(frozen=True, slots=True)
class Party:
    """One end of a connection, independent of who looks at it."""

    kind: PartyKind
    ip: str = ""
    pod_key: str = ""  # "ns/name" for a pod (or a hostNetwork pod of a NODE party)
    namespace: str = ""
    node: str = ""  # the pod's node, or the node itself ("" when unknown)
    labels: Mapping[str, str] = field(default_factory=dict)  # pods: identity labels, plain keys (k8s source)
    pod_labels: Mapping[str, str] = field(default_factory=dict)  # pods: all k8s labels (Service selectors)
    ports: tuple[ContainerPort, ...] = ()  # pods: container ports (named ports)
    node_labels: Mapping[str, str] = field(default_factory=dict)  # NODE: the Node object's labels
    kube_apiserver: bool = False  # the address serves the kube-apiserver (default/kubernetes endpoints)
    reserved: frozenset[Reserved] = frozenset()  # RESERVED: the identity Hubble reported
    names: tuple[str, ...] = ()  # DNS names the address was resolved from (Hubble destination_names)
    extended: Mapping[str, str] = field(default_factory=dict)  # pods: `labels` with source keys (precomputed)

    @property
    def key(self) -> str:
        return self.pod_key if self.kind is PartyKind.POD else (self.ip or self.node or self.pod_key)

    @property
    def is_endpoint(self) -> bool:
        """A Cilium endpoint whose own policy is enforced (host policies are out of scope)."""
        return self.kind is PartyKind.POD


@dataclass(frozen=True, slots=True)
class Identity:
    """The identity of a party as seen from one node: its reserved names and its labels (extended keys)."""

    reserved: frozenset[Reserved]
    labels: Mapping[str, str]
    is_pod: bool = False
    cidr_selectable: bool = False  # CIDR rules (and KNP ipBlock under Cilium) can select it


def _address(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(ip)
    except ValueError:
        return None


def identity_of(party: Party, observer_node: str, config: CiliumConfig) -> Identity:
    """The identity `party` has for policy enforced at an endpoint on `observer_node`."""
    if party.kind is PartyKind.POD:
        return Identity(frozenset(), party.extended or extend(party.labels), is_pod=True)
    reserved: set[Reserved] = set()
    cidr_ok = False
    extra: dict[str, str] = {}
    if party.kind is PartyKind.NODE:
        local = bool(party.node) and party.node == observer_node
        reserved.add(Reserved.HOST if local else Reserved.REMOTE_NODE)
        cidr_ok = config.policy_cidr_match_nodes
        extra = extend(party.node_labels, "node")
    elif party.kind is PartyKind.WORLD:
        reserved.add(Reserved.WORLD)
        addr = _address(party.ip)
        if addr is not None:
            reserved.add(Reserved.WORLD_IPV4 if addr.version == 4 else Reserved.WORLD_IPV6)
        cidr_ok = True
    else:
        reserved |= party.reserved
        cidr_ok = bool(party.reserved & {Reserved.WORLD, Reserved.WORLD_IPV4, Reserved.WORLD_IPV6})
    if party.kube_apiserver:
        reserved.add(Reserved.KUBE_APISERVER)
    frozen = frozenset(reserved)
    labels = reserved_labels(frozen)
    labels.update(extra)
    return Identity(frozen, labels, is_pod=False, cidr_selectable=cidr_ok)


def entity_matches(entity: Entity, identity: Identity, config: CiliumConfig) -> bool:
    """Does `from/toEntities: [entity]` select this identity (pkg/policy/api/entity.go)?"""
    r = identity.reserved
    if entity is Entity.ALL:
        return True
    if entity is Entity.NONE:
        return False
    if entity is Entity.WORLD:
        return bool(r & {Reserved.WORLD, Reserved.WORLD_IPV4, Reserved.WORLD_IPV6})
    if entity is Entity.WORLD_IPV4:
        return Reserved.WORLD_IPV4 in r
    if entity is Entity.WORLD_IPV6:
        return Reserved.WORLD_IPV6 in r
    if entity is Entity.CLUSTER:
        if r & _CLUSTER_RESERVED:
            return True
        return identity.is_pod and identity.labels.get(f"k8s:{CLUSTER_KEY}") == config.cluster_name
    return Reserved(entity.value) in r


def entity_of(identity: Identity) -> Entity | None:
    """The most specific entity naming this identity (for explanations and fixes); None for pods."""
    order = (
        (Reserved.KUBE_APISERVER, Entity.KUBE_APISERVER),
        (Reserved.HOST, Entity.HOST),
        (Reserved.REMOTE_NODE, Entity.REMOTE_NODE),
        (Reserved.INGRESS, Entity.INGRESS),
        (Reserved.HEALTH, Entity.HEALTH),
        (Reserved.INIT, Entity.INIT),
        (Reserved.UNMANAGED, Entity.UNMANAGED),
        (Reserved.WORLD, Entity.WORLD),
        (Reserved.WORLD_IPV4, Entity.WORLD),
        (Reserved.WORLD_IPV6, Entity.WORLD),
    )
    for res, ent in order:
        if res in identity.reserved:
            return ent
    return None
