"""Compiled Cilium rule items: one peer matcher and one port matcher per item, each answering with data.

`check_peer` and `check_port` are the only implementations of "does this item admit that peer / that port":
the fast yes/no path reads `.ok` of the same result the explanation reads, but for ports: `port_admits` is
`check_port(...).ok` without the miss ranking (the same entries, in the same order, through `_port_entry`; a
property test holds them equal), as a merged policy's hundreds of port items mostly miss. Misses are typed (`PeerMiss`,
`PortMiss`) so explain/suggest can say "wrong entity", "address in an except", "FQDN pattern does not match",
"selector lacks the cluster label" without re-deriving anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from netpol_tui.core.cilium import fqdn
from netpol_tui.core.cilium.icmp import family_of_protocol
from netpol_tui.core.cilium.identity import Identity, Party, PartyKind, entity_matches
from netpol_tui.core.cilium.model import (
    CLUSTER_KEY,
    NAMESPACE_KEY,
    CiliumConfig,
    Entity,
    IPNetwork,
    L4Proto,
    L7Kind,
    PeerKind,
    PortProtocol,
    RuleItem,
)
from netpol_tui.core.matchers.base import CheckResult
from netpol_tui.core.matchers.peers import parse_ip
from netpol_tui.core.selectors import LabelSelector, SelectorMiss

NS_REQ_KEY = f"k8s:{NAMESPACE_KEY}"
CLUSTER_REQ_KEY = f"k8s:{CLUSTER_KEY}"


class PeerMiss(StrEnum):
    NONE = ""
    NOTHING = "selects_nothing"  # `{}` or an empty peer list
    ENTITY = "wrong_entity"
    SELECTOR = "selector"  # the written labels do not match
    NAMESPACE = "namespace"  # the implicit namespace term (CNP: the policy's namespace; CCNP: any pod)
    CLUSTER = "cluster_label"  # the implicit io.cilium.k8s.policy.cluster term
    NOT_AN_ENDPOINT = "not_an_endpoint"  # an endpoint selector against host / world / a node
    INVALID_SELECTOR = "invalid_selector"
    CIDR_ENDPOINT = "cidr_never_selects_endpoints"  # a CIDR aimed at a pod, the host or a node
    CIDR_OUTSIDE = "cidr_outside"
    CIDR_EXCEPTED = "cidr_excepted"
    CIDR_GROUP_MISSING = "cidr_group_missing"
    FQDN_NO_NAMES = "fqdn_no_names"  # the connection carries no DNS name
    FQDN_MISMATCH = "fqdn_mismatch"
    FQDN_IN_CLUSTER = "fqdn_in_cluster"  # toFQDNs never applies to in-cluster addresses
    FQDN_NO_DNS_RULE = "fqdn_no_dns_rule"  # the DNS proxy never sees the lookups (no rules.dns egress)
    SERVICE_MISSING = "service_missing"
    SERVICE_MISMATCH = "service_mismatch"
    NODE_LABELS_DISABLED = "node_selector_labels_disabled"
    NODE_SELECTOR = "node_selector"
    GROUPS = "groups_not_judged"


class PortMiss(StrEnum):
    NONE = ""
    PROTOCOL = "protocol"
    PORT = "port"
    NAMED_PORT = "named_port_unresolved"
    ICMP_NEEDS_ICMPS = "icmp_needs_icmps"  # ICMP never passes a toPorts item
    NOT_ICMP = "not_icmp"  # an icmps item and the connection is not ICMP
    ICMP_FAMILY = "icmp_family"
    ICMP_TYPE = "icmp_type"


@dataclass(frozen=True, slots=True)
class PeerCheck:
    """One entry of the item's peer list against the other end (index -1: the item has no L3 peer)."""

    ok: bool
    kind: PeerKind
    index: int = -1
    miss: PeerMiss = PeerMiss.NONE
    selector_misses: tuple[SelectorMiss, ...] = ()  # labels the written selector fails on
    value: str = ""  # the entity / cidr / except / pattern / service concerned
    failures: int = 0


