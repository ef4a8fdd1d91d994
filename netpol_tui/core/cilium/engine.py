"""Cilium policy evaluation for one side of a connection (reference §3, §4, §7).

`CiliumEngine(context)` compiles every CNP/CCNP rule once (core/cilium/compiled.py: effective endpoint selectors
with their implicit namespace and cluster terms, CIDR groups and Services resolved) and answers, for an endpoint
and a direction: which rules select it, whether it is isolated (default deny), which deny items match (drop 181),
which allow items match, and the verdict of the Cilium policies alone. NetworkPolicy allows join through
`CiliumSide.combined(...)`: a deny wins over every allow; otherwise any allow of any kind admits an isolated side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from enum import StrEnum

from netpol_tui.core.cilium.compiled import _NO_SELECTION, CompiledRule, RuleCompiler, _Group, _Selection
from netpol_tui.core.cilium.identity import (
    Identity,
    Party,
    PartyKind,
    extend,
    identity_of,
    pod_identity_labels,
)
from netpol_tui.core.cilium.matchers import (
    CompiledItem,
    PeerContext,
    PeerResult,
    PortCheck,
    check_item_peer,
    check_port,
    port_admits,
)
from netpol_tui.core.cilium.model import (
    CIDRGroup,
    CiliumConfig,
    CiliumPolicy,
    CiliumRule,
    Direction,
    EnablePolicy,
    Endpoints,
    Node,
    PolicyKind,
    Reserved,
    RuleItem,
    Section,
    Service,
)
from netpol_tui.core.matchers.base import best_check
from netpol_tui.core.model import NS_NAME_LABEL, Namespace, Pod

KUBERNETES_SERVICE = "default/kubernetes"


class Drop(StrEnum):
    NONE = ""
    POLICY_DENIED = "POLICY_DENIED"  # 133: default deny, no allow matched
    POLICY_DENY = "POLICY_DENY"  # 181: an explicit deny matched


DROP_CODES = {Drop.POLICY_DENIED: 133, Drop.POLICY_DENY: 181}


class NotEnforced(StrEnum):
    NONE = ""
    NOT_A_POD = "not_a_pod"
    HOST_NETWORK = "host_network"
    POLICY_NEVER = "enable_policy_never"


# ---------------------------------------------------------------------------------------------------------------
# Context: the cluster objects the evaluation reads
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CiliumContext:
    policies: tuple[CiliumPolicy, ...] = ()
    groups: tuple[CIDRGroup, ...] = ()
    nodes: tuple[Node, ...] = ()
    services: tuple[Service, ...] = ()
    endpoints: tuple[Endpoints, ...] = ()
    config: CiliumConfig = field(default_factory=CiliumConfig)


# ---------------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One allow or deny item checked against the connection."""

    rule: CompiledRule
    compiled: CompiledItem
    ok: bool
    peer: PeerResult
    port: PortCheck

    @property
    def item(self) -> RuleItem:
        return self.compiled.item

    @property
    def number(self) -> int:
        return self.compiled.number

    @property
    def failures(self) -> int:
        return (0 if self.peer.ok else self.peer.best.failures) + (0 if self.port.ok else 1)


@dataclass(frozen=True, slots=True)
class PolicySide:
    """One selecting CNP/CCNP for one direction."""

    policy: CiliumPolicy
    isolates: bool
    isolating_rules: tuple[str, ...]  # rule paths that put the endpoint in default deny
    kept_open: tuple[str, ...]  # rule paths whose enableDefaultDeny: false kept them from isolating
    allows: tuple[ItemResult, ...]  # every allow item of the selecting rules (in order)
    denies: tuple[ItemResult, ...]  # every deny item of the selecting rules (in order)

    @property
    def allowed(self) -> bool:
        return any(r.ok for r in self.allows)

    @property
    def denied(self) -> bool:
        return any(r.ok for r in self.denies)

    @property
    def closest(self) -> ItemResult | None:
        return best_check(self.allows) if self.allows else None


