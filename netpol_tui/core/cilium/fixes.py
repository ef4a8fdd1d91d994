"""Fix candidates in the Cilium dialect (reference §10), as manifests; the caller verifies them by re-evaluation.

* Drop 133 on a side a CNP/CCNP isolates: one CiliumNetworkPolicy in the endpoint's namespace, its
  `endpointSelector` on the endpoint's stable labels, one rule item naming the peer as an identity (pod labels,
  plus `io.kubernetes.pod.namespace` when the peer lives elsewhere; an entity for host / remote-node /
  kube-apiserver; `toFQDNs` with the DNS rule the proxy needs when the connection carries DNS names; `toCIDR` /32
  otherwise), and one `toPorts` entry with an explicit protocol (an `icmps` field for ICMP).
* Drop 181: never an allow. Each matching deny item is narrowed (an `except` for the address, a `NotIn` on the
  peer's name label) or, when it cannot be narrowed, removed; the patched policy is the whole object. When the side
  would still be default-denied, the allow goes into the same policy's rule.
"""

from __future__ import annotations

import copy
import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from netpol_tui.core.cilium.engine import CiliumSide, ItemResult, PolicySide
from netpol_tui.core.cilium.icmp import family_of_protocol
from netpol_tui.core.cilium.identity import Identity, Party, PartyKind, entity_of, identity_relevant
from netpol_tui.core.cilium.matchers import PeerMiss
from netpol_tui.core.cilium.model import CLUSTER_KEY, NAMESPACE_KEY, Direction, PeerKind, PolicyKind

