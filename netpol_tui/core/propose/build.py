"""The manifests of a proposal: deny-all, the DNS allow, one ingress and one egress policy per workload.

Peers are workloads (a podSelector on their stable labels, plus a namespaceSelector on
`kubernetes.io/metadata.name` in the same item when they live in another namespace), the kube-apiserver (one
`ipBlock` /32 or /128 per address of the `default/kubernetes` Endpoints) or addresses (`ipBlock`, /32 or /128, or
the network of `--cidr-prefix`). The CiliumNetworkPolicy dialect is built by `cilium.py`. Ports are the observed ones, merged per workload pair, by name when
every pod of the destination workload declares that port and protocol under one name.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netpol_tui.core.cilium.model import CLUSTER_KEY
from netpol_tui.core.model import NS_NAME_LABEL, Direction, Pod
from netpol_tui.core.propose.workloads import WorkloadId

API_VERSION = "networking.k8s.io/v1"
MANAGED_BY = {"app.kubernetes.io/managed-by": "netpol-tui"}
DENY_ALL_NAME = "default-deny-all"
DNS_NAME = "allow-dns-egress"
DNS_NAMESPACE = "kube-system"
DNS_LABELS = {"k8s-app": "kube-dns"}
DNS_PORT = 53

# Pods whose app/name label says they are an ingress controller (traffic from outside arrives from them).
INGRESS_CONTROLLER_NAMES = frozenset(
    {
        "ingress-nginx",
        "nginx-ingress",
        "traefik",
        "haproxy-ingress",
        "contour",
        "envoy",
        "kong",
        "istio-ingressgateway",
        "emissary-ingress",
        "ambassador",
        "skipper-ingress",
    }
)
_NAME_KEYS = ("app.kubernetes.io/name", "app", "k8s-app", "app.kubernetes.io/component")


def is_ingress_controller(pod: Pod) -> bool:
    names = {pod.labels.get(k, "") for k in _NAME_KEYS}
    return bool(names & INGRESS_CONTROLLER_NAMES) or "ingress-controller" in names


KUBE_APISERVER = "kube-apiserver"


@dataclass(frozen=True, slots=True, order=True)
class MeshPods:
    """Pods of another cluster of the mesh, as a peer: their cluster, namespace and stable labels (known from
    the flows only). Named by those labels plus `io.cilium.k8s.policy.cluster`, since a peer that does not name the
    cluster selects only the local one (policy-default-local-cluster)."""

    cluster: str
    namespace: str
    labels: tuple[tuple[str, str], ...]

    @property
    def key(self) -> str:
        return f"{self.cluster}/{self.namespace}/" + ",".join(f"{k}={v}" for k, v in self.labels)

    def match_labels(self) -> dict[str, str]:
        return {**dict(self.labels), CLUSTER_KEY: self.cluster}


@dataclass(frozen=True, slots=True, order=True)
class PeerKey:
    """A peer of a rule: a workload, pods of another cluster of the mesh, a network (an address as /32 or /128,
    or merged by `--cidr-prefix`), an entity (the kube-apiserver in both dialects; host, remote-node, world, ...
    in the Cilium one), or a DNS name Hubble saw for the destination (Cilium `toFQDNs`)."""

    cidr: str = ""
    workload: WorkloadId | None = None
    entity: str = ""
    fqdn: str = ""
    mesh: MeshPods | None = None

    @property
    def order(self) -> tuple[int, str]:
        if self.workload is not None:
            return (0, self.workload.key)
        if self.mesh is not None:
            return (1, self.mesh.key)
        if self.entity:
            return (2, self.entity)
        if self.fqdn:
            return (3, self.fqdn)
        return (4, self.cidr)


def network_for(ip: str, cidr_prefix: int | None) -> str:
    addr = ipaddress.ip_address(ip)
    full = 32 if addr.version == 4 else 128
    prefix = full if cidr_prefix is None or addr.version == 6 else min(max(cidr_prefix, 0), full)
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))


def host_network(ip: str) -> str:
    """An address as its /32 or /128."""
    return network_for(ip, None)


def peer_items(
    peer: PeerKey,
    policy_ns: str,
    selectors: Mapping[WorkloadId, Mapping[str, Any]],
    apiserver: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The NetworkPolicy peers of one rule: the kube-apiserver is one ipBlock per address of its Endpoints."""
    if peer.entity == KUBE_APISERVER:
        return [{"ipBlock": {"cidr": host_network(ip)}} for ip in apiserver]
    return [peer_item(peer, policy_ns, selectors)]