@dataclass(frozen=True, slots=True)
class DenyRef:
    policy: CiliumPolicy
    number: int  # 0-based among the policy's deny items of that direction
    path: str  # "spec.ingressDeny[0]"


@dataclass(frozen=True, slots=True)
class CiliumSide:
    direction: Direction
    enforced: bool
    reason: NotEnforced = NotEnforced.NONE
    isolated: bool = False  # by a Cilium rule, or enable-policy=always
    always: bool = False  # enable-policy=always isolated it
    allow_hit: bool = False  # a Cilium allow item (or allow-localhost) admits the connection
    localhost: bool = False  # admitted by allow-localhost (the local host to a local pod)
    policies: tuple[PolicySide, ...] = ()  # every selecting policy with rules for this direction
    denied_by: tuple[DenyRef, ...] = ()
    audit: bool = False

    @property
    def allowed(self) -> bool:
        """The verdict of the Cilium policies alone."""
        return self.combined(False, False)[0]

    def combined(self, knp_isolated: bool, knp_allows: bool) -> tuple[bool, Drop]:
        """The side's verdict with NetworkPolicy joined: (allowed, drop reason)."""
        if not self.enforced:
            return True, Drop.NONE
        if self.denied_by:
            return False, Drop.POLICY_DENY
        if not (self.isolated or knp_isolated):
            return True, Drop.NONE
        if self.allow_hit or knp_allows:
            return True, Drop.NONE
        return False, Drop.POLICY_DENIED

    @property
    def isolating(self) -> tuple[PolicySide, ...]:
        return tuple(p for p in self.policies if p.isolates)


