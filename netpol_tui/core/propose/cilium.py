"""The CiliumNetworkPolicy dialect of a proposal (`--dialect cilium`; reference/cilium-policy-semantics.md).

Per namespace: `default-deny-all` (`endpointSelector: {}` with `ingress: [{}]` and `egress: [{}]`: both directions
isolated, nothing allowed, §4), `allow-dns-egress` (UDP and TCP 53 to kube-dns with `rules.dns` matching every
name, so that the DNS proxy sees the lookups `toFQDNs` needs, §5), then one ingress and one egress CNP per
workload: its `endpointSelector` on the stable labels kept in its Cilium identity (`k8s:` keys), one rule item per
peer with one `toPorts` entry of explicit protocols. A peer is named as Cilium's identity of it (seen from the
workload's node): a workload by `from/toEndpoints` (plus `k8s:io.kubernetes.pod.namespace` when it lives in another
namespace), the kube-apiserver / host / remote-node / ingress / ... by `from/toEntities`, an outside address with
the DNS names Hubble saw by `toFQDNs` (egress), any other outside address by `from/toCIDR` (/32, /128, or the
`--cidr-prefix` network), the world without an address by the `world` entity.

Judging reads the snapshot's own (Cilium) evaluator: `admitting` lists, per isolated side of a connection, the
allow items (CNP/CCNP) and NetworkPolicy rules that admit it, as the NetworkPolicy dialect's rule index does.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from netpol_tui.core.cilium.bridge import CiliumView
from netpol_tui.core.cilium.identity import Party, PartyKind, entity_of
from netpol_tui.core.cilium.model import NAMESPACE_KEY, CiliumPolicy, Entity
from netpol_tui.core.cilium.objects import CiliumObjects
from netpol_tui.core.cilium.parse import parse_cilium_object
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import DirectionResult
from netpol_tui.core.evaluate_cilium import CiliumDirectionResult
from netpol_tui.core.model import Direction, Pod
from netpol_tui.core.propose import build
from netpol_tui.core.propose.build import PeerKey
from netpol_tui.core.propose.workloads import WorkloadId
from netpol_tui.core.subject import Subject

API_VERSION = "cilium.io/v2"
KIND = "CiliumNetworkPolicy"
KUBERNETES_ENDPOINTS = "default/kubernetes"
LOCALHOST = "<allow-localhost>"  # an element no proposal can remove: the local host reaches local pods anyway

# Entities a peer is named by (world only when there is no address to name it by)
_ENTITIES = frozenset(
    {
        Entity.KUBE_APISERVER,
        Entity.HOST,
        Entity.REMOTE_NODE,
        Entity.INGRESS,
        Entity.HEALTH,
        Entity.INIT,
        Entity.UNMANAGED,
    }
)

Element = tuple[str, str, int]


def apiserver_addresses(snapshot: ClusterSnapshot) -> tuple[str, ...]:
    """The addresses of the `default/kubernetes` Endpoints (or EndpointSlices) in the snapshot, sorted."""
    objs = snapshot.cilium
    found: tuple[str, ...] = ()
    for e in objs.endpoints if objs is not None else ():
        if e.key == KUBERNETES_ENDPOINTS:
            found = e.addresses  # a later object replaces an earlier one, as in the API
    valid = []
    for ip in set(found):
        try:
            valid.append(ipaddress.ip_address(ip))
        except ValueError:
            continue
    return tuple(str(a) for a in sorted(valid, key=lambda a: (a.version, a)))


# ---------------------------------------------------------------------------------------------------------------
# Peers
# ---------------------------------------------------------------------------------------------------------------
_LABEL = r"[a-z0-9_]([-a-z0-9_]{0,61}[a-z0-9_])?"
_FQDN = re.compile(rf"{_LABEL}(\.{_LABEL})*")


def fqdn_name(name: str) -> str:
    """A DNS name Hubble reported as a `matchName` (lower case, no final dot); "" when it is not a plain name."""
    text = name.rstrip(".").lower()
    return text if len(text) <= 253 and _FQDN.fullmatch(text) else ""


def peer_for(
    view: CiliumView, me: Party, other: Subject, direction: Direction, cidr_prefix: int | None
) -> PeerKey | None:
    """A non-workload end as Cilium's identity of it, seen from `me` (host and remote-node depend on the node)."""
    party = view.party(other)
    identity = view.engine.identity(party, me.node)
    entity = entity_of(identity)
    if entity in _ENTITIES and entity is not None:
        return PeerKey(entity=entity.value)
    if party.kind is PartyKind.POD:  # a pod's address: the caller names pods by workload
        return None
    if direction == Direction.EGRESS and view.config.enable_l7_proxy:
        name = next((n for n in (fqdn_name(x) for x in party.names) if n), "")
        if name:
            return PeerKey(fqdn=name)
    if party.ip:
        return PeerKey(cidr=build.network_for(party.ip, cidr_prefix))
    return PeerKey(entity=Entity.WORLD.value)