class PeerResult(CheckResult[PeerCheck]):
    """Every peer entry of a rule item checked (`ok`, `checks`, `best`)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class PortCheck:
    ok: bool
    miss: PortMiss = PortMiss.NONE
    port_rule: int = -1  # toPorts index (-1: no toPorts / icmps: every port)
    port_index: int = -1
    icmp_index: int = -1
    resolved: int | None = None  # a named port resolved on the destination
    l7: tuple[L7Kind, ...] = ()  # L7 rules on the port that admitted: allowed at L4, L7 not judged


ANY_PORT = PortCheck(True)

# Result objects are immutable and most are one of a few per compiled entry: they are made once and shared
# (a flyweight: building a frozen dataclass costs more than the check itself). Bounded.
_FLYWEIGHT_MAX = 50_000
_PEER_CHECKS: dict[tuple[object, ...], PeerCheck] = {}
_PORT_CHECKS: dict[tuple[object, ...], PortCheck] = {}
_PEER_RESULTS: dict[int, tuple[PeerCheck, PeerResult]] = {}


def _pc(
    ok: bool,
    kind: PeerKind,
    index: int = -1,
    miss: PeerMiss = PeerMiss.NONE,
    value: str = "",
    failures: int = 0,
) -> PeerCheck:
    """`PeerCheck(...)` without selector misses, shared."""
    key = (ok, kind, index, miss, value, failures)
    found = _PEER_CHECKS.get(key)
    if found is None:
        if len(_PEER_CHECKS) > _FLYWEIGHT_MAX:
            _PEER_CHECKS.clear()
        found = _PEER_CHECKS[key] = PeerCheck(ok, kind, index, miss, (), value, failures)
    return found


def _portc(
    ok: bool,
    miss: PortMiss = PortMiss.NONE,
    port_rule: int = -1,
    port_index: int = -1,
    icmp_index: int = -1,
    resolved: int | None = None,
    l7: tuple[L7Kind, ...] = (),
) -> PortCheck:
    """`PortCheck(...)`, shared."""
    key = (ok, miss, port_rule, port_index, icmp_index, resolved, l7)
    found = _PORT_CHECKS.get(key)
    if found is None:
        if len(_PORT_CHECKS) > _FLYWEIGHT_MAX:
            _PORT_CHECKS.clear()
        found = _PORT_CHECKS[key] = PortCheck(ok, miss, port_rule, port_index, icmp_index, resolved, l7)
    return found


def _single(check: PeerCheck) -> PeerResult:
    """`PeerResult` of one shared check, shared too."""
    found = _PEER_RESULTS.get(id(check))
    if found is None or found[0] is not check:
        if len(_PEER_RESULTS) > _FLYWEIGHT_MAX:
            _PEER_RESULTS.clear()
        found = _PEER_RESULTS[id(check)] = (check, PeerResult(check.ok, (check,)))
    return found[1]


# ---------------------------------------------------------------------------------------------------------------
# Compiled pieces
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EndpointPeer:
    """An endpoint selector with its implicit terms; `implicit` holds the keys we added (namespace, cluster)."""

    index: int
    selector: LabelSelector  # effective: as written plus the implicit terms
    implicit: frozenset[str]
    has_reserved: bool
    invalid: bool


@dataclass(frozen=True, slots=True)
class CIDRTarget:
    """A CIDR entry with its networks resolved (a group's CIDRs), its excepts, and whether its group exists."""

    index: int
    text: str
    networks: tuple[IPNetwork, ...]
    excepts: tuple[tuple[str, IPNetwork], ...]
    group_missing: bool = False


@dataclass(frozen=True, slots=True)
class ServiceTarget:
    """A toServices entry resolved: the pod selectors (namespace, selector labels) and the external addresses."""

    index: int
    name: str
    found: bool
    pod_selectors: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # (namespace, selector items)
    addresses: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CompiledItem:
    item: RuleItem
    number: int  # 0-based position among the policy's items of this section (all its rules, in order)
    endpoints: tuple[EndpointPeer, ...] = ()
    nodes: tuple[EndpointPeer, ...] = ()
    cidrs: tuple[CIDRTarget, ...] = ()
    services: tuple[ServiceTarget, ...] = ()


@dataclass(frozen=True, slots=True)
class PeerContext:
    """What a peer check needs besides the item: the other end, its identity, the config, DNS visibility."""

    party: Party
    identity: Identity
    config: CiliumConfig
    dns_visible: bool = True  # the source has an egress rules.dns allow (toFQDNs can learn IPs)


# ---------------------------------------------------------------------------------------------------------------
# Peer checks
# ---------------------------------------------------------------------------------------------------------------
ANY_PEER = PeerResult(True, (_pc(True, PeerKind.NONE),))
NOTHING_PEER = PeerResult(False, (_pc(False, PeerKind.NONE, miss=PeerMiss.NOTHING, failures=1),))


def check_item_peer(ci: CompiledItem, ctx: PeerContext) -> PeerResult:
    item = ci.item
    kind = item.peer_kind
    if kind is _NONE:
        return NOTHING_PEER if item.selects_nothing else ANY_PEER
    checks: list[PeerCheck]
    if kind is _ENDPOINTS:
        checks = [_check_endpoint(e, ctx) for e in ci.endpoints]
    elif kind is _ENTITIES:
        checks = [_check_entity(i, e, ctx) for i, e in enumerate(item.entities)]
    elif kind is _CIDR:
        checks = [_check_cidr(t, ctx) for t in ci.cidrs]
    elif kind is PeerKind.FQDNS:
        checks = [_check_fqdn(i, p.match_name or p.match_pattern, ci, ctx) for i, p in enumerate(item.fqdns)]
    elif kind is PeerKind.SERVICES:
        checks = [_check_service(t, ctx) for t in ci.services]
    elif kind is PeerKind.NODES:
        checks = [_check_node(e, ctx) for e in ci.nodes]
    else:
        checks = [_pc(False, kind, miss=PeerMiss.GROUPS, failures=1)]
    if not checks:
        return _single(_pc(False, kind, miss=PeerMiss.NOTHING, failures=1))
    if len(checks) == 1:
        only = checks[0]
        return _single(only) if not only.selector_misses else PeerResult(only.ok, (only,))
    for c in checks:
        if c.ok:
            return PeerResult(True, tuple(checks))
    return PeerResult(False, tuple(checks))


# module-level: reading an Enum member off its class is slow on this hot path
_NONE, _ENDPOINTS, _ENTITIES, _CIDR = PeerKind.NONE, PeerKind.ENDPOINTS, PeerKind.ENTITIES, PeerKind.CIDR


def _check_endpoint(peer: EndpointPeer, ctx: PeerContext) -> PeerCheck:
    kind = PeerKind.ENDPOINTS
    if peer.invalid:
        return _pc(False, kind, peer.index, PeerMiss.INVALID_SELECTOR, failures=3)
    labels = ctx.identity.labels
    sel = peer.selector
    if sel.matches(labels):
        return _pc(True, kind, peer.index)
    if not ctx.identity.is_pod and not peer.has_reserved:
        return _pc(False, kind, peer.index, PeerMiss.NOT_AN_ENDPOINT, failures=2)
    misses: tuple[SelectorMiss, ...] = sel.why_not(labels)
    written = tuple(m for m in misses if m.key not in peer.implicit)
    if written:
        miss = PeerMiss.SELECTOR
    elif any(m.key == NS_REQ_KEY for m in misses):
        miss = PeerMiss.NAMESPACE
    else:
        miss = PeerMiss.CLUSTER
    return PeerCheck(False, kind, peer.index, miss, selector_misses=misses, failures=len(misses))


def _check_entity(index: int, entity: Entity, ctx: PeerContext) -> PeerCheck:
    if entity_matches(entity, ctx.identity, ctx.config):
        return _pc(True, PeerKind.ENTITIES, index, value=entity.value)
    return _pc(False, PeerKind.ENTITIES, index, PeerMiss.ENTITY, value=entity.value, failures=1)


def _check_cidr(target: CIDRTarget, ctx: PeerContext) -> PeerCheck:
    kind = PeerKind.CIDR
    if target.group_missing:
        return _pc(False, kind, target.index, PeerMiss.CIDR_GROUP_MISSING, value=target.text, failures=2)
    if not ctx.identity.cidr_selectable:
        return _pc(False, kind, target.index, PeerMiss.CIDR_ENDPOINT, value=target.text, failures=2)
    addr = parse_ip(ctx.party.ip)
    if addr is None:
        return _pc(False, kind, target.index, PeerMiss.CIDR_OUTSIDE, value=target.text, failures=1)
    inside = any(addr.version == n.version and addr in n for n in target.networks)
    if not inside:
        return _pc(False, kind, target.index, PeerMiss.CIDR_OUTSIDE, value=target.text, failures=1)
    for text, net in target.excepts:
        if addr.version == net.version and addr in net:
            return _pc(False, kind, target.index, PeerMiss.CIDR_EXCEPTED, value=text, failures=1)
    return _pc(True, kind, target.index, value=target.text)


def _check_fqdn(index: int, text: str, ci: CompiledItem, ctx: PeerContext) -> PeerCheck:
    kind = PeerKind.FQDNS
    peer = ci.item.fqdns[index]
    if not ctx.identity.cidr_selectable or ctx.identity.is_pod:
        return _pc(False, kind, index, PeerMiss.FQDN_IN_CLUSTER, value=text, failures=2)
    names = ctx.party.names
    if not names:
        return _pc(False, kind, index, PeerMiss.FQDN_NO_NAMES, value=text, failures=1)
    if fqdn.first_match(peer, names) is None:
        return _pc(False, kind, index, PeerMiss.FQDN_MISMATCH, value=text, failures=1)
    if not ctx.dns_visible:
        return _pc(False, kind, index, PeerMiss.FQDN_NO_DNS_RULE, value=text, failures=1)
    return _pc(True, kind, index, value=text)


def _check_service(target: ServiceTarget, ctx: PeerContext) -> PeerCheck:
    kind = PeerKind.SERVICES
    if not target.found:
        return _pc(False, kind, target.index, PeerMiss.SERVICE_MISSING, value=target.name, failures=2)
    party = ctx.party
    if party.kind is PartyKind.POD:
        for ns, items in target.pod_selectors:
            if party.namespace == ns and all(party.pod_labels.get(k) == v for k, v in items):
                return _pc(True, kind, target.index, value=target.name)
    elif ctx.identity.cidr_selectable and party.ip in target.addresses:
        return _pc(True, kind, target.index, value=target.name)
    return _pc(False, kind, target.index, PeerMiss.SERVICE_MISMATCH, value=target.name, failures=1)


def _check_node(peer: EndpointPeer, ctx: PeerContext) -> PeerCheck:
    kind = PeerKind.NODES
    if not ctx.config.enable_node_selector_labels:
        return _pc(False, kind, peer.index, PeerMiss.NODE_LABELS_DISABLED, failures=2)
    if ctx.party.kind is not PartyKind.NODE:
        return _pc(False, kind, peer.index, PeerMiss.NOT_AN_ENDPOINT, failures=2)
    if peer.selector.matches(ctx.identity.labels):
        return _pc(True, kind, peer.index)
    misses = peer.selector.why_not(ctx.identity.labels)
    return PeerCheck(
        False, kind, peer.index, PeerMiss.NODE_SELECTOR, selector_misses=misses, failures=len(misses)
    )


# ---------------------------------------------------------------------------------------------------------------
# Port checks
# ---------------------------------------------------------------------------------------------------------------
def resolve_name(dst: Party, name: str, protocol: L4Proto) -> int | None:
    for cp in dst.ports:
        if cp.name.lower() == name and (protocol is L4Proto.ANY or cp.protocol == protocol.value):
            return cp.port
    return None


def _port_entry(pp: PortProtocol, port: int, protocol: str, dst: Party) -> tuple[bool, PortMiss, int | None]:
    if pp.protocol is not L4Proto.ANY and pp.protocol != protocol:  # a StrEnum: compared as its text
        return False, PortMiss.PROTOCOL, None
    if pp.name:
        resolved = resolve_name(dst, pp.name, pp.protocol if pp.protocol is not L4Proto.ANY else L4Proto.ANY)
        if resolved is None:
            return False, PortMiss.NAMED_PORT, None
        return resolved == port, (PortMiss.NONE if resolved == port else PortMiss.PORT), resolved
    if pp.port == 0:
        return True, PortMiss.NONE, None
    if pp.end_port is not None:
        ok = pp.port <= port <= pp.end_port
    else:
        ok = pp.port == port
    return ok, (PortMiss.NONE if ok else PortMiss.PORT), None


_MISS_RANK = {PortMiss.PORT: 0, PortMiss.NAMED_PORT: 1, PortMiss.PROTOCOL: 2}


def port_admits(item: RuleItem, port: int, protocol: str, dst: Party) -> bool:
    """`check_port(item, port, protocol, dst).ok`, without building the check (the evaluator's fast path)."""
    if not item.icmps and not item.to_ports:
        return True
    family = family_of_protocol(protocol)
    if item.icmps:
        return family is not None and any(f.family is family and f.type == port for f in item.icmps)
    if family is not None:
        return False
    for pr in item.to_ports:
        if not pr.ports:
            return True
        for pp in pr.ports:
            if _port_entry(pp, port, protocol, dst)[0]:
                return True
    return False


def check_port(item: RuleItem, port: int, protocol: str, dst: Party) -> PortCheck:
    """Does the item's L4 / ICMP part admit (port, protocol)? For ICMP, `port` is the ICMP type."""
    if not item.icmps and not item.to_ports:
        return ANY_PORT
    family = family_of_protocol(protocol)
    if item.icmps:
        if family is None:
            return _portc(False, PortMiss.NOT_ICMP)
        best = PortMiss.ICMP_FAMILY
        for f in item.icmps:
            if f.family is family:
                if f.type == port:
                    return _portc(True, icmp_index=f.index)
                best = PortMiss.ICMP_TYPE
        return _portc(False, best)
    if family is not None:
        return _portc(False, PortMiss.ICMP_NEEDS_ICMPS)
    worst: tuple[int, PortMiss, int, int, int | None] | None = None
    for pr in item.to_ports:
        if not pr.ports:
            return _portc(True, port_rule=pr.index, l7=pr.l7)
        for pp in pr.ports:
            ok, miss, resolved = _port_entry(pp, port, protocol, dst)
            if ok:
                return _portc(True, PortMiss.NONE, pr.index, pp.index, resolved=resolved, l7=pr.l7)
            rank = _MISS_RANK.get(miss, 3)
            if worst is None or rank < worst[0]:
                worst = (rank, miss, pr.index, pp.index, resolved)
    assert worst is not None
    _, miss, rule_index, port_index, resolved = worst
    return _portc(False, miss, rule_index, port_index, resolved=resolved)