# ---------------------------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------------------------
class CiliumEngine:
    """Compiled once per snapshot; read-only afterwards."""

    def __init__(
        self,
        context: CiliumContext,
        namespaces: Mapping[str, Namespace] | None = None,
        pods: Iterable[Pod] = (),
    ) -> None:
        self.context = context
        self.config = context.config
        self.namespaces: Mapping[str, Namespace] = namespaces or {}
        self._pods_by_ip: dict[str, Pod] = {}
        self._host_network_ips: dict[str, str] = {}  # a hostNetwork pod's address -> its node
        for pod in pods:
            if pod.host_network:
                for ip in pod.ips:
                    if pod.node_name:
                        self._host_network_ips.setdefault(ip, pod.node_name)
                continue
            for ip in pod.ips:
                current = self._pods_by_ip.get(ip)
                if current is None or (current.phase != "Running" and pod.phase == "Running"):
                    self._pods_by_ip[ip] = pod
        self._node_by_ip: dict[str, Node] = {}
        self._nodes: dict[str, Node] = {}
        for node in context.nodes:
            self._nodes[node.name] = node
            for ip in node.addresses:
                self._node_by_ip.setdefault(ip, node)
        self._services: dict[str, Service] = {s.key: s for s in context.services}
        self._endpoints: dict[str, Endpoints] = {e.key: e for e in context.endpoints}
        api = self._endpoints.get(KUBERNETES_SERVICE)
        self._apiserver_ips = frozenset(api.addresses) if api is not None else frozenset()
        self._groups: dict[str, CIDRGroup] = {g.name: g for g in context.groups}
        self._by_ns: dict[str, list[CompiledRule]] = {}
        self._clusterwide: list[CompiledRule] = []
        compiler = RuleCompiler(self.config, self._groups, self._services, self._endpoints)
        for pol in context.policies:
            numbers = dict.fromkeys(Section, 0)
            for rule in pol.rules:
                if rule.is_host_rule:
                    continue
                compiled = compiler.compile_rule(pol, rule, numbers)
                if pol.kind is PolicyKind.CNP:
                    self._by_ns.setdefault(pol.namespace, []).append(compiled)
                else:
                    self._clusterwide.append(compiled)
        self._selecting: dict[str, _Selection] = {}
        self._pod_identities: dict[str, tuple[Party, Identity]] = {}
        self._never = self.config.enable_policy is EnablePolicy.NEVER
        self._always = self.config.enable_policy is EnablePolicy.ALWAYS
        self._localhost = self.config.localhost_always_allowed
        always = self._always
        self._unselected = {
            d: CiliumSide(d, True, isolated=always, always=always, audit=self.config.policy_audit_mode)
            for d in (Direction.INGRESS, Direction.EGRESS)
        }

    # --- parties -----------------------------------------------------------------------------------------
    def pod_party(self, pod: Pod, namespace: Namespace | None = None, *, service_account: str = "") -> Party:
        """A pod as a party; a hostNetwork pod is its node's host network namespace."""
        ns = (
            namespace
            or self.namespaces.get(pod.namespace)
            or Namespace(pod.namespace, {NS_NAME_LABEL: pod.namespace})
        )
        if pod.host_network:
            node = self._nodes.get(pod.node_name)
            return Party(
                PartyKind.NODE,
                ip=pod.ip or "",
                pod_key=pod.key,
                namespace=pod.namespace,
                node=pod.node_name,
                node_labels=node.labels if node is not None else {},
                kube_apiserver=bool(pod.ip) and pod.ip in self._apiserver_ips,
            )
        sa = service_account or pod.service_account or "default"
        labels = pod_identity_labels(
            pod.labels,
            pod.namespace,
            ns.labels,
            service_account=sa,
            cluster=pod.cluster or self.config.cluster_name,
        )
        return Party(
            PartyKind.POD,
            ip=pod.ip or "",
            pod_key=pod.key,
            namespace=pod.namespace,
            node=pod.node_name,
            labels=labels,
            pod_labels=pod.labels,
            ports=pod.ports,
            extended=extend(labels),
        )

    def ip_party(self, ip: str, names: tuple[str, ...] = ()) -> Party:
        """An address: a pod's, a node's (its host network namespace), else the world (kube-apiserver flagged)."""
        pod = self._pods_by_ip.get(ip)
        if pod is not None:
            return self.pod_party(pod)
        apiserver = ip in self._apiserver_ips
        node = self._node_by_ip.get(ip)
        if node is None and ip in self._host_network_ips:
            name = self._host_network_ips[ip]
            node = self._nodes.get(name) or Node(name)
        if node is not None:
            return Party(
                PartyKind.NODE, ip=ip, node=node.name, node_labels=node.labels, kube_apiserver=apiserver
            )
        return Party(PartyKind.WORLD, ip=ip, kube_apiserver=apiserver, names=names)

    def node_party(self, name: str) -> Party:
        node = self._nodes.get(name)
        ip = node.addresses[0] if node is not None and node.addresses else ""
        return Party(PartyKind.NODE, ip=ip, node=name, node_labels=node.labels if node is not None else {})

    def identity(self, party: Party, observer_node: str) -> Identity:
        return identity_of(party, observer_node, self.config)

    def _identity(self, party: Party, observer_node: str) -> Identity:
        """`identity`, a pod's made once (it does not depend on who looks)."""
        if party.kind is not _POD or not party.pod_key:
            return identity_of(party, observer_node, self.config)
        found = self._pod_identities.get(party.pod_key)
        if found is None or found[0] is not party:
            found = (party, identity_of(party, observer_node, self.config))
            self._pod_identities[party.pod_key] = found
        return found[1]

    # --- selection ---------------------------------------------------------------------------------------
    def selecting(self, me: Party) -> tuple[CompiledRule, ...]:
        """Every endpoint rule (CNP of its namespace, every CCNP) whose endpointSelector selects this pod."""
        return self._selection(me).rules

    def selected_by_any(self, me: Party, policies: AbstractSet[int]) -> bool:
        """Does an endpoint rule of one of these policies (by `id`) select this pod? (`selecting`, restricted.)"""
        if me.kind is not PartyKind.POD or not policies:
            return False
        rules = [
            r for r in (*self._by_ns.get(me.namespace, ()), *self._clusterwide) if id(r.policy) in policies
        ]
        if not rules:
            return False
        labels = identity_of(me, me.node, self.config).labels
        return any(r.subject is not None and r.subject.matches(labels) for r in rules)

    def _selection(self, me: Party) -> _Selection:
        if me.kind is not PartyKind.POD:
            return _NO_SELECTION
        cached = self._selecting.get(me.pod_key) if me.pod_key else None
        if cached is not None and cached.labels is me.labels:
            return cached
        labels = identity_of(me, me.node, self.config).labels
        found = tuple(
            r
            for r in (*self._by_ns.get(me.namespace, ()), *self._clusterwide)
            if r.subject is not None and r.subject.matches(labels)
        )
        sel = self._group(found, me.labels)
        if me.pod_key:
            self._selecting[me.pod_key] = sel
        return sel

    def _group(self, rules: tuple[CompiledRule, ...], labels: Mapping[str, str]) -> _Selection:
        """The rules by policy, with what each contributes to isolation per direction (computed once per pod)."""
        groups: dict[Direction, list[_Group]] = {Direction.INGRESS: [], Direction.EGRESS: []}
        order: dict[int, tuple[CiliumPolicy, list[CompiledRule]]] = {}
        for r in rules:
            order.setdefault(id(r.policy), (r.policy, []))[1].append(r)
        for direction in (Direction.INGRESS, Direction.EGRESS):
            for pol, prules in order.values():
                iso = tuple(r.rule.path for r in prules if self.isolates(r.rule, direction))
                kept = tuple(
                    r.rule.path
                    for r in prules
                    if not self.isolates(r.rule, direction)
                    and r.rule.written_default_deny(direction) is False
                    and (r.rule.allows(direction) or r.rule.denies(direction))
                )
                groups[direction].append(_Group(pol, tuple(prules), iso, kept))
        dns = self.config.enable_l7_proxy and any(i.has_dns_rules for r in rules for i in r.rule.egress)
        return _Selection(
            rules,
            labels,
            tuple(groups[Direction.INGRESS]),
            tuple(groups[Direction.EGRESS]),
            any(g.isolating for g in groups[Direction.INGRESS]),
            any(g.isolating for g in groups[Direction.EGRESS]),
            dns,
        )

    def isolates(self, rule: CiliumRule, direction: Direction) -> bool:
        written = (
            rule.written_default_deny(direction) if self.config.enable_non_default_deny_policies else None
        )
        if written is not None:
            return written
        return bool(rule.allows(direction)) or bool(rule.denies(direction))

    # --- evaluation --------------------------------------------------------------------------------------
    def side(
        self,
        direction: Direction,
        me: Party,
        other: Party,
        port: int,
        protocol: str,
        *,
        detailed: bool = True,
    ) -> CiliumSide:
        """The Cilium verdict data of `me` for `direction` (`me` is the source for egress, the destination for
        ingress; `other` the other end). `detailed=False` stops at the first deciding item (fast path)."""
        if me.kind is not _POD:
            reason = NotEnforced.HOST_NETWORK if me.pod_key else NotEnforced.NOT_A_POD
            return CiliumSide(direction, False, reason)
        cfg = self.config
        if self._never:
            return CiliumSide(direction, False, NotEnforced.POLICY_NEVER)
        sel = self._selection(me)
        always = self._always
        ingress = direction is _INGRESS
        if not sel.rules and (not ingress or other.kind is _POD):
            # the common case: no Cilium rule selects this pod (and the local host is not the peer)
            return self._unselected[direction]
        other_id = self._identity(other, me.node)
        dst = me if ingress else other
        ctx = PeerContext(other, other_id, cfg, True if ingress else sel.dns_visible)
        allow_sec, deny_sec = _SECTIONS[ingress]
        localhost = ingress and self._localhost and _HOST in other_id.reserved
        groups = sel.ingress if ingress else sel.egress
        isolated = sel.isolated_ingress if ingress else sel.isolated_egress
        if not detailed:
            denied: list[DenyRef] = []
            allow_hit = localhost
            for g in groups:
                for r in g.rules:
                    for ci in r.items[deny_sec]:
                        if _admits(ci, ctx, port, protocol, dst):
                            denied.append(DenyRef(g.policy, ci.number, ci.item.path))
            if not denied and not allow_hit and (isolated or always):
                allow_hit = any(
                    _admits(ci, ctx, port, protocol, dst)
                    for g in groups
                    for r in g.rules
                    for ci in r.items[allow_sec]
                )
            return CiliumSide(
                direction,
                True,
                isolated=isolated or always,
                always=always and not isolated,
                allow_hit=allow_hit,
                localhost=localhost,
                denied_by=tuple(denied),
                audit=cfg.policy_audit_mode,
            )
        sides: list[PolicySide] = []
        denied = []
        allow_hit = localhost
        for g in groups:
            allows: list[ItemResult] = []
            denies: list[ItemResult] = []
            for r in g.rules:
                items = r.items
                for ci in items[deny_sec]:
                    res = _item_result(
                        r, ci, check_item_peer(ci, ctx), check_port(ci.item, port, protocol, dst)
                    )
                    denies.append(res)
                    if res.ok:
                        denied.append(DenyRef(g.policy, ci.number, ci.item.path))
                for ci in items[allow_sec]:
                    res = _item_result(
                        r, ci, check_item_peer(ci, ctx), check_port(ci.item, port, protocol, dst)
                    )
                    allows.append(res)
                    allow_hit = allow_hit or res.ok
            if g.isolating or allows or denies:
                sides.append(
                    PolicySide(
                        g.policy, bool(g.isolating), g.isolating, g.kept_open, tuple(allows), tuple(denies)
                    )
                )
        return CiliumSide(
            direction,
            True,
            isolated=isolated or always,
            always=always and not isolated,
            allow_hit=allow_hit,
            localhost=localhost,
            policies=tuple(sides),
            denied_by=tuple(denied),
            audit=cfg.policy_audit_mode,
        )