# ---------------------------------------------------------------------------------------------------------------
# Manifests
# ---------------------------------------------------------------------------------------------------------------
def k8s_selector(selector: Mapping[str, Any]) -> dict[str, Any]:
    """A workload's label selector with every key as a Cilium identity label of the k8s source (`k8s:app`)."""
    out: dict[str, Any] = {}
    labels = selector.get("matchLabels") or {}
    if labels:
        out["matchLabels"] = {f"k8s:{k}": v for k, v in labels.items()}
    exprs = selector.get("matchExpressions") or []
    if exprs:
        out["matchExpressions"] = [{**build.copy_tree(e), "key": f"k8s:{e['key']}"} for e in exprs]
    return out


def endpoint_peer(wid: WorkloadId, policy_ns: str, selectors: Mapping[WorkloadId, Mapping[str, Any]]) -> Any:
    sel = k8s_selector(selectors[wid])
    if wid.namespace != policy_ns:
        sel.setdefault("matchLabels", {})[f"k8s:{NAMESPACE_KEY}"] = wid.namespace
    return sel


def port_items(ports: Iterable[tuple[str, int]], dst_pods: Sequence[Pod]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for protocol, port in sorted(set(ports)):
        name = build.port_name(dst_pods, port, protocol) if dst_pods else ""
        out.append({"port": name or str(port), "protocol": protocol})
    return out


_ICMP_FAMILY = {"ICMPv4": "IPv4", "ICMPv6": "IPv6"}
_ICMP_FIELDS_MAX = 40  # fields of one ICMPRule (the CRD's maxItems)


def rule_items(
    direction: Direction,
    peer: PeerKey,
    policy_ns: str,
    selectors: Mapping[WorkloadId, Mapping[str, Any]],
    observed: Iterable[tuple[str, int]],
    dst_pods: Sequence[Pod],
) -> list[dict[str, Any]]:
    """The rule items for one peer: one with the observed ports (`toPorts`), one with the observed ICMP types
    (`icmps`, by family and type): Cilium refuses an item that has both."""
    l4 = [(proto, port) for proto, port in observed if proto not in _ICMP_FAMILY]
    icmp = sorted({(proto, port) for proto, port in observed if proto in _ICMP_FAMILY})
    out: list[dict[str, Any]] = []
    if l4:
        out.append(rule_item(direction, peer, policy_ns, selectors, port_items(l4, dst_pods)))
    if icmp:
        fields = [{"family": _ICMP_FAMILY[proto], "type": port} for proto, port in icmp]
        rules = [
            {"fields": fields[i : i + _ICMP_FIELDS_MAX]} for i in range(0, len(fields), _ICMP_FIELDS_MAX)
        ]
        out.append(rule_item(direction, peer, policy_ns, selectors, None, icmps=rules))
    return out


def rule_item(
    direction: Direction,
    peer: PeerKey,
    policy_ns: str,
    selectors: Mapping[WorkloadId, Mapping[str, Any]],
    ports: list[dict[str, Any]] | None,
    *,
    icmps: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    side = "from" if direction == Direction.INGRESS else "to"
    item: dict[str, Any] = {}
    if peer.workload is not None:
        item[f"{side}Endpoints"] = [endpoint_peer(peer.workload, policy_ns, selectors)]
    elif peer.mesh is not None:
        labels = {f"k8s:{k}": v for k, v in peer.mesh.match_labels().items()}
        if peer.mesh.namespace != policy_ns:
            labels[f"k8s:{NAMESPACE_KEY}"] = peer.mesh.namespace
        item[f"{side}Endpoints"] = [{"matchLabels": labels}]
    elif peer.entity:
        item[f"{side}Entities"] = [peer.entity]
    elif peer.fqdn:
        item["toFQDNs"] = [{"matchName": peer.fqdn}]
    else:
        item[f"{side}CIDR"] = [peer.cidr]
    if ports is not None:
        item["toPorts"] = [{"ports": ports}]
    if icmps is not None:
        item["icmps"] = icmps
    return item


def _meta(namespace: str, name: str) -> dict[str, Any]:
    return {"name": name, "namespace": namespace, "labels": dict(build.MANAGED_BY)}


def deny_all(namespace: str, name: str) -> dict[str, Any]:
    """Every pod of the namespace isolated both ways, nothing allowed: an empty item selects no peer (§4)."""
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": _meta(namespace, name),
        "spec": {"endpointSelector": {}, "ingress": [{}], "egress": [{}]},
    }


def dns_allow(namespace: str, name: str) -> dict[str, Any]:
    peer = {f"k8s:{k}": v for k, v in build.DNS_LABELS.items()}
    port = str(build.DNS_PORT)
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": _meta(namespace, name),
        "spec": {
            "endpointSelector": {},
            "egress": [
                {
                    "toEndpoints": [{"matchLabels": {f"k8s:{NAMESPACE_KEY}": build.DNS_NAMESPACE, **peer}}],
                    "toPorts": [
                        {
                            "ports": [{"port": port, "protocol": "UDP"}, {"port": port, "protocol": "TCP"}],
                            "rules": {"dns": [{"matchPattern": "*"}]},
                        }
                    ],
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
        "kind": KIND,
        "metadata": _meta(namespace, name),
        "spec": {"endpointSelector": k8s_selector(selector), key: rules},
    }


# ---------------------------------------------------------------------------------------------------------------
# The proposal among the cluster's objects, and what admits a side
# ---------------------------------------------------------------------------------------------------------------
def parse(manifests: Iterable[Mapping[str, Any]]) -> list[CiliumPolicy]:
    """The proposal as the cluster would read it: through the project's Cilium parser."""
    out: list[CiliumPolicy] = []
    for m in manifests:
        parsed = parse_cilium_object(build.copy_tree(m))
        if parsed.problems or not isinstance(parsed.obj, CiliumPolicy):
            raise ValueError(f"a proposed policy does not parse: {parsed.problems[:1]}")
        out.append(parsed.obj)
    return out


def with_policies(snapshot: ClusterSnapshot, policies: Iterable[CiliumPolicy]) -> ClusterSnapshot:
    """The snapshot with these Cilium policies beside its own Cilium objects (judged by its Cilium evaluator)."""
    base = snapshot.cilium or CiliumObjects()
    objs = CiliumObjects(
        policies=[*base.policies, *policies],
        groups=list(base.groups),
        nodes=list(base.nodes),
        services=list(base.services),
        endpoints=list(base.endpoints),
        config=base.config,
    )
    return snapshot.with_changes(cilium=objs)


def policy_key(policy: CiliumPolicy) -> str:
    """Element keys: a CNP by `namespace/name` (as `ProposedPolicy.key`), a CCNP by `ccnp:name`."""
    return policy.key if policy.namespace else f"ccnp:{policy.name}"


def admitting(side: DirectionResult) -> set[Element] | None:
    """The allow items and NetworkPolicy rules admitting an enforced, isolated side; None when the side needs
    none (not enforced, or not isolated and not denied). An empty set: the side is denied."""
    if not side.enforced:
        return None
    if side.allowed and not side.isolated:
        return None
    if not side.allowed:
        return set()
    tag = str(side.direction)
    out: set[Element] = {
        (f"knp:{p.policy.key}", tag, r.index) for p in side.policies for r in p.rules if r.allows
    }
    cs = side.cilium if isinstance(side, CiliumDirectionResult) else None
    if cs is not None:
        if cs.localhost:
            out.add((LOCALHOST, tag, 0))
        for ps in cs.policies:
            key = policy_key(ps.policy)
            out.update((key, tag, res.number) for res in ps.allows if res.ok)
    return out