NAME_LABELS = ("app.kubernetes.io/name", "app", "k8s-app", "name", "component", "app.kubernetes.io/component")
_UNSTABLE = frozenset(
    {
        "job-name",
        "batch.kubernetes.io/job-name",
        "security.istio.io/tlsMode",
        "service.istio.io/canonical-revision",
    }
)
MANAGED_BY = {"app.kubernetes.io/managed-by": "netpol-tui"}
DNS_ITEM: dict[str, Any] = {
    "toEndpoints": [
        {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns"}}
    ],
    "toPorts": [
        {
            "ports": [{"port": "53", "protocol": "UDP"}, {"port": "53", "protocol": "TCP"}],
            "rules": {"dns": [{"matchPattern": "*"}]},
        }
    ],
}


class FixKind(StrEnum):
    ALLOW = "allow"  # a new CNP with one allow item
    NARROW_DENY = "narrow_deny"  # a deny item narrowed (except / NotIn) in the patched policy
    REMOVE_DENY = "remove_deny"  # a deny item removed from the patched policy


@dataclass(frozen=True, slots=True)
class CiliumFix:
    direction: Direction
    kind: FixKind
    policy_kind: PolicyKind
    namespace: str  # "" for a CCNP
    name: str
    manifest: dict[str, Any]
    create: bool  # True: a new object; False: the whole updated existing object

    @property
    def target(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


def stable_labels(labels: dict[str, str] | Any) -> dict[str, str]:
    return {
        k: v
        for k, v in sorted(dict(labels or {}).items())
        if identity_relevant(k) and k not in _UNSTABLE and not k.startswith(("io.cilium.", "io.kubernetes."))
    }


def dns_label(text: str, limit: int = 63) -> str:
    text = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    text = re.sub(r"-{2,}", "-", text)
    return text[:limit].rstrip("-") or "allow"


def short_name(party: Party) -> str:
    if party.kind is PartyKind.POD or party.pod_labels:
        for key in NAME_LABELS:
            if party.pod_labels.get(key):
                return party.pod_labels[key]
        return party.pod_key.split("/", 1)[-1] or "pod"
    if party.names:
        return party.names[0].rstrip(".")
    if party.kind is PartyKind.NODE:
        return party.node or party.ip or "node"
    return party.ip or "world"


def _ports(port: int, protocol: str) -> dict[str, Any]:
    family = family_of_protocol(protocol)
    if family is not None:
        return {"icmps": [{"fields": [{"family": family.value, "type": port}]}]}
    return {"toPorts": [{"ports": [{"port": str(port), "protocol": protocol.upper()}]}]}


def allow_item(
    direction: Direction, me: Party, other: Party, other_id: Identity, port: int, protocol: str
) -> dict[str, Any]:
    """One allow rule item naming `other` as an identity, on exactly this port/protocol (or ICMP type)."""
    side = "from" if direction is Direction.INGRESS else "to"
    item: dict[str, Any] = {}
    if other.kind is PartyKind.POD:
        sel: dict[str, str] = {f"k8s:{k}": v for k, v in stable_labels(other.pod_labels).items()}
        if other.namespace != me.namespace:
            sel[f"k8s:{NAMESPACE_KEY}"] = other.namespace
        theirs, mine = other.labels.get(CLUSTER_KEY), me.labels.get(CLUSTER_KEY)
        if theirs and mine and theirs != mine:
            # a pod of another cluster of the mesh: a peer without the key selects only the local cluster
            sel[f"k8s:{CLUSTER_KEY}"] = theirs
        item[f"{side}Endpoints"] = [{"matchLabels": sel} if sel else {}]
    else:
        entity = entity_of(other_id)
        if other.names and direction is Direction.EGRESS and other.kind is PartyKind.WORLD:
            item["toFQDNs"] = [{"matchName": other.names[0].rstrip(".").lower()}]
        elif entity is not None and entity.value not in ("world",):
            item[f"{side}Entities"] = [entity.value]
        else:
            ip = ipaddress.ip_address(other.ip)
            item[f"{side}CIDR"] = [f"{ip}/{32 if ip.version == 4 else 128}"]
    item.update(_ports(port, protocol))
    return item


def allow_policy(
    direction: Direction,
    me: Party,
    other: Party,
    other_id: Identity,
    port: int,
    protocol: str,
    *,
    needs_dns: bool,
    taken: set[str],
) -> CiliumFix:
    """A new CNP in `me`'s namespace with one allow item (and the DNS item a toFQDNs item needs)."""
    item = allow_item(direction, me, other, other_id, port, protocol)
    key = "ingress" if direction is Direction.INGRESS else "egress"
    items = [item]
    if "toFQDNs" in item and needs_dns:
        items.append(copy.deepcopy(DNS_ITEM))
    me_name, other_name = short_name(me), short_name(other)
    proto = protocol.lower()
    if direction is Direction.INGRESS:
        base = f"allow-{me_name}-from-{other_name}-{port}-{proto}"
    else:
        base = f"allow-{me_name}-to-{other_name}-{port}-{proto}"
    name = dns_label(base)
    n = 2
    while name in taken:
        name = dns_label(f"{base[:58]}-{n}")
        n += 1
    labels = stable_labels(me.pod_labels)
    manifest = {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": name, "namespace": me.namespace, "labels": dict(MANAGED_BY)},
        "spec": {"endpointSelector": {"matchLabels": labels} if labels else {}, key: items},
    }
    return CiliumFix(direction, FixKind.ALLOW, PolicyKind.CNP, me.namespace, name, manifest, True)


# ---------------------------------------------------------------------------------------------------------------
# Denies
# ---------------------------------------------------------------------------------------------------------------
def clean_copy(raw: dict[str, Any]) -> dict[str, Any]:
    """The object as `kubectl apply` takes it: apiVersion, kind, metadata name/namespace/labels, spec(s)."""
    meta = raw.get("metadata") or {}
    out: dict[str, Any] = {
        "apiVersion": raw.get("apiVersion") or "cilium.io/v2",
        "kind": raw.get("kind"),
        "metadata": {k: copy.deepcopy(meta[k]) for k in ("name", "namespace", "labels") if meta.get(k)},
    }
    for key in ("spec", "specs"):
        if raw.get(key) is not None:
            out[key] = copy.deepcopy(raw[key])
    return out


def _locate(doc: dict[str, Any], path: str) -> tuple[list[Any], int]:
    """The list and index an item path ("spec.ingressDeny[0]", "specs[1].egressDeny[2]") points at."""
    m = re.fullmatch(r"(spec|specs\[(\d+)\])\.(\w+)\[(\d+)\]", path)
    assert m is not None, path
    rule = doc["spec"] if m.group(1) == "spec" else doc["specs"][int(m.group(2))]
    return rule[m.group(3)], int(m.group(4))


def _narrow(item: dict[str, Any], res: ItemResult, other: Party) -> bool:
    """Narrow one deny item in place so that it no longer matches `other`; False when it cannot be."""
    kind = res.item.peer_kind
    matching = [c for c in res.peer.checks if c.ok]
    side = "from" if res.item.section.direction is Direction.INGRESS else "to"
    if kind is PeerKind.CIDR and other.ip:
        ip = ipaddress.ip_address(other.ip)
        host = f"{ip}/{32 if ip.version == 4 else 128}"
        cidrs = item.pop(f"{side}CIDR", None)
        entries = list(item.get(f"{side}CIDRSet") or [])
        if cidrs:
            entries = [{"cidr": c} for c in cidrs] + entries
        hit = {c.index for c in matching}
        for i, entry in enumerate(entries):
            if i in hit and host not in entry.setdefault("except", []):
                entry["except"].append(host)
        item[f"{side}CIDRSet"] = entries
        return True
    if kind is PeerKind.ENDPOINTS and other.kind is PartyKind.POD:
        label = next((k for k in NAME_LABELS if other.pod_labels.get(k)), "")
        if not label:
            return False
        sels = item.get(f"{side}Endpoints") or []
        for check in matching:
            sel = sels[check.index]
            exprs = sel.setdefault("matchExpressions", [])
            exprs.append({"key": f"k8s:{label}", "operator": "NotIn", "values": [other.pod_labels[label]]})
        return True
    return False


def deny_fixes(
    side: CiliumSide,
    me: Party,
    other: Party,
    other_id: Identity,
    port: int,
    protocol: str,
    *,
    narrow: bool = True,
    isolated_elsewhere: bool = False,
    allowed_elsewhere: bool = False,
) -> list[CiliumFix]:
    """One patched policy per policy whose deny matched: its matching deny items narrowed (or removed).

    When nothing else admits the connection on an isolated side, the allow item is added to the first patched
    policy's rule that selects `me` (so the one YAML carries both), as `allow` of the same direction."""
    direction = side.direction
    by_policy: dict[int, PolicySide] = {id(ps.policy): ps for ps in side.policies if ps.denied}
    fixes: list[CiliumFix] = []
    # `*_elsewhere`: what the NetworkPolicies selecting `me` say (they isolate it / one admits the connection)
    need_allow = (side.isolated or isolated_elsewhere) and not side.allow_hit and not allowed_elsewhere
    for ps in by_policy.values():
        doc = clean_copy(ps.policy.raw)
        removed: list[tuple[list[Any], int]] = []
        kind = FixKind.NARROW_DENY
        for res in ps.denies:
            if not res.ok:
                continue
            items, idx = _locate(doc, res.item.path)
            if not (narrow and _narrow(items[idx], res, other)):
                removed.append((items, idx))
                kind = FixKind.REMOVE_DENY
        for items, idx in sorted(removed, key=lambda t: -t[1]):
            del items[idx]
        if need_allow:
            rule_path = next(r.rule.rule.path for r in ps.denies if r.ok)
            rule = doc["spec"] if rule_path == "spec" else doc["specs"][int(rule_path[6:-1])]
            key = "ingress" if direction is Direction.INGRESS else "egress"
            rule[key] = [*(rule.get(key) or []), allow_item(direction, me, other, other_id, port, protocol)]
            need_allow = False
        fixes.append(
            CiliumFix(direction, kind, ps.policy.kind, ps.policy.namespace, ps.policy.name, doc, False)
        )
    return fixes


def needs_dns_rule(side: CiliumSide) -> bool:
    """An egress side whose toFQDNs checks failed, or would fail, for want of a rules.dns item."""
    for ps in side.policies:
        for res in ps.allows:
            if any(c.miss is PeerMiss.FQDN_NO_DNS_RULE for c in res.peer.checks):
                return True
    return not any(res.item.has_dns_rules for ps in side.policies for res in ps.allows)