# module-level: reading an Enum member off its class is slow on this hot path
_POD = PartyKind.POD
_INGRESS = Direction.INGRESS
_HOST = Reserved.HOST
_SECTIONS = {True: (Section.INGRESS, Section.INGRESS_DENY), False: (Section.EGRESS, Section.EGRESS_DENY)}


_ITEM_RESULTS: dict[tuple[int, int, int], ItemResult] = {}


def _item_result(rule: CompiledRule, ci: CompiledItem, peer: PeerResult, port: PortCheck) -> ItemResult:
    """`ItemResult(...)`, shared when its peer result is (one check without selector misses: the matchers share
    those, and their port checks)."""
    if len(peer.checks) != 1 or peer.checks[0].selector_misses:
        return ItemResult(rule, ci, peer.ok and port.ok, peer, port)
    key = (id(ci), id(peer), id(port))
    found = _ITEM_RESULTS.get(key)
    # the entry holds ci, peer and port alive, so an id match with the same objects is the same key
    if found is None or found.compiled is not ci or found.peer is not peer or found.port is not port:
        if len(_ITEM_RESULTS) > 50_000:
            _ITEM_RESULTS.clear()
        found = _ITEM_RESULTS[key] = ItemResult(rule, ci, peer.ok and port.ok, peer, port)
    return found


def _admits(ci: CompiledItem, ctx: PeerContext, port: int, protocol: str, dst: Party) -> bool:
    """The fast answer of `_check`: the same port and peer matchers, ports first (cheaper)."""
    return port_admits(ci.item, port, protocol, dst) and check_item_peer(ci, ctx).ok