def peer_item(
    peer: PeerKey, policy_ns: str, selectors: Mapping[WorkloadId, Mapping[str, Any]]
) -> dict[str, Any]:
    if peer.mesh is not None:
        mesh: dict[str, Any] = {}
        if peer.mesh.namespace != policy_ns:
            mesh["namespaceSelector"] = {"matchLabels": {NS_NAME_LABEL: peer.mesh.namespace}}
        mesh["podSelector"] = {"matchLabels": peer.mesh.match_labels()}
        return mesh
    if peer.workload is None:
        return {"ipBlock": {"cidr": peer.cidr}}
    item: dict[str, Any] = {}
    if peer.workload.namespace != policy_ns:
        item["namespaceSelector"] = {"matchLabels": {NS_NAME_LABEL: peer.workload.namespace}}
    item["podSelector"] = copy_tree(selectors[peer.workload])
    return item


def port_name(pods: Sequence[Pod], port: int, protocol: str) -> str:
    """The one name every pod gives this container port and protocol, else ""."""
    names: set[str] = set()
    for pod in pods:
        found = [cp.name for cp in pod.ports if cp.port == port and cp.protocol == protocol]
        if len(found) != 1 or not found[0]:
            return ""
        names.add(found[0])
    return names.pop() if len(names) == 1 else ""


def port_items(ports: Iterable[tuple[str, int]], dst_pods: Sequence[Pod]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for protocol, port in sorted(set(ports)):
        name = port_name(dst_pods, port, protocol) if dst_pods else ""
        out.append({"protocol": protocol, "port": name or port})
    return out


def rule_item(
    direction: Direction, peer: dict[str, Any] | list[dict[str, Any]], ports: list[dict[str, Any]]
) -> dict[str, Any]:
    peers = peer if isinstance(peer, list) else [peer]
    return {("from" if direction == Direction.INGRESS else "to"): peers, "ports": ports}


def _meta(namespace: str, name: str) -> dict[str, Any]:
    return {"name": name, "namespace": namespace, "labels": dict(MANAGED_BY)}


def deny_all(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "NetworkPolicy",
        "metadata": _meta(namespace, name),
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }


def dns_allow(namespace: str, name: str) -> dict[str, Any]:
    peer: dict[str, Any] = {"podSelector": {"matchLabels": dict(DNS_LABELS)}}
    if namespace != DNS_NAMESPACE:
        peer = {"namespaceSelector": {"matchLabels": {NS_NAME_LABEL: DNS_NAMESPACE}}, **peer}
    return {
        "apiVersion": API_VERSION,
        "kind": "NetworkPolicy",
        "metadata": _meta(namespace, name),
        "spec": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [peer],
                    "ports": [{"protocol": "UDP", "port": DNS_PORT}, {"protocol": "TCP", "port": DNS_PORT}],
                }
            ],
        },
    }


def workload_policy(
    namespace: str, name: str, selector: Mapping[str, Any], direction: Direction, rules: list[dict[str, Any]]
) -> dict[str, Any]:
    key = "ingress" if direction == Direction.INGRESS else "egress"
    return {
        "apiVersion": API_VERSION,
        "kind": "NetworkPolicy",
        "metadata": _meta(namespace, name),
        "spec": {"podSelector": copy_tree(selector), "policyTypes": [direction.value], key: rules},
    }


def dns_label(text: str, limit: int = 240) -> str:
    """`text` as a DNS subdomain-safe name (lower case, digits, '-', '.')."""
    text = re.sub(r"[^a-z0-9.-]+", "-", text.lower()).strip("-.")
    text = re.sub(r"-{2,}", "-", text)
    return text[:limit].rstrip("-.") or "workload"


class NameBook:
    """Policy names of one namespace: never one already in the cluster, never twice in the proposal."""

    def __init__(self, taken: Iterable[str]) -> None:
        self._taken = set(taken)

    def claim(self, wanted: str) -> str:
        name, n = wanted, 2
        while name in self._taken:
            name = f"{wanted}-{n}"
            n += 1
        self._taken.add(name)
        return name


def copy_tree(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: copy_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [copy_tree(v) for v in value]
    return value
