"""Near misses of Cilium rules, as data: why the closest rule of each isolating policy did not admit the peer.

Read off the same item results the verdict came from (core/cilium/engine.py), never re-derived. Each is one
`NearMiss` with a `NearMissKind` (the traps of reference §9: wrong entity, host vs remote-node, FQDN pattern,
missing DNS rule, address in an except, CIDR aimed at a pod, cluster label, implicit namespace, identity-filtered
label, ICMP through toPorts, `[{}]` read as allow-all, a deny-only policy that isolates, L7 not judged).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from netpol_tui.core.cilium.engine import CiliumSide, ItemResult, PolicySide
from netpol_tui.core.cilium.identity import Identity, entity_of, identity_relevant
from netpol_tui.core.cilium.matchers import PeerMiss, PortMiss
from netpol_tui.core.cilium.model import CLUSTER_KEY, Direction, Entity, Section, Unjudged


class NearMissKind(StrEnum):
    WRONG_ENTITY = "wrong_entity"
    HOST_VS_REMOTE_NODE = "host_vs_remote_node"
    FQDN_MISMATCH = "fqdn_mismatch"
    FQDN_NO_NAMES = "fqdn_no_names"
    FQDN_NO_DNS_RULE = "fqdn_no_dns_rule"
    ADDRESS_EXCEPTED = "address_excepted"
    CIDR_AT_ENDPOINT = "cidr_at_endpoint"
    CLUSTER_LABEL = "cluster_label"
    WRONG_NAMESPACE = "wrong_namespace"
    FILTERED_LABEL = "identity_filtered_label"
    SELECTOR = "selector"
    ICMP_NEEDS_ICMPS = "icmp_needs_icmps"
    PORT = "port"
    EMPTY_RULE = "empty_rule"  # `ingress: [{}]`: isolates and allows nothing (not allow-all as in a KNP)
    DENY_ONLY_ISOLATES = "deny_only_isolates"
    L7_NOT_JUDGED = "l7_not_judged"


@dataclass(frozen=True, slots=True)
class NearMiss:
    kind: NearMissKind
    policy: str  # "cilium-test/x" (CNP) or "x" (CCNP)
    policy_kind: str  # CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy
    section: Section
    number: int  # 0-based item number in that section of the policy
    direction: Direction
    value: str = ""  # the entity / pattern / except / label the rule names
    actual: str = ""  # what the peer is or has


def _ref(ps: PolicySide, res: ItemResult, kind: NearMissKind, value: str = "", actual: str = "") -> NearMiss:
    return NearMiss(
        kind,
        ps.policy.key,
        ps.policy.kind.value,
        res.item.section,
        res.number,
        res.item.section.direction,
        value,
        actual,
    )


def _peer_miss(ps: PolicySide, res: ItemResult, other: Identity, names: tuple[str, ...]) -> list[NearMiss]:
    fewest = res.peer.best.failures
    out: list[NearMiss] = []
    entity = entity_of(other)
    actual_entity = entity.value if entity is not None else "pod"
    for check in res.peer.checks:
        if check.failures != fewest:
            continue
        m = check.miss
        if m is PeerMiss.ENTITY:
            pair = {check.value, actual_entity}
            kind = (
                NearMissKind.HOST_VS_REMOTE_NODE
                if pair == {Entity.HOST.value, Entity.REMOTE_NODE.value}
                else NearMissKind.WRONG_ENTITY
            )
            out.append(_ref(ps, res, kind, check.value, actual_entity))
        elif m is PeerMiss.FQDN_MISMATCH:
            out.append(_ref(ps, res, NearMissKind.FQDN_MISMATCH, check.value, ", ".join(names)))
        elif m is PeerMiss.FQDN_NO_NAMES:
            out.append(_ref(ps, res, NearMissKind.FQDN_NO_NAMES, check.value))
        elif m is PeerMiss.FQDN_NO_DNS_RULE:
            out.append(_ref(ps, res, NearMissKind.FQDN_NO_DNS_RULE, check.value, ", ".join(names)))
        elif m is PeerMiss.CIDR_EXCEPTED:
            out.append(_ref(ps, res, NearMissKind.ADDRESS_EXCEPTED, check.value))
        elif m is PeerMiss.CIDR_ENDPOINT:
            out.append(_ref(ps, res, NearMissKind.CIDR_AT_ENDPOINT, check.value, actual_entity))
        elif m is PeerMiss.CLUSTER:
            cluster = other.labels.get(f"k8s:{CLUSTER_KEY}", "")
            out.append(_ref(ps, res, NearMissKind.CLUSTER_LABEL, "", cluster))
        elif m is PeerMiss.NAMESPACE:
            ns = other.labels.get("k8s:io.kubernetes.pod.namespace", "")
            out.append(_ref(ps, res, NearMissKind.WRONG_NAMESPACE, ps.policy.namespace, ns))
        elif m is PeerMiss.SELECTOR:
            for miss in check.selector_misses:
                key = miss.key.split(":", 1)[-1]
                if key == CLUSTER_KEY:
                    out.append(
                        _ref(ps, res, NearMissKind.CLUSTER_LABEL, ",".join(miss.values), miss.actual or "")
                    )
                    break
                if not identity_relevant(key):
                    out.append(_ref(ps, res, NearMissKind.FILTERED_LABEL, key))
                    break
            else:
                text = ", ".join(f"{x.key.split(':', 1)[-1]}" for x in check.selector_misses)
                out.append(_ref(ps, res, NearMissKind.SELECTOR, text))
    return out


def near_misses(side: CiliumSide, other: Identity, names: tuple[str, ...] = ()) -> tuple[NearMiss, ...]:
    """For a side that denies with 133: per isolating policy, its closest allow item's failing clause."""
    ok, _ = side.combined(False, False)
    if ok or side.denied_by:
        return ()
    out: list[NearMiss] = []
    for ps in side.isolating:
        if not ps.allows:
            if ps.denies:
                first = ps.denies[0]
                out.append(_ref(ps, first, NearMissKind.DENY_ONLY_ISOLATES))
            continue
        if all(r.item.selects_nothing for r in ps.allows):
            out.append(_ref(ps, ps.allows[0], NearMissKind.EMPTY_RULE))
            continue
        closest = ps.closest
        if closest is None:
            continue
        if not closest.peer.ok and closest.port.ok:
            out.extend(_peer_miss(ps, closest, other, names))
        elif closest.peer.ok and not closest.port.ok:
            kind = (
                NearMissKind.ICMP_NEEDS_ICMPS
                if closest.port.miss is PortMiss.ICMP_NEEDS_ICMPS
                else NearMissKind.PORT
            )
            out.append(_ref(ps, closest, kind))
    return tuple(out)


def l7_caveats(side: CiliumSide) -> tuple[NearMiss, ...]:
    """Allow items that admitted the connection at L4 but carry L7 rules this tool does not judge."""
    out: list[NearMiss] = []
    for ps in side.policies:
        for res in ps.allows:
            if res.ok and (res.port.l7 or Unjudged.L7 in res.item.unjudged):
                out.append(_ref(ps, res, NearMissKind.L7_NOT_JUDGED, ", ".join(k.value for k in res.port.l7)))
    return tuple(out)
